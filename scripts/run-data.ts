// What the test suite and the benchmark create for a run and must remove afterwards (databases,
// Redis keys) and the free ports they start servers on. Dev tooling only: a plain module, so the
// bench can use it without loading vitest.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import pg from "pg";
import { Redis } from "ioredis";

/** A port that was free a moment ago (for servers whose URL must be known before they start,
 *  e.g. an API whose webhook URLs providers call back).
 *
 *  Taken below the kernel's ephemeral range when it leaves room: a port the OS picks for
 *  listen(0) comes from that range, and so does the local port of every outgoing connection (to
 *  PostgreSQL, Redis, a sandbox), so one of those could take it between this pick and the
 *  server's listen — which happened in a CI run (EADDRINUSE with eight stacks starting at once).
 *  Below the range only another listener can take it, which the trial bind rules out, and a port
 *  is never handed out twice by one process. (Written here rather than with get-port, which picks
 *  the same way; this one function is all the suite needs.) */
export async function freePort(): Promise<number> {
  const high = ephemeralRangeStart() - 1;
  const low = 20_000;
  for (let attempt = 0; high - low >= 1_000 && attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port)) continue;
    handedOut.add(port); // before the await: a concurrent call must not pick it meanwhile
    if ((await listenOnce(port)) !== null) return port;
    handedOut.delete(port);
  }
  // No room below the range (a host that widened it): the OS's pick, as before.
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenOnce(0);
    if (port !== null && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error("freePort: no free port found");
}

const handedOut = new Set<number>();

function ephemeralRangeStart(): number {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768; // Linux's default where /proc says nothing
  }
}

/** Listens on 127.0.0.1:`port` and closes again: the port it got, or null if it was taken. */
function listenOnce(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(null));
    srv.listen(port, "127.0.0.1", () => {
      const { port: got } = srv.address() as { port: number };
      srv.close(() => resolve(got));
    });
  });
}

/** Drops the databases (connected clients are cut off) through the server's admin URL. */
export async function dropDatabases(adminUrl: string, names: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const name of names) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Deletes every key matching `pattern` (e.g. "castad_test_ab12*"), on `redis` or a client of
 *  its own at `redis` (a URL) that it closes again. */
export async function deleteRedisKeys(redis: Redis | string, pattern: string): Promise<void> {
  const client = typeof redis === "string" ? new Redis(redis) : redis;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      if (keys.length) await client.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    if (typeof redis === "string") client.disconnect();
  }
}
