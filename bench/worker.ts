// Worker CPU per ad: a castad API and worker (separate processes, as deployed) run N ads end to
// end against the provider sandbox made as fast as it goes (short songs, 2-second renders), and
// each process's CPU time and SQL statements are divided by N. The worker's share includes
// copying the sandbox's (small) media into blob storage and its idle work meanwhile (stalled
// checks, health probes). The floor is a raw BullMQ three-stage chain in a process of its own.
// Both run on a redis-server of the bench's own, so their Redis commands per ad are counted exactly.
// The media-copy share is measured apart (bench/peers/copy-cpu.mjs): the same number of copies, of
// the same sizes, through castad's copy code in a process of its own; the worker's CPU without it
// is the orchestration the target is about.
// Throughput (runThroughput): the same processes with 200 ads at once and nothing but CPU in their
// way; ads per minute and the worker's CPU per ad at that load, where its fixed costs per second
// (timers, stalled checks, the garbage of the last seconds) are spread over ten times the ads,
// measured in a second round of 200 once the worker's JIT compilation is behind it.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import pg from "pg";
import { startSandbox } from "../sandbox/server.js";
import { BlobServiceClient } from "@azure/storage-blob";
import { decodeGlobalID } from "@pothos/plugin-relay";
import { loadConfig } from "../src/config.js";
import { projectBlobPrefix } from "../src/storage/keys.js";
import { castadCommand, knobs, ms, port, ratio, ROOT, startCastad, startCountedRedis, table, type Server } from "./lib.js";

const run = promisify(execFile);

