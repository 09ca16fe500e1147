// Shared pieces of the benchmark: knobs, ports, server processes (each in its own process, with
// the SQL counter preloaded), and the small statistics the tables print.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { freePort } from "../scripts/run-data.js";
import { startPrivateRedis } from "../scripts/private-redis.js";
import { productionCommand } from "../scripts/production-command.js";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..");
const QUICK = process.env.BENCH_QUICK === "1";
const num = (name: string, full: number, quick: number) => Number(process.env[name] ?? (QUICK ? quick : full));

export const knobs = {
  quick: QUICK,
  /** A/B rounds per list query (each target once per round, order alternating). */
  rounds: num("BENCH_ROUNDS", 3, 2),
  /** Seconds of load per target and round. */
  seconds: num("BENCH_SECONDS", 5, 2),
  connections: num("BENCH_CONNECTIONS", 20, 20),
  /** Subscriber counts for the live-status part (comma-separated). */
  subscribers: (process.env.BENCH_SUBSCRIBERS ?? (QUICK ? "1,1000" : "1,1000,10000")).split(",").map(Number),
  /** Status writes per subscriber count (fewer for the big fan-outs, which cost the most). */
  events: (subscribers: number) => num("BENCH_EVENTS", 0, 0) || (QUICK ? 10 : subscribers >= 10_000 ? 10 : subscribers >= 1000 ? 20 : 40),
  // BENCH_LISTS=songs,videos,projects picks list queries (bench/lists.ts).
  /** Ads the worker part runs at once. */
  ads: num("BENCH_ADS", 20, 5),
  /** Ads the throughput part starts at once. */
  throughputAds: num("BENCH_THROUGHPUT_ADS", 200, 50),
  /** Seconds the start part waits, with nothing to do, before it reads idle RSS. */
  idleSeconds: num("BENCH_IDLE_SECONDS", 40, 40),
  /** Parts to run, comma-separated: lists,typename,sql,columns,live,start,worker,throughput (default all but copy). */
  parts: new Set((process.env.BENCH_PARTS ?? "lists,typename,sql,columns,live,start,worker,throughput").split(",")),
  /** Write CPU profiles of castad's processes into this directory, one per measured window
   *  (each list load, the live events, the worker part's ads). */
  cpuProfDir: process.env.BENCH_CPU_PROF,
};

/** Ports: PORT (or BENCH_PORT) and the next ones when set, free ports chosen by the OS otherwise. */
let nextPort = Number(process.env.BENCH_PORT ?? process.env.PORT ?? 0);
export async function port(): Promise<number> {
  return nextPort ? nextPort++ : freePort();
}

const COUNTER = join(ROOT, "bench", "peers", "sql-counter.mjs");
const PROFILER = join(ROOT, "bench", "peers", "window-profiler.mjs");

/** castad's entry point: the compiled build as production starts it (the Dockerfile's
 *  ENTRYPOINT: its environment and node flags) when there is one, the TypeScript sources otherwise. */
export function castadCommand(role: "api" | "worker"): { args: string[]; env: Record<string, string>; compiled: boolean } {
  const dist = join(ROOT, "dist", "src", "main.js"); // npm run build
  if (existsSync(dist) && process.env.BENCH_FROM_SOURCE !== "1") {
    const { args, env } = productionCommand(ROOT, role);
    return { args: args.map((a) => (a.startsWith("dist/") ? join(ROOT, a) : a)), env, compiled: true };
  }
  return { args: ["--import", "tsx", join(ROOT, "src", "main.ts"), `--role=${role}`], env: {}, compiled: false };
}

/** Starts a bench peer that runs castad's own modules (`script`, relative to the package root)
 *  the way castadCommand runs castad's API: from the build with the image's node flags and
 *  environment, or from the sources under tsx. BENCH_CASTAD_MODULES tells it which folder. */
export function startCastadPeer(script: string, opts: Omit<StartOptions, "args">): Promise<Server> {
  const command = castadCommand("api");
  // The compiled command ends in the entry point and the role; the flags come before them.
  const flags = command.compiled ? command.args.slice(0, -2) : ["--import", "tsx"];
  const modules = join(ROOT, command.compiled ? join("dist", "src") : "src");
  return startServer({ ...opts, args: [...flags, join(ROOT, script)], env: { ...opts.env, ...command.env, BENCH_CASTAD_MODULES: modules } });
}

/** Starts a castad process of `role` as castadCommand says, with `env` on top of the bench's. */
export function startCastad(role: "api" | "worker", opts: Omit<StartOptions, "args">): Promise<Server> {
  const command = castadCommand(role);
  return startServer({ ...opts, args: command.args, env: { ...opts.env, ...command.env } });
}

