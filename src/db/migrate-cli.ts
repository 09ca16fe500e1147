// npm run db:migrate — applies pending migrations to DATABASE_URL (creating the database if needed).
import { existsSync } from "node:fs";
import { loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { defaultMigrationsDir, ensureDatabase, migrate } from "./migrate.js";

if (existsSync(".env")) process.loadEnvFile(".env");
const config = loadConfig();
const log = createLogger(config.LOG_LEVEL, "migrate");
try {
  if (await ensureDatabase(config.DATABASE_URL)) log.info("created database");
  const result = await migrate(config.DATABASE_URL, defaultMigrationsDir(), (m) => log.info(m));
  log.info({ applied: result.applied.length, alreadyApplied: result.alreadyApplied.length }, "migrations up to date");
} catch (err) {
  log.error({ err }, "migration failed");
  process.exitCode = 1;
}
