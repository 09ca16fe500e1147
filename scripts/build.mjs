// `npm run build`: the web app in web/dist and a fresh dist/ with the Prisma client generated now and compiled along with
// src/, so a production install (`npm ci --omit=dev`) needs neither the Prisma CLI nor tsx.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (args) => {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

rmSync(join(root, "dist"), { recursive: true, force: true });
run([join(root, "scripts", "prisma-generate.mjs")]);
run([join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.build.json")]);
// The web app (web/dist), served by the API at /.
run([join(root, "scripts", "build-web.mjs")]);
