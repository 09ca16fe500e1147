// A Redis server and a PostgreSQL cluster of a test's own, on free ports, that the test may stop
// and start again (outage tests). Never the shared ones on 6379 / 5432.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { chownSync, mkdtempSync, rmSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./app.js";
import { untilReady } from "../../scripts/private-redis.js";
import { ensureDatabase, migrate, defaultMigrationsDir } from "../../src/db/migrate.js";

export { startPrivateRedis, type PrivateRedis } from "../../scripts/private-redis.js";

export interface PrivatePostgres {
  /** URL of a migrated castad database in the private cluster. */
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const PG_BIN = (() => {
  const root = "/usr/lib/postgresql";
  const version = existsSync(root) ? readdirSync(root).sort().pop() : undefined;
  return version ? join(root, version, "bin") : "";
})();

/** PostgreSQL refuses to run as root: run its tools as the postgres user when we are root. */
function asPostgres(cmd: string, args: string[]) {
  const file = join(PG_BIN, cmd);
  if (process.getuid?.() === 0) {
    execFileSync("su", ["postgres", "-s", "/bin/sh", "-c", [file, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ")], { stdio: "pipe" });
  } else {
    execFileSync(file, args, { stdio: "pipe" });
  }
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), "castad-pg-"));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, "data");
  const port = await freePort();
  asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const start = async () => {
    asPostgres("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, "-w", "start"]);
  };
  const stop = async () => {
    // immediate: like a crash, connections are cut without a goodbye
    asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
  };
  await start();
  const url = `postgresql://postgres@127.0.0.1:${port}/castad`;
  await untilReady(async () => {
    const c = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres` });
    await c.connect();
    await c.end();
  }, "private postgres");
  await ensureDatabase(url);
  await migrate(url, defaultMigrationsDir());
  return {
    url,
    start,
    stop,
    close: async () => {
      try {
        await stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
