// A Redis and a PostgreSQL outage each log one line naming what is down and where, and one line
// when it is back, however many connections retry meanwhile. The outages are made with TCP
// proxies in front of the shared servers (which are never stopped).
import { createServer, connect, type Server, type Socket } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, inject, vi } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startApp, type RunningApp } from "../../src/app.js";
import { freePort, testEnv } from "../helpers/app.js";
import { waitFor } from "../helpers/pipeline-tools.js";

/** A TCP proxy that can be cut (listener closed, every connection destroyed) and restored. */
async function tcpProxy(target: { host: string; port: number }) {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const start = () =>
    new Promise<void>((resolve) => {
      if (server) return resolve();
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, "127.0.0.1", () => resolve());
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = null;
    });
  await start();
  return { port, start, stop };
}

describe("outage logging", () => {
  let app: RunningApp;
  const lines: Record<string, unknown>[] = [];
  let redisProxy: Awaited<ReturnType<typeof tcpProxy>>;
  let pgProxy: Awaited<ReturnType<typeof tcpProxy>>;

  beforeAll(async () => {
    const redisUrl = new URL(inject("redisUrl"));
    const dbUrl = new URL(inject("databaseUrl"));
    redisProxy = await tcpProxy({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
    pgProxy = await tcpProxy({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) });
    redisUrl.port = String(redisProxy.port);
    dbUrl.port = String(pgProxy.port);
    const config = loadConfig(testEnv({ REDIS_URL: redisUrl.toString(), DATABASE_URL: dbUrl.toString(), OUTAGE_PROBE_MS: "200" }));
    const log = pino({ level: "info" }, new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), cb()) }));
    app = await startApp({ config, log, role: "all", port: 0 });
  });
  afterAll(async () => {
    await redisProxy?.start().catch(() => {});
    await pgProxy?.start().catch(() => {});
    await app?.close();
    await redisProxy?.stop();
    await pgProxy?.stop();
  });

  it("says once that Redis and PostgreSQL are down (and where), once that they are back, and nothing else at error level", async () => {
    const msgs = () => lines.map((l) => String(l["msg"]));
    // Libraries print to the console when nobody listens to their errors (BullMQ, ioredis).
    const printed = vi.spyOn(console, "error");
    let reconnects = 0;
    app.services.redis.on("reconnecting", () => reconnects++);

    await redisProxy.stop();
    await pgProxy.stop();
    await waitFor("the Redis outage line", () => msgs().some((m) => m.startsWith("Redis is unavailable at 127.0.0.1:")));
    await waitFor("the PostgreSQL outage line", () => msgs().some((m) => m.startsWith("PostgreSQL is unavailable at 127.0.0.1:")));
    // Let every connection (API, queues, workers, event bus) fail and retry a few times.
    await waitFor("Redis reconnect attempts", () => reconnects >= 3);
    const ready = await fetch(`${app.http!.url}/ready`);
    expect(ready.status).toBe(503);

    await redisProxy.start();
    await pgProxy.start();
    await waitFor("the Redis recovery line", () => msgs().some((m) => m.startsWith("Redis is back")));
    await waitFor("the PostgreSQL recovery line", () => msgs().some((m) => m.startsWith("PostgreSQL is back")));
    expect((await fetch(`${app.http!.url}/ready`)).status).toBe(200);

    const errors = lines.filter((l) => Number(l["level"]) >= 50);
    expect(errors.map((l) => l["msg"]), JSON.stringify(errors, null, 1)).toHaveLength(2);
    expect(errors.map((l) => l["dependency"]).sort()).toEqual(["database", "redis"]);
    expect(msgs().filter((m) => m.includes("is back"))).toHaveLength(2);
    expect(printed).not.toHaveBeenCalled();
    printed.mockRestore();
  });
});
