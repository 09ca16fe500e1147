// What the test suite and the benchmark create for a run and must remove afterwards (databases,
// Redis keys) and the free ports they start servers on. Dev tooling only: a plain module, so the
// bench can use it without loading vitest.
import { createServer } from "node:net";
import pg from "pg";
import { Redis } from "ioredis";

/** A port that was free a moment ago (for servers whose URL must be known before they start,
 *  e.g. an API whose webhook URLs providers call back). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
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
