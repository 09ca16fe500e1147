// Grants or takes back the ADMIN role (the queue dashboard at /admin/queues). The first admin
// can only be made here, by someone with access to the database configuration:
//   npm run admin -- grant someone@example.com        (dev)
//   node dist/src/admin-cli.js grant someone@example.com  (a production install)
import { existsSync } from "node:fs";
import { loadConfig } from "./config.js";
import { createPrisma } from "./db/client.js";

const [command, email] = process.argv.slice(2);
if ((command !== "grant" && command !== "revoke") || !email) {
  console.error("usage: admin-cli grant|revoke <email>");
  process.exit(2);
}
if (existsSync(".env")) process.loadEnvFile(".env");
const config = loadConfig();
const prisma = createPrisma({ url: config.DATABASE_URL, poolMax: 1, prepared: config.DB_PREPARED_STATEMENTS });
try {
  const role = command === "grant" ? "ADMIN" : "USER";
  const { count } = await prisma.user.updateMany({ where: { email: email.trim().toLowerCase() }, data: { role } });
  if (count === 0) {
    console.error(`no user with the email ${email}`);
    process.exitCode = 1;
  } else {
    console.log(`${email} is now ${role === "ADMIN" ? "an admin" : "a regular user"}`);
  }
} finally {
  await prisma.$disconnect();
}
