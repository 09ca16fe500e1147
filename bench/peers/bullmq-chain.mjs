// The floor for worker orchestration: a raw BullMQ chain of three stages (each stage's worker
// adds the next stage's job), no database, no provider calls. Runs BENCH_CHAINS chains at once
// and prints {"cpuMsPerChain": …, "redisCommandsPerChain": …, "wallMs": …} on one line (the
// command count is exact only on a Redis nobody else uses). REDIS_URL and BENCH_PREFIX.
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";

const chains = Number(process.env.BENCH_CHAINS ?? 20);
const connection = { url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", maxRetriesPerRequest: null };
const prefix = process.env.BENCH_PREFIX ?? "bench-chain";
const stages = ["lyric", "song", "video"];
const queues = stages.map((s) => new Queue(`floor-${s}`, { connection, prefix }));
let done = 0;
let finish;
const finished = new Promise((r) => (finish = r));
const workers = stages.map(
  (s, i) =>
    new Worker(
      `floor-${s}`,
      async (job) => {
        if (i + 1 < stages.length) await queues[i + 1].add("step", job.data, { jobId: `${job.data.n}-${i + 1}`, removeOnComplete: true });
        else if (++done === chains) finish();
        return null;
      },
      { connection, prefix, concurrency: 10 },
    ),
);
await Promise.all(workers.map((w) => w.waitUntilReady()));
const counter = new Redis(connection.url);
const processed = async () => Number(/total_commands_processed:(\d+)/.exec(await counter.info("stats"))[1]);
const commands0 = await processed();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(Array.from({ length: chains }, (_, n) => queues[0].add("step", { n }, { jobId: `${n}-0`, removeOnComplete: true })));
await finished;
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - t0;
// The second INFO is not part of the chains.
const redisCommandsPerChain = ((await processed()) - commands0 - 1) / chains;
counter.disconnect();
console.log(JSON.stringify({ cpuMsPerChain: (cpu.user + cpu.system) / 1000 / chains, redisCommandsPerChain, wallMs }));
await Promise.all(workers.map((w) => w.close()));
await Promise.all(queues.map((q) => q.obliterate({ force: true }).then(() => q.close())));
process.exit(0);