async function gql<T>(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data || body.errors) throw new Error(`bench: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function uploadPhoto(url: string, token: string, projectId: string, png: ArrayBuffer) {
  const form = new FormData();
  form.set("operations", JSON.stringify({ query: `mutation($p: ID!, $f: [File!]!) { uploadProjectImages(projectId: $p, files: $f) { id } }`, variables: { p: projectId, f: [null] } }));
  form.set("map", JSON.stringify({ 0: ["variables.f.0"] }));
  form.append("0", new Blob([png], { type: "image/png" }), "photo.png");
  const res = await fetch(`${url}/graphql`, { method: "POST", body: form, headers: { authorization: `Bearer ${token}`, "graphql-require-preflight": "1" } });
  if (!res.ok) throw new Error(`bench: upload answered ${res.status}: ${await res.text()}`);
}

type SandboxOptions = Parameters<typeof startSandbox>[0];

/** The sandbox as fast as it goes: short songs, 2-second renders, none of the providers' limits. */
const FAST_SANDBOX: Omit<SandboxOptions, "port"> = {
  speed: 1000,
  sunoTrackSeconds: [3, 4],
  renderMaxSeconds: 2,
  sunoGenerateLimitPer10s: 0,
  sunoRecordInfoLimitPerSec: 0,
  creatomateGetLimitPerSec: 0,
  creatomateAccountLimitPer10s: 0,
};

/** A castad API and worker (separate processes, as deployed) on a redis-server of the bench's
 *  own, against a sandbox of the part's choosing, with `projects` projects of one new user, each
 *  with a photo; `startAd` starts an ad run and returns its video's row id. */
async function adStack(
  opts: { env: NodeJS.ProcessEnv; databaseUrl: string; servers: Server[] },
  setup: { name: string; projects: number; sandbox: Omit<SandboxOptions, "port">; env?: NodeJS.ProcessEnv },
) {
  const sandbox = await startSandbox({ port: 0, ...setup.sandbox });
  const db = new pg.Client({ connectionString: opts.databaseUrl });
  await db.connect();
  const redis = await startCountedRedis();
  const processes: Server[] = [];
  // The part's own API and worker stop with it, so they are not idle neighbours of the parts
  // after it (the bench's server list stops them too if the part fails).
  const close = async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await redis.stop();
    await db.end();
    await sandbox.close();
  };
  try {
    const apiPort = await port();
    const workerPort = await port();
    const sandboxUrl = new URL(sandbox.url);
    const env: NodeJS.ProcessEnv = {
      ...opts.env,
      REDIS_URL: redis.url,
      SANDBOX_HOST: sandboxUrl.hostname,
      SANDBOX_PORT: sandboxUrl.port,
      PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
      RECONCILE_INTERVAL_MS: "3600000",
      AD_QUOTA_PER_30_DAYS: "1000000",
      MAX_ACTIVE_GENERATIONS_PER_USER: "1000000",
      WORKER_HTTP_PORT: String(workerPort),
      LOG_LEVEL: "warn",
      ...setup.env,
    };
    const api = await startCastad("api", { name: `castad api (${setup.name})`, env, port: apiPort });
    opts.servers.push(api);
    processes.push(api);
    const worker = await startCastad("worker", { name: `castad worker (${setup.name})`, env: { ...env, LOG_LEVEL: "info" }, profile: Boolean(knobs.cpuProfDir) });
    opts.servers.push(worker);
    processes.push(worker);

    const signUp = await gql<{ signUp: { token: string } }>(api.url, `mutation($i: SignUpInput!) { signUp(input: $i) { token } }`, {
      i: { email: `bench-${Date.now()}@example.com`, password: "correct horse battery", name: "bench" },
    });
    const token = signUp.signUp.token;
    const png = await (await fetch(`${sandbox.url}/media/samples/photo-1.png?w=640&h=360`)).arrayBuffer();
    const projects: string[] = [];
    for (let i = 0; i < setup.projects; i++) {
      const p = await gql<{ createProject: { id: string } }>(api.url, `mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }`, {
        i: { storeName: `Bench Cafe ${i}`, address: "1 Main St", description: "Coffee", language: "EN" },
      }, token);
      await uploadPhoto(api.url, token, p.createProject.id, png);
      projects.push(p.createProject.id);
    }
    const startAd = async (projectId: string) => {
      const r = await gql<{ generateAd: { video: { id: string } } }>(api.url, `mutation($p: ID!) { generateAd(projectId: $p) { video { id } } }`, { p: projectId }, token);
      return decodeGlobalID(r.generateAd.video.id).id;
    };
    /** Waits until every video of `ids` has ended; its outcome by status. */
    const finished = async (ids: string[]) => {
      for (;;) {
        const { rows } = await db.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM videos WHERE id = ANY($1::uuid[]) AND status IN ('COMPLETED','FAILED','CANCELLED') GROUP BY status`, [ids]);
        const total = rows.reduce((s, r) => s + Number(r.n), 0);
        if (total === ids.length) return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    /** The song and video ids of the ad runs whose videos are `videoIds`. */
    const generationsOf = async (videoIds: string[]) => {
      const { rows } = await db.query<{ song_id: string; video_id: string }>(`SELECT song_id, video_id FROM ad_runs WHERE video_id = ANY($1::uuid[])`, [videoIds]);
      return new Set(rows.flatMap((r) => [r.song_id, r.video_id]));
    };
    /** Job runs so far by stage, from the worker's own step counter (its /metrics). */
    const jobRuns = async () => {
      const text = await (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text();
      const runs = new Map<string, number>();
      for (const m of text.matchAll(/^castad_step_duration_seconds_count\{kind="(\w+)",result="\w[\w-]*"\} (\d+)$/gm)) runs.set(m[1]!, (runs.get(m[1]!) ?? 0) + Number(m[2]));
      // Read after the warm-up ad at the earliest, so there is always a count: none means the
      // metric's name or labels changed, not that nothing ran.
      if (runs.size === 0) throw new Error("bench: the worker's /metrics has no castad_step_duration_seconds_count");
      return runs;
    };
    // One ad to warm both processes up (JIT, pools), not counted.
    await finished([await startAd(projects[0]!)]);
    return { sandbox, redis, api, worker, projects: projects.slice(1), startAd, finished, generationsOf, jobRuns, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export async function runWorkerCpu(opts: { env: NodeJS.ProcessEnv; databaseUrl: string; redisPrefix: string; servers: Server[] }): Promise<string> {
  const ads = knobs.ads;
  const stack = await adStack(opts, {
    name: "ads",
    projects: ads + 1,
    sandbox: FAST_SANDBOX,
  });
  try {
    const { outcome, wallMs, cpu, apiSql, workerSql, commands, runs, generations } = await measureRound(stack, ads, "worker-ads.cpuprofile");
    const redisTotal = [...commands.values()].reduce((a, b) => a + b, 0);
    const topCommands = [...commands].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([c, n]) => `${c} ${(n / ads).toFixed(1)}`).join(", ");

    const copies = await mediaCopyCpu(opts.env, stack.projects, stack.sandbox.url, { generations, rounds: 1 });

    const floor = await run(process.execPath, ["bench/peers/bullmq-chain.mjs"], {
      cwd: ROOT,
      env: { ...process.env, BENCH_CHAINS: String(ads), BENCH_PREFIX: `${opts.redisPrefix}:chain`, REDIS_URL: stack.redis.url },
    });
    const chain = JSON.parse(floor.stdout.trim().split("\n").pop()!) as { cpuMsPerChain: number; redisCommandsPerChain: number };
    return (
      `  ${ads} ads at once, ${JSON.stringify(outcome)} in ${ms(wallMs)} (expected: ${ads} COMPLETED); target: worker ≤ 30 ms CPU per ad\n` +
      table(
        ["process", "CPU per ad", "SQL per ad", "Redis commands per ad", "vs floor"],
        [
          ["castad worker", ms(cpu.worker / ads), (workerSql.statements / ads).toFixed(1), `${(redisTotal / ads).toFixed(1)} (with the API)`, ratio(cpu.worker / ads, chain.cpuMsPerChain)],
          ["castad api (mutation, webhooks)", ms(cpu.api / ads), (apiSql.statements / ads).toFixed(1), "", "—"],
          ["raw BullMQ 3-stage chain (floor)", ms(chain.cpuMsPerChain), "0", chain.redisCommandsPerChain.toFixed(1), "1.00×"],
        ],
      ) +
      `\n  of the worker's CPU per ad, ${ms(cpu.workerSystem / ads)} is the kernel's (system calls: mostly socket writes to PostgreSQL and Redis)` +
      `\n  job runs per ad: ${runs}; the floor's chain: 3` +
      `\n  castad's Redis commands per ad, most sent: ${topCommands}` +
      (copies
        ? `\n  media copy: the worker copied ${(copies.copies / ads).toFixed(1)} files (${(copies.bytes / ads / 1024 / 1024).toFixed(2)} MB) per ad; ` +
          `the same copies through castad's copy code alone cost ${ms(copies.cpuMs / ads)} CPU per ad, ` +
          `so orchestration (the worker without them) ≈ ${ms((cpu.worker - copies.cpuMs) / ads)} per ad (target ≤ 30 ms)`
        : "\n  media copy: not measured (needs `npm run build`)")
    );
  } finally {
    await stack.close();
  }
}

/** Job runs per ad between two readings of `jobRuns`: "5.0 (lyric 1.0, song 2.0, video 2.0)". */
function runsPerAd(before: Map<string, number>, after: Map<string, number>, ads: number): string {
  const byKind = [...after].map(([kind, n]) => [kind.toLowerCase(), (n - (before.get(kind) ?? 0)) / ads] as const);
  const total = byKind.reduce((a, [, n]) => a + n, 0);
  return `${total.toFixed(1)} (${byKind.map(([kind, n]) => `${kind} ${n.toFixed(1)}`).join(", ")})`;
}

/** The machine's CPU time so far, busy and in all (jiffies of every core, /proc/stat). */
function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/**
 * Ads per minute: `BENCH_THROUGHPUT_ADS` ads started at once, with everything that is not the
 * worker's own work taken out of its way — the sandbox serves its built-in media instead of
 * rendering with ffmpeg (two renders at a time would otherwise set the pace), castad's own
 * client-side provider rate limits are off (they keep a real account inside Suno's and
 * Creatomate's limits: 18 and 25 requests per 10 s, about 100 songs per minute) and each stage
 * runs 50 jobs at once per worker. Everything still shares this machine's cores with the API,
 * PostgreSQL, Redis and the sandbox, so the measured rate is the whole stack's on this machine;
 * the worker's own capacity is what one core does at its measured CPU per ad. Two rounds of
 * those ads: the first on a worker that has just started, the second — the one measured — on
 * the same worker once V8 has compiled its hot code, as a worker runs all day.
 */
export async function runThroughput(opts: { env: NodeJS.ProcessEnv; databaseUrl: string; servers: Server[] }): Promise<string> {
  const ads = knobs.throughputAds;
  const stack = await adStack(opts, {
    name: "throughput",
    projects: ads + 1,
    sandbox: { ...FAST_SANDBOX, ffmpegPath: null },
    env: {
      SUNO_RATE_LIMIT_PER_10S: "0",
      CREATOMATE_RATE_LIMIT_PER_10S: "0",
      WORKER_CONCURRENCY_LYRIC: "50",
      WORKER_CONCURRENCY_SONG: "50",
      WORKER_CONCURRENCY_VIDEO: "50",
    },
  });
  try {
    // Round 1 on a worker that has just started: V8 is still compiling its hot code (on its
    // background threads, which count in its CPU time: a perf profile of this round shows them at
    // about a quarter of the worker's CPU). Round 2, the same ads again on the same projects, is
    // the worker as it runs all day; the table is round 2, round 1 is printed for comparison.
    const cold = await measureRound(stack, ads);
    const warm = await measureRound(stack, ads, "worker-throughput.cpuprofile");
    const { startedMs, wallMs, outcome, cpu, machineBusy, workerSql, commands, runs } = warm;
    const redisPerAd = [...commands.values()].reduce((a, b) => a + b, 0) / ads;
    const perMinute = (ads / wallMs) * 60_000;
    const workerPerAd = cpu.worker / ads;
    // The worker copied these files warm (round 2): the copy peer copies them once before it measures.
    const copies = await mediaCopyCpu(opts.env, stack.projects, stack.sandbox.url, { generations: warm.generations, rounds: 2 });
    const orchestration = copies ? (cpu.worker - copies.cpuMs) / ads : NaN;
    return (
      `  ${ads} ads started at once (all ${ads} mutations answered after ${ms(startedMs)}), ${JSON.stringify(outcome)} after ${ms(wallMs)} (expected: ${ads} COMPLETED)\n` +
      table(
        ["measure", "value", "target"],
        [
          ["ads per minute, the whole stack on this machine", perMinute.toFixed(0), "—"],
          ["worker CPU per ad", ms(workerPerAd), "—"],
          [
            copies ? `of it, copying ${(copies.copies / ads).toFixed(1)} files (${(copies.bytes / ads / 1024).toFixed(0)} KB) per ad (measured apart)` : "of it, copying files (needs `npm run build`)",
            ms(copies ? copies.cpuMs / ads : NaN),
            "—",
          ],
          ["orchestration (the worker without the copies)", ms(orchestration), "≤ 30 ms"],
          ["of the worker's CPU per ad, the kernel's (system calls: mostly socket writes)", ms(cpu.workerSystem / ads), "—"],
          ["job runs per ad", runs, "—"],
          ["SQL statements per ad (worker); Redis commands per ad (worker and API)", `${(workerSql.statements / ads).toFixed(1)}; ${redisPerAd.toFixed(0)}`, "—"],
          ["worker busy (share of one core over the run)", `${((cpu.worker / wallMs) * 100).toFixed(0)} %`, "—"],
          ["API CPU per ad; busy share of one core", `${ms(cpu.api / ads)}; ${((cpu.api / wallMs) * 100).toFixed(0)} %`, "—"],
          ["machine busy (all cores, every process)", `${(machineBusy * 100).toFixed(0)} % of ${cpus().length} cores`, "—"],
          ["worker capacity: ads per minute one core does at that CPU per ad (orchestration alone)", `${(60_000 / workerPerAd).toFixed(0)} (${copies ? (60_000 / orchestration).toFixed(0) : "—"})`, "≥ 1,000"],
        ],
      ) +
      `\n  round 1, the worker just started (V8 still compiling): worker CPU ${ms(cold.cpu.worker / ads)} per ad, ${((ads / cold.wallMs) * 60_000).toFixed(0)} ads a minute for the whole stack, ${JSON.stringify(cold.outcome)}`
    );
  } finally {
    await stack.close();
  }
}

type AdStack = Awaited<ReturnType<typeof adStack>>;

/** One measured round of a part: an ad on each of the first `ads` projects at once, until all
 *  have ended; what it cost each process (CPU, SQL, Redis commands, job runs), and the song and
 *  video ids it made (for mediaCopyCpu). With BENCH_CPU_PROF, `profileFile` names the worker's
 *  CPU profile of the round. */
async function measureRound(stack: AdStack, ads: number, profileFile?: string) {
  const { api, worker, redis, startAd, finished } = stack;
  const runs0 = await stack.jobRuns();
  await Promise.all([api.sql(true), worker.sql(true), redis.reset()]);
  const stopProfile = knobs.cpuProfDir && profileFile ? await worker.profile(join(knobs.cpuProfDir, profileFile)) : null;
  const cpu0 = { api: api.cpuMs(), worker: worker.cpuMs(), workerSystem: worker.cpuSplitMs().system, machine: machineCpu() };
  const t0 = performance.now();
  const ids = await Promise.all(stack.projects.slice(0, ads).map(startAd));
  const startedMs = performance.now() - t0;
  const outcome = await finished(ids);
  const wallMs = performance.now() - t0;
  const machine = machineCpu();
  const cpu = { api: api.cpuMs() - cpu0.api, worker: worker.cpuMs() - cpu0.worker, workerSystem: worker.cpuSplitMs().system - cpu0.workerSystem };
  await stopProfile?.();
  const [apiSql, workerSql, commands, runs1, generations] = await Promise.all([api.sql(), worker.sql(), redis.commands(), stack.jobRuns(), stack.generationsOf(ids)]);
  return {
    startedMs,
    wallMs,
    outcome,
    cpu,
    machineBusy: (machine.busy - cpu0.machine.busy) / Math.max(1, machine.total - cpu0.machine.total),
    apiSql,
    workerSql,
    commands,
    runs: runsPerAd(runs0, runs1, ads),
    generations,
  };
}

/** CPU time of the copies the worker made for the measured ads (the files of `generations`, the
 *  round's songs and videos), made again by castad's copy code in a process started like the
 *  worker (see bench/peers/copy-cpu.mjs), measured on its `rounds`th pass over them (2 for a
 *  worker that had made them all once before); null without a build. */
async function mediaCopyCpu(env: NodeJS.ProcessEnv, projectIds: string[], sandboxUrl: string, measured: { generations: ReadonlySet<string>; rounds: number }) {
  const command = castadCommand("worker");
  if (!command.compiled) return null;
  const config = loadConfig({ ...env, PORT: "0" });
  const container = BlobServiceClient.fromConnectionString(config.storageConnectionString).getContainerClient(config.AZURE_STORAGE_CONTAINER);
  const plan: number[][] = [];
  for (const globalId of projectIds) {
    const projectId = decodeGlobalID(globalId).id;
    const sizes: number[] = [];
    for (const folder of ["songs", "videos"]) {
      const prefix = `${projectBlobPrefix(projectId)}${folder}/`;
      for await (const blob of container.listBlobsFlat({ prefix })) {
        if (measured.generations.has(blob.name.slice(prefix.length).split("/")[0]!)) sizes.push(blob.properties.contentLength ?? 0);
      }
    }
    plan.push(sizes);
  }
  const flags = command.args.slice(0, command.args.findIndex((a) => a.endsWith("main.js")));
  const { stdout } = await run(process.execPath, [...flags, "bench/peers/copy-cpu.mjs"], {
    cwd: ROOT,
    env: { ...env, ...command.env, BENCH_COPY_PLAN: JSON.stringify(plan), BENCH_COPY_SOURCE: sandboxUrl, BENCH_COPY_ROUNDS: String(measured.rounds) },
  });
  return JSON.parse(stdout.trim().split("\n").pop()!) as { cpuMs: number; copies: number; bytes: number };
}
