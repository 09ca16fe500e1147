// One database, one Azurite and one Redis key prefix per test run, all removed afterwards,
// so parallel runs and leftovers never collide.
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { ensureDatabase, migrate, defaultMigrationsDir } from "../../src/db/migrate.js";
import { deleteRedisKeys, dropDatabases } from "../../scripts/run-data.js";
import { startAzurite, type AzuriteHandle } from "../../sandbox/azurite.js";

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    adminDatabaseUrl: string;
    redisUrl: string;
    redisPrefix: string;
    azuritePort: number;
  }
}

// Runs once per vitest project (vitest.config.ts has two); each gets its own, and returns its
// own teardown, so the two never share state.
export async function setup(project: TestProject) {
  const run = randomBytes(4).toString("hex");
  const dbName = `castad_test_${run}`;
  const prefix = `castad_test_${run}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  await ensureDatabase(url.toString());
  await migrate(url.toString(), defaultMigrationsDir());
  const azurite: AzuriteHandle = await startAzurite({ host: "127.0.0.1", port: 0 });
  project.provide("databaseUrl", url.toString());
  project.provide("adminDatabaseUrl", ADMIN_URL);
  project.provide("redisUrl", REDIS_URL);
  project.provide("redisPrefix", prefix);
  project.provide("azuritePort", azurite.port);
  return () => teardown(azurite, dbName, prefix);
}

async function teardown(azurite: AzuriteHandle, dbName: string, prefix: string) {
  await azurite.stop();
  await dropDatabases(ADMIN_URL, [dbName]);
  await deleteRedisKeys(REDIS_URL, `${prefix}*`);
}
