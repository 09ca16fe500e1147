// Helpers for pipeline tests that need more than the in-process app: worker processes started
// like production starts them (`node --import tsx src/main.ts --role=worker`), waiting on
// conditions without fixed sleeps, job states, blobs and the sandbox's control routes.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ContainerClient, BlobServiceClient } from "@azure/storage-blob";
import type { Stack } from "./pipeline.js";
import type { Kind } from "../../src/generations/stages.js";
import { jobIdFor } from "../../src/jobs/queues.js";
import { listBlobs as listApiBlobs } from "./gql.js";
import type { SandboxStats } from "../../sandbox/server.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Polls `check` until it returns a truthy value (which is returned); fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, opts: { timeoutMs?: number; everyMs?: number } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 50));
  }
}

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Every log line so far (JSON lines from pino, or plain text). */
  lines: string[];
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<number | string>;
  /** Sends a signal and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts `src/main.ts --role=worker` against the stack's database, Redis, storage and sandbox
 *  and resolves once it has logged `ready`. */
export async function spawnWorker(stack: Stack, env: Record<string, string> = {}, opts: { readyTimeoutMs?: number } = {}): Promise<WorkerProcess> {
  return spawnCastad(stack, "worker", env, opts);
}

/** Like spawnWorker, for any role (e.g. a second API instance: give it PORT). */
export async function spawnCastad(
  stack: Stack,
  role: "api" | "worker",
  env: Record<string, string> = {},
  opts: { readyTimeoutMs?: number } = {},
): Promise<WorkerProcess> {
  const cfg = stack.api.config;
  return spawnProcess(
    role,
    { cwd: ROOT, args: ["--import", "tsx", "src/main.ts", `--role=${role}`] },
    {
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      AZURITE_START: "false",
      ...stack.env,
      LOG_LEVEL: "info",
      DATABASE_URL: cfg.DATABASE_URL,
      REDIS_URL: cfg.REDIS_URL,
      AZURE_STORAGE_CONNECTION_STRING: cfg.storageConnectionString,
      DB_MIGRATE_ON_START: "false",
      WORKER_HTTP_PORT: "0",
      ...env,
    },
    opts,
  );
}

/** Starts `node <args>` in `cwd` with only PATH, HOME and `env` in its environment, and resolves
 *  once it has logged `ready` (e.g. a production build: `dist/src/main.js --role=api`). */
export async function spawnProcess(
  name: string,
  command: { cwd: string; args: string[] },
  env: Record<string, string>,
  opts: { readyTimeoutMs?: number } = {},
): Promise<WorkerProcess> {
  const role = name;
  const child = spawn(process.execPath, command.args, {
    cwd: command.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  let onLine: ((line: string) => void) | null = null;
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let rest = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      rest += chunk;
      let i: number;
      while ((i = rest.indexOf("\n")) >= 0) {
        const line = rest.slice(0, i);
        rest = rest.slice(i + 1);
        lines.push(line);
        onLine?.(line);
      }
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  const ready = new Promise<void>((resolve, reject) => {
    onLine = (line) => {
      if (line.includes('"msg":"ready"')) resolve();
    };
    void exited.then((code) => reject(new Error(`${role} exited (${code}) before it was ready:\n${lines.join("\n")}`)));
  });
  const timeoutMs = opts.readyTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ready,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${role} not ready within ${timeoutMs} ms:\n${lines.join("\n")}`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return {
    child,
    pid: child.pid!,
    lines,
    exited,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Ends a worker started by spawnWorker if it still runs (for afterAll). */
export async function ensureStopped(worker: WorkerProcess | undefined): Promise<void> {
  if (!worker || worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill("SIGKILL");
  await worker.exited;
}

/** BullMQ state of a generation's job ("unknown" when there is none). */
export function jobState(stack: Stack, kind: Kind, id: string, attempt: number) {
  return stack.api.app.services.jobs.queues[kind].getJobState(jobIdFor(kind, id, attempt));
}

export async function sandboxStats(stack: Stack): Promise<SandboxStats> {
  const res = await fetch(`${stack.sandbox.url}/_sandbox/stats`);
  return (await res.json()) as SandboxStats;
}

/** Moves a held Suno task one step forward (its callback is sent as usual). */
export async function advanceSuno(stack: Stack, taskId: string): Promise<{ status: string; advanced: boolean }> {
  const res = await fetch(`${stack.sandbox.url}/_sandbox/suno/${encodeURIComponent(taskId)}/advance`, { method: "POST" });
  if (!res.ok) throw new Error(`advance ${taskId}: HTTP ${res.status}`);
  return (await res.json()) as { status: string; advanced: boolean };
}

/** Advances a held Suno task until it reached SUCCESS. */
export async function finishSuno(stack: Stack, taskId: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const out = await advanceSuno(stack, taskId);
    if (out.status === "SUCCESS" || !out.advanced) return;
  }
}

export function container(stack: Stack): ContainerClient {
  return BlobServiceClient.fromConnectionString(stack.api.config.storageConnectionString).getContainerClient(
    stack.api.config.AZURE_STORAGE_CONTAINER,
  );
}

/** Names of the blobs under `prefix` in the stack's container, sorted. */
export async function listBlobs(stack: Stack, prefix: string): Promise<string[]> {
  return (await listApiBlobs(stack.api, prefix)).sort();
}

export { globalId, rowId as rowIdOf } from "./gql.js";
