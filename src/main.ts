// Entry point. `npm start` runs everything in one process (API, workers, and — with no
// provider keys — the provider sandbox and Azurite); `--role=api` / `--role=worker` run one part.
import { resolve } from "node:path";
import { loadConfig, ConfigError } from "./config.js";
import { createLogger } from "./logger.js";
import { startApp, type Role } from "./app.js";
import { ensureDatabase, migrate, defaultMigrationsDir } from "./db/migrate.js";
import { startAzurite, type AzuriteHandle } from "./storage/azurite.js";
import { startSandbox, type Sandbox } from "./sandbox/server.js";
import { sandboxOptions } from "./sandbox/from-config.js";

function parseRole(argv: string[]): Role {
  const arg = argv.find((a) => a.startsWith("--role="))?.slice("--role=".length) ?? "all";
  if (arg !== "all" && arg !== "api" && arg !== "worker") throw new ConfigError(`unknown --role=${arg} (all, api or worker)`);
  return arg;
}

async function main() {
  const role = parseRole(process.argv.slice(2));
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL).child({ role });
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    for (const stop of stops) {
      try {
        await stop();
      } catch (err) {
        log.error({ err }, "error during shutdown");
      }
    }
    log.info("stopped");
    process.exit(0);
  };
  // Registered first, so a signal during start-up also stops what has started so far.
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  // Local helpers only for the one-command run; split deployments point at real services.
  let azurite: AzuriteHandle | undefined;
  let sandbox: Sandbox | undefined;
  if (role === "all" && config.usesAzurite) {
    const location = config.AZURITE_IN_MEMORY ? undefined : resolve(config.AZURITE_LOCATION);
    azurite = await startAzurite({ host: config.AZURITE_HOST, port: config.AZURITE_PORT, ...(location ? { location } : {}) });
    stops.push(() => azurite!.stop());
    log.info({ port: azurite.port, location: location ?? "memory" }, "started Azurite (local Azure Blob emulator)");
  }
  if (role === "all" && config.useSandbox) {
    sandbox = await startSandbox(sandboxOptions(config, (msg) => log.debug({ component: "sandbox" }, msg)));
    stops.push(() => sandbox!.close());
    log.info({ url: sandbox.url }, "no provider keys configured: using the provider sandbox for OpenAI, Suno and Creatomate");
  } else if (config.useSandbox) {
    log.info({ url: config.sandboxUrl }, "no provider keys configured: expecting the provider sandbox (npm run sandbox)");
  }

  if (config.DB_MIGRATE_ON_START) {
    if (await ensureDatabase(config.DATABASE_URL)) log.info("created the database");
    const result = await migrate(config.DATABASE_URL, defaultMigrationsDir(), (m) => log.info(m));
    log.info({ applied: result.applied.length }, "database schema up to date");
  }

  const app = await startApp({ config, log, role });
  stops.unshift(() => app.close());
  if (stopping) return;
  if (app.http) log.info(`castad API on ${app.http.url}/graphql (GraphiQL in a browser)`);
  log.info({ api: Boolean(app.http), workers: Boolean(app.workers) }, "ready");
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    createLogger("error").fatal({ err }, "castad failed to start");
  }
  process.exit(1);
});
