// Entry point. `npm start` runs everything in one process (API, workers, and — with no
// provider keys — the provider sandbox and Azurite); `--role=api` / `--role=worker` run one part.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfig, ConfigError, type Config } from "./config.js";
import { createLogger } from "./logger.js";
import { startApp, type Role } from "./app.js";
import { ensureDatabase, migrate, defaultMigrationsDir } from "./db/migrate.js";

const sandboxedProviders = (config: Config) =>
  (["openai", "suno", "creatomate"] as const).filter((p) => config[p].mode === "sandbox");

/** Loads a dev-only module (sandbox, Azurite launcher). A production install ships neither, so
 *  a missing module means the configuration asks for a local helper that is not there. */
async function devTool<T>(load: () => Promise<T>, what: string, instead: string): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if ((err as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw err;
    throw new ConfigError(`${what} is a development tool and is not part of this install; ${instead}`);
  }
}

function parseRole(argv: string[]): Role {
  const arg = argv.find((a) => a.startsWith("--role="))?.slice("--role=".length) ?? "all";
  if (arg !== "all" && arg !== "api" && arg !== "worker") throw new ConfigError(`unknown --role=${arg} (all, api or worker)`);
  return arg;
}

/** What this process started, newest first: a signal, or a start-up that fails half-way
 *  (port busy, database down), stops all of it, so no child (Azurite, the sandbox) keeps a port. */
const stops: (() => Promise<void>)[] = [];
let log = createLogger("info");

async function stopAll() {
  for (const stop of stops.splice(0)) {
    try {
      await stop();
    } catch (err) {
      log.error({ err }, "error during shutdown");
    }
  }
}

async function main() {
  const role = parseRole(process.argv.slice(2));
  // .env in the working directory (see .env.example); the real environment wins over it.
  if (existsSync(".env")) process.loadEnvFile(".env");
  const config = loadConfig();
  log = createLogger(config.LOG_LEVEL).child({ role });
  let stopping = false;
  let drainApp: ((timeoutMs: number) => Promise<void>) | null = null;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const timeoutMs = config.SHUTDOWN_TIMEOUT_MS;
    log.info({ signal, timeoutMs }, "shutting down");
    // Whatever hangs past the budget (plus a little for the helpers) must not keep the process.
    setTimeout(() => {
      log.error({ timeoutMs }, "shutdown did not finish in time; exiting");
      process.exit(1);
    }, timeoutMs + 5_000).unref();
    const started = Date.now();
    if (drainApp) {
      try {
        await drainApp(timeoutMs);
      } catch (err) {
        log.error({ err }, "error during shutdown");
      }
    }
    await stopAll();
    log.info({ durationMs: Date.now() - started }, "stopped");
    process.exit(0);
  };
  // Registered first, so a signal during start-up also stops what has started so far.
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));

  // Local helpers only for the one-command run; split deployments point at real services.
  // The dev tools are loaded only when used: a production process never loads sandbox code.
  if (role === "all" && config.usesAzurite) {
    const { startAzurite } = await devTool(
      () => import("../sandbox/azurite.js"),
      "Azurite",
      "set AZURE_STORAGE_CONNECTION_STRING (or AZURITE_START=false to use one running elsewhere)",
    );
    const location = config.AZURITE_IN_MEMORY ? undefined : resolve(config.AZURITE_LOCATION);
    const azurite = await startAzurite({ host: config.AZURITE_HOST, port: config.AZURITE_PORT, location });
    stops.push(() => azurite.stop());
    log.info({ port: azurite.port, location: location ?? "memory" }, "started Azurite (local Azure Blob emulator)");
  }
  if (role === "all" && config.useSandbox) {
    const instead = "set the provider keys, or run the sandbox elsewhere and start castad with --role=api and --role=worker";
    const { startSandbox } = await devTool(() => import("../sandbox/server.js"), "The provider sandbox", instead);
    const { sandboxOptions } = await devTool(() => import("../sandbox/from-config.js"), "The provider sandbox", instead);
    const sandbox = await startSandbox(sandboxOptions(config, (msg) => log.debug({ component: "sandbox" }, msg)));
    stops.unshift(() => sandbox.close());
    log.info({ url: sandbox.url, sandboxed: sandboxedProviders(config) }, "using the provider sandbox for the providers without keys");
  } else if (config.useSandbox) {
    log.info({ url: config.sandboxUrl, sandboxed: sandboxedProviders(config) }, "expecting the provider sandbox (npm run sandbox) for the providers without keys");
  }

  if (config.DB_MIGRATE_ON_START) {
    if (await ensureDatabase(config.DATABASE_URL)) log.info("created the database");
    const result = await migrate(config.DATABASE_URL, defaultMigrationsDir(), (m) => log.info(m));
    log.info({ applied: result.applied.length }, "database schema up to date");
  }

  const app = await startApp({ config, log, role });
  drainApp = (timeoutMs) => app.shutdown(timeoutMs);
  if (stopping) return;
  // Where each part listens: HOST is what the socket is bound to, the URL how to reach it here.
  if (app.http) log.info({ host: config.HOST, port: app.http.port }, `castad API on ${app.http.url}/graphql (GraphiQL in a browser; /metrics, /health, /ready)`);
  if (app.probes) log.info({ host: config.HOST, port: app.probes.port }, `worker probes on ${app.probes.url} (/health, /ready, /metrics)`);
  log.info({ api: Boolean(app.http), workers: Boolean(app.workers) }, "ready");
  // The same checks as `npm run doctor`, logged; they never stop a running process.
  if (config.STARTUP_CHECKS) {
    const { runChecks } = await import("./startup/doctor.js");
    for (const c of await runChecks(config, { signal: AbortSignal.timeout(30_000) }).catch(() => [])) {
      if (c.ok) log.info({ check: c.name }, c.verdict);
      else log.warn({ check: c.name }, c.verdict);
    }
  }
}

main().catch(async (err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
  } else {
    log.fatal({ err }, "castad failed to start");
  }
  await stopAll();
  process.exit(1);
});
