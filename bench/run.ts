// npm run bench — castad side by side with its peers, on one machine, in one run. Prints tables,
// asserts nothing. Needs local PostgreSQL and Redis (like the tests); creates and removes its own
// database, Redis prefix and in-memory Azurite, and stops every process it started.
//
//   lists     songs / videos / projects lists with relations: castad vs PostGraphile v4 on the
//             same tables vs a raw floor (pg + node:http, one json_agg statement), A/B rounds,
//             and a bare yoga answering castad's own answer from memory over castad's schema (what
//             yoga and the executor alone cost for that answer; the rest is castad's own path)
//   typename  `{ __typename }`: castad vs a bare graphql-yoga
//   sql       SQL statements per list request, expected vs measured (counted in each process)
//   columns   the songs list read through Prisma with the columns castad's types read, with only
//             those the query shows, and through pg alone (CPU in the bench's own process)
//   live      status write -> subscriber at 1 / 1,000 / 10,000 subscribers vs a raw-ws floor
//   start     cold start to /ready (or "ready") and idle RSS per role, vs a bare yoga
//   worker    CPU time and SQL statements per ad in the worker (and API) vs a raw BullMQ chain
//   throughput  ads per minute with 200 ads at once, nothing but CPU in the way (no ffmpeg in the
//             sandbox, no client-side provider limits); the worker's CPU per ad at that load
//   copy      (not by default) streamed copy of a provider file into blob storage
//
// Knobs: BENCH_QUICK=1 (about two minutes), BENCH_PARTS=lists,sql,..., BENCH_ROUNDS, BENCH_SECONDS, BENCH_ADS, BENCH_THROUGHPUT_ADS,
// BENCH_CONNECTIONS, BENCH_SUBSCRIBERS=1,1000,10000, BENCH_EVENTS, BENCH_IDLE_SECONDS, BENCH_CPU_PROF=<dir> (CPU
// profiles of castad's processes, one per measured window), BENCH_HEAP_SNAPSHOT=<dir> (the live part's servers write a
// heap snapshot at each heap reading: subscriptions open, then closed; bench/heap-diff.mjs compares two), PORT or BENCH_PORT (first of the consecutive ports the servers use;
// free ports otherwise), BENCH_DATABASE_ADMIN_URL, REDIS_URL.
import { randomBytes } from "node:crypto";
import os from "node:os";
import { azuriteConnectionString, loadConfig } from "../src/config.js";
import { ensureDatabase, migrate, defaultMigrationsDir } from "../src/db/migrate.js";
import { startAzurite, type AzuriteHandle } from "../sandbox/azurite.js";
import { createPrisma } from "../src/db/client.js";
import { statementCount } from "./peers/sql-counter.mjs";
import { createEventBus } from "../src/events/bus.js";
import { issueToken } from "../src/auth/tokens.js";
import { castadCommand, knobs, ms, port, startCastad, startCastadPeer, startServer, table, type Server } from "./lib.js";
import { seed, DATASET } from "./seed.js";
import { listCases, runLists, runStatementCounts, runTypename } from "./lists.js";
import { runColumns } from "./columns.js";
import { runLive } from "./live.js";
import { runCopy } from "./copy.js";
import { runThroughput, runWorkerCpu } from "./worker.js";
import { deleteRedisKeys, dropDatabases } from "../scripts/run-data.js";

const ADMIN = process.env.BENCH_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const HARD_LIMIT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 900) * 1000;

/** SQL statements castad should need per list request. */
const EXPECTED_STATEMENTS: Record<string, number> = {
  "songs(first:100) + project, lyric": 1,
  "videos(first:100) + project, song": 1,
  "projects(first:20) + songs, videos": 1,
};

