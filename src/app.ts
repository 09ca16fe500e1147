// Composes one castad process: the API (HTTP + WebSocket) and/or the workers, over shared
// services. main.ts and the tests both start the app through here.
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { createServices, type OwnedServices } from "./services.js";
import type { RunningServer } from "./http/server.js";
import type { RunningWorkers } from "./jobs/worker.js";
import { assertReachable } from "./startup/reachability.js";
import { startProbeServer, type Drain, type ProbeServer } from "./http/probes.js";

export type Role = "all" | "api" | "worker";

export interface AppOptions {
  config: Config;
  log: Logger;
  role: Role;
  /** Port override (tests use 0). */
  port?: number;
  /** Worker probe server port override (tests use 0). */
  workerPort?: number;
  onQuery?: (sql: string) => void;
}

export interface RunningApp {
  services: OwnedServices;
  http: RunningServer | null;
  workers: RunningWorkers | null;
  /** A worker process's /health, /ready and /metrics (the API serves them on its own port). */
  probes: ProbeServer | null;
  drain: Drain;
  /** SIGTERM: /ready turns 503 at once, then API and workers drain together and everything is
   *  closed by `timeoutMs` from now. */
  shutdown(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startApp({ config, log, role, port, workerPort, onQuery }: AppOptions): Promise<RunningApp> {
  const runsApi = role === "all" || role === "api";
  const runsWorkers = role === "all" || role === "worker";
  // Before anything connects: a real provider that cannot reach us is refused here.
  assertReachable(config, log);
  const services = await createServices({
    config,
    log,
    poolMax: runsApi ? config.DB_POOL_API : config.DB_POOL_WORKER,
    onQuery,
  });
  let http: RunningServer | null = null;
  let workers: RunningWorkers | null = null;
  let probes: ProbeServer | null = null;
  const drain: Drain = { draining: false };
  const close = async () => {
    drain.draining = true;
    // Workers first: running steps finish or park while the API still serves webhooks.
    await workers?.close();
    await http?.close();
    await probes?.close();
    await services.close();
  };
  const shutdown = async (timeoutMs: number) => {
    drain.draining = true;
    const deadline = Date.now() + timeoutMs;
    await Promise.all([
      workers?.close(deadline),
      http?.drain({ deadline, acceptMs: config.shutdownReadyDelayMs }),
    ]);
    await probes?.close();
    await services.close();
  };
  try {
    // Each role loads only its own half: a worker never loads the GraphQL schema and server,
    // an API never loads the provider clients and steps (less memory, faster start).
    if (runsWorkers) {
      const { startWorkers } = await import("./jobs/worker.js");
      workers = await startWorkers(services);
    }
    if (runsApi) {
      const [{ startHttpServer }, { webhookRoutes }] = await Promise.all([import("./http/server.js"), import("./http/webhooks.js")]);
      http = await startHttpServer(services, { host: config.HOST, port: port ?? config.PORT, routes: webhookRoutes(services), drain });
    } else {
      probes = await startProbeServer(services, drain, config.HOST, workerPort ?? config.WORKER_HTTP_PORT);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { services, http, workers, probes, drain, shutdown, close };
}
