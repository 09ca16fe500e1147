// Runs `prisma generate` without the native schema engine, which cannot be downloaded on
// offline machines. The engine path points at a script that fails loudly, so that `migrate`
// and `db` commands never silently do nothing (see docs/prisma-offline notes in README).
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync, chmodSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const schema = join(root, "prisma", "schema.prisma");
if (!existsSync(schema)) process.exit(0);

const env = {
  ...process.env,
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  // Generators such as prisma-pothos-types are found as bins, also when run outside npm.
  PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
};
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  const stub = join(root, "node_modules", ".cache", "castad", "no-schema-engine.sh");
  mkdirSync(dirname(stub), { recursive: true });
  writeFileSync(
    stub,
    '#!/bin/sh\necho "castad: the native Prisma schema engine is not installed; use npm run db:migrate" >&2\nexit 1\n',
  );
  chmodSync(stub, 0o755);
  env.PRISMA_SCHEMA_ENGINE_BINARY = stub;
}
const bin = join(root, "node_modules", "prisma", "build", "index.js");
const result = spawnSync(process.execPath, [bin, "generate", "--schema", schema], { env, stdio: "inherit" });
process.exit(result.status ?? 1);