async function main() {
  const run = randomBytes(4).toString("hex");
  const dbName = `castad_bench_${run}`;
  const dbUrl = new URL(ADMIN);
  dbUrl.pathname = `/${dbName}`;
  const redisPrefix = `castad_bench_${run}`;
  const servers: Server[] = [];
  let azurite: AzuriteHandle | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];
  const output: string[] = [];
  const section = (title: string, text: string) => {
    const block = `\n${title}\n${text}`;
    output.push(block);
    console.log(block);
  };
  // Whatever happens, stop within the limit and leave nothing behind.
  const limit = setTimeout(() => {
    console.error(`bench: over ${HARD_LIMIT_MS / 1000} s, stopping`);
    void cleanup().finally(() => process.exit(2));
  }, HARD_LIMIT_MS);
  let cleaned = false;
  async function cleanup() {
    if (cleaned) return;
    cleaned = true;
    clearTimeout(limit);
    await Promise.all(servers.map((s) => s.stop()));
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await azurite?.stop().catch(() => {});
    await dropDatabases(ADMIN, [dbName]);
    await deleteRedisKeys(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", `${redisPrefix}*`);
  }
  process.once("SIGINT", () => void cleanup().finally(() => process.exit(130)));

  try {
    await ensureDatabase(dbUrl.toString());
    await migrate(dbUrl.toString(), defaultMigrationsDir());
    const { ownerId } = await seed(dbUrl.toString());
    azurite = await startAzurite({ host: "127.0.0.1", port: 0 });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // As the image runs (its ENV), for every server alike: graphql-js and others take faster
      // paths in production (graphql's instanceOf alone was 2.7 % of a list's CPU under "test").
      NODE_ENV: "production",
      SHUTDOWN_READY_DELAY_MS: "0",
      LOG_LEVEL: "info",
      HOST: "127.0.0.1",
      DATABASE_URL: dbUrl.toString(),
      DB_MIGRATE_ON_START: "false",
      REDIS_PREFIX: redisPrefix,
      AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString("127.0.0.1", azurite.port),
      AZURITE_START: "false",
      SANDBOX: "on",
      // There is no built-in secret: the bench signs its own token, so it gives the servers the key.
      JWT_SECRET: randomBytes(32).toString("base64url"),
      WEBHOOK_SECRET: randomBytes(24).toString("base64url"),
      // Workers would pick up nothing here (every row is COMPLETED); keep their reconciler quiet.
      RECONCILE_INTERVAL_MS: "3600000",
    };
    const config = loadConfig({ ...env, PORT: "0" });
    const token = await issueToken(config, ownerId);
    const castadCmd = castadCommand("api");
    console.log(
      `castad bench — node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}\n` +
        `dataset: 1 owner, ${DATASET.projects} projects, ${DATASET.chains} lyric/song/video chains (+5 of another owner); ` +
        `castad from ${castadCmd.compiled ? "dist/ (compiled)" : "src/ via tsx"}; ` +
        `load: autocannon c=${knobs.connections}, ${knobs.rounds} rounds × ${knobs.seconds} s per server${knobs.quick ? " (BENCH_QUICK)" : ""}`,
    );

    // Cold start first, while the machine is otherwise idle (for this bench).
    const castadPort = await port();
    const api = await startCastad("api", { name: "castad", env, port: castadPort, profile: Boolean(knobs.cpuProfDir) });
    servers.push(api);
    const yoga = await startServer({ name: "bare yoga", args: ["bench/peers/bare-yoga.mjs"], env, port: await port() });
    servers.push(yoga);
    if (knobs.parts.has("start")) {
      const worker = await startCastad("worker", { name: "castad worker", env });
      const measured: [string, Server][] = [["castad api", api], ["castad worker", worker], ["bare yoga", yoga]];
      await new Promise((r) => setTimeout(r, 2_000));
      const started = measured.map(([, p]) => p.rssMb());
      // Idle: nothing asked of any of them for a while. V8's memory reducer gives back the
      // start-up garbage only after some quiet seconds (measured: no change at 10 s, done by 30).
      await new Promise((r) => setTimeout(r, knobs.idleSeconds * 1000));
      const rows = measured.map(([name, p], i) => [name, ms(p.startMs), started[i]!.toFixed(0), p.rssMb().toFixed(0)]);
      await worker.stop();
      section(
        `cold start (spawn -> ready) and RSS: 2 s after ready, and idle (${knobs.idleSeconds} s later)`,
        table(["process", "start", "RSS MB at start", "RSS MB idle"], rows),
      );
    }

    const peer = await startServer({ name: "PostGraphile", args: ["bench/peers/postgraphile.mjs"], env, port: await port() });
    servers.push(peer);
    const floor = await startServer({ name: "floor", args: ["bench/peers/floor.mjs"], env: { ...env, BENCH_OWNER_ID: ownerId }, port: await port() });
    servers.push(floor);
    const replay = await startServer({ name: "yoga replay", args: ["bench/peers/yoga-replay.mjs"], env, port: await port() });
    servers.push(replay);
    const memory = await startCastadPeer("bench/peers/castad-rows-from-memory.mjs", { name: "castad, rows from memory", env, port: await port(), profile: Boolean(knobs.cpuProfDir) });
    servers.push(memory);
    const cases = listCases({ castad: api, peer, floor, replay, memory }, token);

    if (knobs.parts.has("sql")) section("SQL statements per request", await runStatementCounts(cases, EXPECTED_STATEMENTS));
    if (knobs.parts.has("lists")) section("lists (medians of the rounds)", await runLists(cases));
    if (knobs.parts.has("typename")) section("fixed cost per request", await runTypename(api, yoga, token));
    if (knobs.parts.has("columns")) {
      const prisma = createPrisma({ url: dbUrl.toString(), poolMax: 4 });
      cleanups.push(() => prisma.$disconnect());
      section("what reading a list costs before GraphQL (this process)", await runColumns(prisma, dbUrl.toString(), ownerId));
    }
    if (knobs.parts.has("live")) {
      const channelPrefix = `${redisPrefix}:floor`;
      const rawWs = await startServer({ name: "raw ws", args: ["bench/peers/raw-ws.mjs"], env: { ...env, BENCH_FLOOR_CHANNEL: channelPrefix }, port: await port() });
      servers.push(rawWs);
      const prisma = createPrisma({ url: dbUrl.toString(), poolMax: 4 });
      const events = createEventBus(config);
      cleanups.push(() => prisma.$disconnect(), () => events.close());
      const live = await runLive({ prisma, events, api, floor: rawWs, token, ownerId, redisUrl: config.REDIS_URL, channelPrefix, statements: statementCount });
      section("status write -> subscriber (one API process; write = transition(): update + event + publish)", live.text);
    }
    if (knobs.parts.has("worker")) {
      section("worker CPU per ad (API and worker processes, sandbox as fast as it goes)", await runWorkerCpu({ env, databaseUrl: dbUrl.toString(), redisPrefix, servers }));
    }
    if (knobs.parts.has("throughput")) {
      section("ads per minute (API and worker processes, sandbox without ffmpeg, no client-side provider limits)", await runThroughput({ env, databaseUrl: dbUrl.toString(), servers }));
    }
    if (knobs.parts.has("copy")) section("streamed copy into blob storage (this process)", await runCopy(config, `bench${run}`));

    console.log(`\n==== summary (${new Date().toISOString()}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}) ====`);
    console.log(output.join("\n"));
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
