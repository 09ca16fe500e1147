// Composes one castad process: the API (HTTP + WebSocket) and/or the workers, over shared
// services. main.ts and the tests both start the app through here.
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { createServices, type OwnedServices } from "./services.js";
import { startHttpServer, type RunningServer } from "./http/server.js";
import { startWorkers, type RunningWorkers } from "./jobs/worker.js";
import { webhookRoutes } from "./jobs/webhooks.js";

export type Role = "all" | "api" | "worker";

export interface AppOptions {
  config: Config;
  log: Logger;
  role: Role;
  /** Port override (tests use 0). */
  port?: number;
  onQuery?: (sql: string) => void;
}

export interface RunningApp {
  services: OwnedServices;
  http: RunningServer | null;
  workers: RunningWorkers | null;
  close(): Promise<void>;
}

export async function startApp({ config, log, role, port, onQuery }: AppOptions): Promise<RunningApp> {
  const runsApi = role === "all" || role === "api";
  const runsWorkers = role === "all" || role === "worker";
  const services = await createServices({
    config,
    log,
    poolMax: runsApi ? config.DB_POOL_API : config.DB_POOL_WORKER,
    ...(onQuery ? { onQuery } : {}),
  });
  let http: RunningServer | null = null;
  let workers: RunningWorkers | null = null;
  const close = async () => {
    // Workers first: running steps finish or park while the API still serves webhooks.
    await workers?.close();
    await http?.close();
    await services.close();
  };
  try {
    if (runsWorkers) workers = await startWorkers(services);
    if (runsApi) {
      http = await startHttpServer(services, { host: config.HOST, port: port ?? config.PORT, routes: webhookRoutes(services) });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { services, http, workers, close };
}
