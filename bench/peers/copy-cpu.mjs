// The media-copy share of the worker part: as many copies, of the same sizes, as the worker made
// for the measured ads, through castad's own copy code (copyUrlToBlob: download from the sandbox,
// stream into blob storage), each ad's copies one after another and the ads at once, as the
// worker does them — in a process of its own, started like the worker (the image's node flags),
// with its CPU time measured around the copies. Prints {"cpuMs": …, "copies": …, "bytes": …}.
// Needs the build (dist/). BENCH_COPY_PLAN: JSON, the file sizes of each ad; BENCH_COPY_SOURCE:
// the sandbox's URL; BENCH_COPY_ROUNDS: passes over the plan, the last one measured (default 1);
// the storage settings as castad reads them.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dist = (file) => import(pathToFileURL(join(process.cwd(), "dist", "src", file)).href);
const { loadConfig } = await dist("config.js");
const { BlobStorage } = await dist("storage/blob-storage.js");
const { copyUrlToBlob, createDownloadDispatcher } = await dist("providers/download.js");

const storage = await BlobStorage.connect(loadConfig(process.env));
const dispatcher = createDownloadDispatcher();
/** @type {number[][]} */
const plan = JSON.parse(process.env.BENCH_COPY_PLAN ?? "[]");
const source = process.env.BENCH_COPY_SOURCE;
const copy = (bytes, key) =>
  copyUrlToBlob({ url: `${source}/media/samples/song.wav?bytes=${bytes}`, storage, key, maxBytes: 1024 ** 3, timeoutMs: 60_000, dispatcher });

const copyPlan = () =>
  Promise.all(
    plan.map(async (sizes, ad) => {
      for (const [i, bytes] of sizes.entries()) await copy(bytes, `bench-copy/${ad}/${i}`);
    }),
  );
// Warm-up (code paths, connection pools), not counted. BENCH_COPY_ROUNDS=2 makes the whole plan
// once first, for a worker measured once it is warm (the throughput part's second round).
for (let i = 0; i < 5; i++) await copy(plan[0]?.[0] ?? 65_536, `bench-copy/warm-up-${i}`);
for (let round = 1; round < Number(process.env.BENCH_COPY_ROUNDS ?? 1); round++) await copyPlan();
const cpu0 = process.cpuUsage();
await copyPlan();
const cpu = process.cpuUsage(cpu0);
await dispatcher.close();
console.log(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, copies: plan.flat().length, bytes: plan.flat().reduce((a, b) => a + b, 0) }));
process.exit(0);
