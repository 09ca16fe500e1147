// The worker side of one process: a BullMQ worker per stage, the reconciler, and a drain on
// shutdown (stop taking jobs, let running steps finish or park, then close).
import { Worker, type Job } from "bullmq";
import type { Services } from "../context.js";
import type { Kind } from "../generations/kinds.js";
import { findRow, ACTIVE } from "../generations/kinds.js";
import { createProviders } from "../providers/index.js";
import { bullPrefix, createRedis } from "../redis.js";
import { QUEUE_NAME, type GenerationJobData } from "./queues.js";
import { failGeneration, runStep, type Step, type WorkerDeps } from "./runner.js";
import { reconcile } from "./reconcile.js";
import { lyricStep } from "./steps/lyric.js";
import { songStep } from "./steps/song.js";
import { videoStep } from "./steps/video.js";

export interface RunningWorkers {
  workers: Record<Kind, Worker<GenerationJobData>>;
  /** One reconcile pass now. Unlike the periodic sweep it does not wait for a grace period:
   *  adding a job twice is a no-op, so repairing a row that was just written is harmless. */
  reconcileNow(graceMs?: number): ReturnType<typeof reconcile>;
  close(): Promise<void>;
}

export async function startWorkers(services: Services): Promise<RunningWorkers> {
  const { config, log } = services;
  const providers = createProviders(config, services.redis, { logger: log });
  const deps: WorkerDeps = { ...services, providers };
  const connection = createRedis(config, "castad-worker");
  const prefix = bullPrefix(config);
  const concurrency: Record<Kind, number> = {
    LYRIC: config.WORKER_CONCURRENCY_LYRIC,
    SONG: config.WORKER_CONCURRENCY_SONG,
    VIDEO: config.WORKER_CONCURRENCY_VIDEO,
  };
  const make = <K extends Kind>(kind: K, step: Step<K>) => {
    const worker = new Worker<GenerationJobData>(QUEUE_NAME[kind], (job, token) => runStep(deps, kind, step, job, token), {
      connection,
      prefix,
      concurrency: Math.max(1, concurrency[kind]),
      // A crashed worker's job is picked up again after the lock expires; allow a couple of
      // crashes before BullMQ gives up on it (the reconciler then marks the row FAILED).
      maxStalledCount: 3,
      // How soon a job of a killed worker is taken over: its lock expires after lockDuration
      // and the stalled check runs every stalledInterval.
      lockDuration: config.WORKER_LOCK_MS,
      stalledInterval: Math.max(1_000, Math.floor(config.WORKER_LOCK_MS / 2)),
      settings: {
        backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) => {
          const retryAfter = (err as { retryAfterMs?: number } | undefined)?.retryAfterMs;
          const base = config.JOB_BACKOFF_MS * 2 ** Math.max(0, attemptsMade - 1);
          return Math.max(retryAfter ?? 0, base + Math.floor(Math.random() * config.JOB_BACKOFF_MS * 0.2));
        },
      },
    });
    worker.on("failed", (job: Job<GenerationJobData> | undefined, err) => {
      if (!job) return;
      // Final failures that did not pass through runStep's handler (e.g. stalled too often).
      void (async () => {
        if ((await job.getState()) !== "failed") return;
        const row = await findRow(services.prisma, kind, job.data.generationId);
        if (row && ACTIVE.includes(row.status) && row.attempt === job.data.attempt) {
          await failGeneration(services, kind, row.id, { code: "INTERNAL_ERROR", message: "The job stopped unexpectedly; retry it." }, job.data.attempt);
        }
      })().catch((e: unknown) => log.error({ err: e, jobId: job.id, reason: err.message }, "could not record a failed job"));
    });
    worker.on("error", (err) => log.error({ err, queue: QUEUE_NAME[kind] }, "worker error"));
    return worker;
  };
  const workers = { LYRIC: make("LYRIC", lyricStep), SONG: make("SONG", songStep), VIDEO: make("VIDEO", videoStep) };
  await Promise.all(Object.values(workers).map((w) => w.waitUntilReady()));

  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () =>
    (sweeping = reconcile(services)
      .then((r) => {
        if (r.enqueued || r.failed) log.info(r, "reconciled generations with their jobs");
        return r;
      })
      .catch((err: unknown) => {
        log.error({ err }, "reconcile failed");
        return { enqueued: 0, failed: 0 };
      }));
  void sweep();
  const timer = setInterval(() => void sweep(), config.RECONCILE_INTERVAL_MS);
  timer.unref();

  return {
    workers,
    reconcileNow: (graceMs = 0) => reconcile(services, graceMs),
    close: async () => {
      clearInterval(timer);
      await Promise.all(Object.values(workers).map((w) => w.close()));
      // A sweep still running would otherwise meet a closed database pool.
      await sweeping;
      await providers.close();
      connection.disconnect();
    },
  };
}
