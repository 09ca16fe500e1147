// A Redis and a PostgreSQL outage each log one line naming what is down and where, and one line
// when it is back, however many connections retry meanwhile. The outages are made with TCP
// proxies in front of the shared servers (which are never stopped).
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, inject, vi } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startApp, type RunningApp } from "../../src/app.js";
import { testEnv } from "../helpers/app.js";
import { proxyFor } from "../helpers/tcp-proxy.js";
import { waitFor } from "../helpers/pipeline-tools.js";

describe("outage logging", () => {
  let app: RunningApp;
  const lines: Record<string, unknown>[] = [];
  let redisProxy: Awaited<ReturnType<typeof proxyFor>>;
  let pgProxy: Awaited<ReturnType<typeof proxyFor>>;

  beforeAll(async () => {
    const redisUrl = new URL(inject("redisUrl"));
    const dbUrl = new URL(inject("databaseUrl"));
    redisProxy = await proxyFor(redisUrl.toString(), 6379);
    pgProxy = await proxyFor(dbUrl.toString(), 5432);
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

describe("closing right after a Redis outage", () => {
  it("finishes although the workers' connections are still between reconnect attempts", async () => {
    // BullMQ's graceful close waits forever on a connection that is between reconnect attempts
    // (taskforcesh/bullmq#4656); after an outage every connection is, for up to one backoff
    // step, even once Redis answers again. jobs/close-workers.ts waits for them to be ready.
    const redisProxy = await proxyFor(inject("redisUrl"), 6379);
    const redisUrl = new URL(inject("redisUrl"));
    redisUrl.port = String(redisProxy.port);
    const config = loadConfig(testEnv({ REDIS_URL: redisUrl.toString() }));
    const app = await startApp({ config, log: pino({ level: "silent" }), role: "worker", workerPort: 0 });
    try {
      const blocking = await app.workers!.workers.LYRIC.backend.blockingConnection!.client;
      await redisProxy.stop();
      await waitFor("the worker's blocking connection to wait for its next attempt", () => blocking.status === "reconnecting");
      await redisProxy.start();
      expect(blocking.status).toBe("reconnecting");
      let bound: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        app.close().then(() => "closed"),
        new Promise((resolve) => (bound = setTimeout(() => resolve("still closing after 20 s"), 20_000))),
      ]);
      clearTimeout(bound);
      expect(outcome).toBe("closed");
    } finally {
      await redisProxy.close();
    }
  });
});
