// Liveness, readiness and metrics for every process: the API serves them on its port, a worker
// on its own small server (WORKER_HTTP_PORT). Readiness turns 503 the moment the process starts
// draining, so a load balancer stops sending new work before anything is cut.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Services } from "../services.js";
import { withTimeout } from "../outages.js";

export interface Drain {
  /** Set once SIGTERM (or close) started: /ready answers 503 from then on. */
  draining: boolean;
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

async function readiness(services: Services) {
  // Bounded: a Redis command waits for the connection to come back rather than failing, and a
  // probe must answer either way.
  const check = async (fn: () => Promise<unknown>) => {
    try {
      await withTimeout(fn(), 2_000);
      return "ok";
    } catch {
      return "unavailable";
    }
  };
  const [database, redis] = await Promise.all([
    check(() => services.prisma.$queryRaw`SELECT 1`),
    check(() => services.redis.ping()),
  ]);
  return { status: database === "ok" && redis === "ok" ? "ok" : "unavailable", database, redis };
}

/** Answers /health, /ready and /metrics; returns false for any other path. */
export function serveProbe(services: Services, drain: Drain, path: string, res: ServerResponse): boolean {
  if (path === "/health") {
    json(res, 200, { status: "ok" });
    return true;
  }
  if (path === "/ready") {
    if (drain.draining) {
      json(res, 503, { status: "draining" });
      return true;
    }
    void readiness(services).then((r) => json(res, r.status === "ok" ? 200 : 503, r));
    return true;
  }
  if (path === "/metrics") {
    services.metrics.text().then(
      (text) => {
        res.writeHead(200, { "content-type": services.metrics.contentType, "cache-control": "no-store" });
        res.end(text);
      },
      (err: unknown) => {
        services.log.warn({ err }, "could not render metrics");
        json(res, 500, { error: "metrics unavailable" });
      },
    );
    return true;
  }
  return false;
}

export interface ProbeServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** The worker's HTTP server: probes and metrics only. */
export async function startProbeServer(services: Services, drain: Drain, host: string, port: number): Promise<ProbeServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (!serveProbe(services, drain, path, res)) json(res, 404, { error: "not found" });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host}:${bound}`,
    port: bound,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
