// npm run bench — prints numbers, asserts nothing. Needs local PostgreSQL and Redis (like the
// tests); creates and removes its own database, Redis prefix and in-memory Azurite.
//  1. Subscription latency: time from a worker-side status write (transaction + publish) to a
//     graphql-ws subscriber receiving the event, with 1 and with 1,000 subscribers, against an
//     API running as its own process.
//  2. Streamed copy: peak RSS growth while copying a 50 MB and a 200 MB provider file into
//     blob storage.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import pg from "pg";
import { Redis } from "ioredis";
import { azuriteConnectionString, loadConfig } from "../src/config.js";
import { ensureDatabase, migrate, defaultMigrationsDir } from "../src/db/migrate.js";
import { startAzurite } from "../src/storage/azurite.js";
import { createPrisma } from "../src/db/client.js";
import { createEventBus } from "../src/jobs/events.js";
import { transition } from "../src/generations/history.js";
import { issueToken } from "../src/auth/tokens.js";
import { toGlobalId } from "../src/resolvers/ids.js";
import { startSandbox } from "../src/sandbox/server.js";
import { BlobStorage } from "../src/storage/blob-storage.js";
import { copyUrlToBlob, createDownloadDispatcher } from "../src/providers/download.js";

const ADMIN = process.env.BENCH_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const EVENTS = Number(process.env.BENCH_EVENTS ?? 40);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

async function main() {
  const run = randomBytes(4).toString("hex");
  const dbUrl = new URL(ADMIN);
  dbUrl.pathname = `/castad_bench_${run}`;
  await ensureDatabase(dbUrl.toString());
  await migrate(dbUrl.toString(), defaultMigrationsDir());
  const azurite = await startAzurite({ host: "127.0.0.1", port: 0 });
  const port = 4600 + Math.floor(Math.random() * 300);
  const env = {
    ...process.env,
    NODE_ENV: "test",
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_URL: dbUrl.toString(),
    DB_MIGRATE_ON_START: "false",
    REDIS_PREFIX: `castad_bench_${run}`,
    AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString("127.0.0.1", azurite.port),
    AZURITE_START: "false",
    SANDBOX: "on",
  };
  const config = loadConfig(env);
  const api = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--role=api"], { env, stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    api.stdout!.on("data", (c: Buffer) => c.toString().includes('"msg":"ready"') && resolve());
    api.once("exit", (code) => reject(new Error(`api exited ${code}`)));
  });
  const prisma = createPrisma({ url: config.DATABASE_URL, poolMax: 4 });
  const events = createEventBus(config);
  try {
    const user = await prisma.user.create({ data: { email: `bench-${run}@example.com`, passwordHash: "x" } });
    const token = await issueToken(config, user.id);
    console.log(`castad bench (node ${process.version}, ${EVENTS} status writes per case)\n`);
    console.log("1. worker status write -> graphql-ws subscriber (API in its own process)");
    for (const subscribers of [1, 1000]) {
      const project = await prisma.project.create({ data: { ownerId: user.id, storeName: "Bench" } });
      const lyric = await prisma.lyric.create({ data: { projectId: project.id, language: "EN", status: "PROCESSING" } });
      const clients = Array.from({ length: Math.ceil(subscribers / 100) }, () =>
        createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } }),
      );
      const sent = new Map<number, number>();
      const latencies: number[] = [];
      let expected = 0;
      let onAll: (() => void) | null = null;
      const head = (await prisma.project.findUniqueOrThrow({ where: { id: project.id } })).eventSequence;
      const disposers = Array.from({ length: subscribers }, (_, i) =>
        clients[i % clients.length]!.subscribe<{ generationUpdated: { sequence: number } }>(
          { query: `subscription($p: ID!, $a: Int) { generationUpdated(projectId: $p, after: $a) { sequence progress } }`, variables: { p: toGlobalId("Project", project.id), a: head } },
          {
            next: (r) => {
              const seq = r.data?.generationUpdated.sequence;
              const t0 = seq !== undefined ? sent.get(seq) : undefined;
              if (t0 !== undefined) latencies.push(performance.now() - t0);
              if (--expected === 0) onAll?.();
            },
            error: (e) => console.error("subscription error", e),
            complete: () => {},
          },
        ),
      );
      // Wait until the API holds every subscription: one warm-up event must reach all.
      const warm = async () => {
        expected = subscribers;
        const done = new Promise<void>((r) => (onAll = r));
        const row = await prisma.lyric.findUniqueOrThrow({ where: { id: lyric.id } });
        await transition({ prisma, events }, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: (row.progress + 1) % 100 }, message: "warm-up" });
        await done;
      };
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        try {
          await Promise.race([warm(), new Promise((_, rej) => setTimeout(() => rej(new Error("timeout")), 2000))]);
          break;
        } catch {
          /* some subscribers not yet registered; their replay covers earlier events */
        }
      }
      latencies.length = 0;
      for (let i = 0; i < EVENTS; i++) {
        expected = subscribers;
        const done = new Promise<void>((r) => (onAll = r));
        // This bench is the only writer: the next event gets the next sequence.
        const seq = (await prisma.project.findUniqueOrThrow({ where: { id: project.id } })).eventSequence + 1;
        sent.set(seq, performance.now());
        const row = await transition({ prisma, events }, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: i % 100 }, message: `step ${i}` });
        if (!row) throw new Error("transition refused");
        await done;
      }
      for (const d of disposers) d();
      await Promise.all(clients.map((c) => c.dispose()));
      const sorted = latencies.sort((a, b) => a - b);
      console.log(`   ${String(subscribers).padStart(5)} subscriber(s): ${sorted.length} deliveries, median ${fmt(pct(sorted, 50))}, p99 ${fmt(pct(sorted, 99))}, max ${fmt(sorted[sorted.length - 1]!)}`);
    }

    console.log("\n2. streamed copy of a provider file into blob storage (this process)");
    const sandbox = await startSandbox({ port: 0, speed: 1000, sunoGenerateLimitPer10s: 0 });
    const storage = await BlobStorage.connect({ ...config, AZURE_STORAGE_CONTAINER: `bench${run}` });
    const dispatcher = createDownloadDispatcher();
    // Warm-up (connection pools, code paths) so the first measured copy is not charged for it.
    await copyUrlToBlob({ url: `${sandbox.url}/media/samples/song.wav?bytes=${8 * 1024 * 1024}`, storage, key: "warm-up", maxBytes: 1024 ** 3, timeoutMs: 60_000, dispatcher });
    for (const mb of [50, 200, 50]) {
      const url = `${sandbox.url}/media/samples/song.wav?bytes=${mb * 1024 * 1024}`;
      const base = process.memoryUsage().rss;
      let peak = base;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      const t0 = performance.now();
      const res = await copyUrlToBlob({ url, storage, key: `bench-${mb}`, maxBytes: 1024 * 1024 * 1024, timeoutMs: 120_000, dispatcher });
      clearInterval(timer);
      console.log(
        `   ${(res.bytes / 1024 / 1024).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(2)} s, peak RSS growth ${((peak - base) / 1024 / 1024).toFixed(1)} MB`,
      );
    }
    await dispatcher.close();
    await sandbox.close();
  } finally {
    api.kill("SIGTERM");
    await events.close();
    await prisma.$disconnect();
    await azurite.stop();
    const admin = new pg.Client({ connectionString: ADMIN });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "castad_bench_${run}" WITH (FORCE)`);
    await admin.end();
    const redis = new Redis(config.REDIS_URL);
    const keys = await redis.keys(`castad_bench_${run}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