export interface Server {
  name: string;
  url: string;
  proc: ChildProcess;
  /** ms from spawn to the first 200 from /ready (or the "ready" log line without HTTP). */
  startMs: number;
  sql(reset?: boolean): Promise<{ statements: number; last: string[] }>;
  /** Starts a CPU profile of the process (with `profile: true`); the returned stop writes it to `file`. */
  profile(file: string): Promise<() => Promise<void>>;
  rssMb(): number;
  /** Bytes of JavaScript heap the process holds after a full collection. */
  heapUsed(): Promise<number>;
  /** CPU time (user + system) the process has used so far, in ms. */
  cpuMs(): number;
  /** The same, split: user space and kernel (system calls: socket writes and reads). */
  cpuSplitMs(): { user: number; system: number };
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Without a port the process is ready when it logs "ready" (workers). */
  port?: number;
  timeoutMs?: number;
  /** Preload the window profiler (BENCH_CPU_PROF): `profile()` records a measured window. */
  profile?: boolean;
}

export async function startServer(opts: StartOptions): Promise<Server> {
  const t0 = performance.now();
  const preloads = ["--import", COUNTER, ...(opts.profile ? ["--import", PROFILER] : [])];
  const proc = spawn(process.execPath, [...preloads, ...opts.args], {
    cwd: ROOT,
    env: { ...opts.env, ...(opts.port ? { PORT: String(opts.port) } : {}) },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let output = "";
  let logged = false;
  const collect = (c: Buffer) => {
    const s = c.toString();
    if (output.length < 20_000) output += s;
    if (/"msg":"ready"|^ready$/m.test(s)) logged = true;
  };
  proc.stdout!.on("data", collect);
  proc.stderr!.on("data", collect);
  let exited: number | null = null;
  proc.once("exit", (code) => (exited = code ?? -1));
  const url = opts.port ? `http://127.0.0.1:${opts.port}` : "";
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (exited !== null) throw new Error(`${opts.name} exited (${exited}) before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`${opts.name} was not ready in time:\n${output}`);
    }
    if (url) {
      const ok = await fetch(`${url}/ready`).then((r) => r.ok, () => false);
      if (ok) break;
    } else if (logged) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const startMs = performance.now() - t0;
  const cpuSplit = () => {
    // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks (100 per second on Linux).
    const fields = readFileSync(`/proc/${proc.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
  };
  const pending: ((m: { statements: number; last: string[] }) => void)[] = [];
  const profiling: (() => void)[] = [];
  const heaps: ((used: number) => void)[] = [];
  proc.on("message", (m: { type?: string; statements: number; last: string[]; used: number }) => {
    if (m?.type === "sql") pending.shift()?.(m);
    else if (m?.type === "prof") profiling.shift()?.();
    else if (m?.type === "heap") heaps.shift()?.(m.used);
  });
  const ask = (message: unknown) =>
    new Promise<void>((resolve) => {
      profiling.push(resolve);
      proc.send(message as never);
    });
  return {
    name: opts.name,
    url,
    proc,
    startMs,
    sql: (reset = false) =>
      new Promise((resolve) => {
        pending.push(resolve);
        proc.send(reset ? "sql:reset" : "sql:get");
      }),
    profile: async (file) => {
      if (!opts.profile) throw new Error(`${opts.name} was started without the profiler`);
      await ask({ type: "prof:start" });
      return () => ask({ type: "prof:stop", file });
    },
    heapUsed: () =>
      new Promise((resolve) => {
        heaps.push(resolve);
        proc.send("heap:get");
      }),
    rssMb: () => {
      const status = readFileSync(`/proc/${proc.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    cpuMs: () => {
      const { user, system } = cpuSplit();
      return user + system;
    },
    cpuSplitMs: cpuSplit,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited !== null) return resolve();
        const force = setTimeout(() => proc.kill("SIGKILL"), 10_000);
        proc.once("exit", () => {
          clearTimeout(force);
          resolve();
        });
        proc.kill("SIGTERM");
      }),
  };
}

export const median = (xs: number[]) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN);
export const ms = (v: number) => (Number.isNaN(v) ? "—" : v >= 100 ? `${v.toFixed(0)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`);
export const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : "—");

/** A plain-text table with right-aligned number columns. */
export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].map((l) => `  ${l}`).join("\n");
}

/** A redis-server of the bench's own (scripts/private-redis.ts: nothing else talks to it), so the
 *  commands a part sends can be counted exactly (`INFO commandstats`). */
export async function startCountedRedis(): Promise<{ url: string; commands(): Promise<Map<string, number>>; reset(): Promise<void>; stop(): Promise<void> }> {
  const server = await startPrivateRedis();
  const client = new Redis(server.url);
  return {
    url: server.url,
    /** Calls per command since the last reset, without this client's own INFO and CONFIG. */
    async commands() {
      const info = await client.info("commandstats");
      const counts = new Map<string, number>();
      for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
        if (m[1] !== "info" && m[1] !== "config|resetstat") counts.set(m[1]!, Number(m[2]));
      }
      return counts;
    },
    reset: async () => void (await client.config("RESETSTAT")),
    async stop() {
      client.disconnect();
      await server.stop();
    },
  };
}
