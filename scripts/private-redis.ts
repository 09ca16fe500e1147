// A redis-server of a test's (or the bench's) own on a free port, which it may stop and start
// again (outage tests). Never the shared one on 6379.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { Redis } from "ioredis";
import { freePort } from "./run-data.js";

export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Retries `check` until it passes (a server coming up), for at most `timeoutMs`. */
export async function untilReady(check: () => Promise<unknown>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} did not come up: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    await untilReady(async () => {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      // A refused connection while the server starts is expected: connect() rejects with it, and
      // without a listener ioredis would also print it as an "Unhandled error event".
      probe.on("error", () => {});
      try {
        await probe.connect();
        await probe.ping();
      } finally {
        probe.disconnect();
      }
    }, "private redis");
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = once(c, "exit");
    c.kill("SIGKILL"); // an outage, not a polite shutdown
    await exited;
  };
  await start();
  return { url, start, stop, close: stop };
}
