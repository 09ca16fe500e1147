// Used by the standard Prisma CLI where it can run (machines with internet). Offline, the
// project's own runner (`npm run db:migrate`) applies prisma/migrations instead.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/castad" },
});
