// The worker side of one process: a BullMQ worker per stage, the reconciler, and a drain on
// shutdown (stop taking jobs, let running steps finish or park, then close).
import { MetricsTime, Worker, type Job } from "bullmq";
import type { Services } from "../services.js";
import { ACTIVE, findRow, KINDS, STAGES, type Kind } from "../generations/stages.js";
import { createProviders } from "../providers/index.js";
import { bullPrefix, createRedis } from "../redis.js";
import type { GenerationJobData } from "./queues.js";
import { failGeneration } from "../generations/finished.js";
import { correlationFrom, withCorrelation } from "../correlation.js";
import { isConnectionError } from "../outages.js";
import { isInfrastructureError } from "../unavailable.js";
import { startAlertChecks } from "../alerts/checks.js";
import { runStep, type Step, type WorkerDeps } from "./runner.js";
import { reconcile } from "./reconcile.js";
import { sweepOrphanImages } from "../storage/orphans.js";
import { STEPS } from "./steps/index.js";
import { closeWorkers } from "./close-workers.js";

export interface RunningWorkers {
  workers: Record<Kind, Worker<GenerationJobData>>;
  /** One reconcile pass now. Unlike the periodic sweep it does not wait for a grace period:
   *  adding a job twice is a no-op, so repairing a row that was just written is harmless. */
  reconcileNow(graceMs?: number): ReturnType<typeof reconcile>;
  /** One pass of the provider error-rate and queue backlog alert checks now. */
  checkAlerts(): Promise<void>;
  /** Stops taking jobs and lets running steps finish or park; at `deadline` the ones still
   *  running are let go: their locks expire and another worker resumes them (steps are
   *  idempotent and provider task ids are stored). */
  close(deadline?: number): Promise<void>;
}

export async function startWorkers(services: Services): Promise<RunningWorkers> {
  const { config, log } = services;
  const providers = createProviders(config, services.redis, { logger: log });
  const deps: WorkerDeps = { ...services, providers };
  services.metrics.watchProviders(providers);
  const connection = createRedis(config, "castad-worker");
  const prefix = bullPrefix(config);
  const make = <K extends Kind>(kind: K, step: Step<K>) => {
    const stage = STAGES[kind];
    const worker = new Worker<GenerationJobData>(stage.queue, (job, token) =>
        withCorrelation(correlationFrom(job.data.requestId ?? job.id, job.data.traceparent), () => runStep(deps, kind, step, job, token)), {
      connection,
      prefix,
      concurrency: Math.max(1, config[stage.concurrency]),
      // A crashed worker's job is picked up again after the lock expires; allow a couple of
      // crashes before BullMQ gives up on it (the reconciler then marks the row FAILED).
      maxStalledCount: 3,
      // Per-minute completed/failed counts kept in Redis: BullMQ's Prometheus export reads them.
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
      // How soon a job of a killed worker is taken over: its lock expires after lockDuration
      // (a live worker renews it every lockDuration/2, so long steps keep theirs) and another
      // worker's stalled check, every stalledInterval, then hands it out again. With the default
      // 15 s lock: resumed within 15 + 5 s (measured by tests/chaos/kills.test.ts). Jobs whose
      // row lost its job entirely are re-created by the reconciler every RECONCILE_INTERVAL_MS.
      lockDuration: config.WORKER_LOCK_MS,
      stalledInterval: Math.max(1_000, Math.floor(config.WORKER_LOCK_MS / 3)),
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
    worker.on("error", (err) => {
      // During a Redis outage every poll fails; the outage monitor has said so once.
      if (isConnectionError(err)) return services.outages.report("redis", err);
      if (services.outages.isDown("redis")) return;
      log.error({ err, queue: stage.queue }, "worker error");
    });
    return worker;
  };
  const workers = Object.fromEntries(KINDS.map((kind) => [kind, make(kind, STEPS[kind])])) as Record<Kind, Worker<GenerationJobData>>;
  await Promise.all(Object.values(workers).map((w) => w.waitUntilReady()));

  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () =>
    (sweeping = reconcile(services)
      .then((r) => {
        if (r.enqueued || r.failed) log.info(r, "reconciled generations with their jobs");
        return r;
      })
      .catch((err: unknown) => {
        // An outage is reported once by the outage monitor, not as an error per sweep.
        if (isInfrastructureError(err)) services.outages.report(/redis|ioredis/i.test(String(err)) ? "redis" : "database", err);
        else if (!services.outages.isDown("database") && !services.outages.isDown("redis")) log.error({ err }, "reconcile failed");
        return { enqueued: 0, failed: 0 };
      }));
  void sweep();
  const timer = setInterval(() => void sweep(), config.RECONCILE_INTERVAL_MS);
  timer.unref();
  // Photo blobs an interrupted upload left without a row (storage/orphans.ts).
  const orphanTimer = setInterval(
    () => void sweepOrphanImages(services, config.ORPHAN_BLOB_GRACE_MS).catch((err: unknown) => log.warn({ err }, "orphan photo sweep failed")),
    config.ORPHAN_SWEEP_INTERVAL_MS,
  );
  orphanTimer.unref();
  const alertChecks = startAlertChecks(services, services.alerts);

  return {
    workers,
    reconcileNow: (graceMs = 0) => reconcile(services, graceMs),
    checkAlerts: () => alertChecks.check(),
    close: async (deadline = Infinity) => {
      clearInterval(timer);
      clearInterval(orphanTimer);
      alertChecks.stop();
      const graceful = await closeWorkers(Object.values(workers), deadline);
      if (!graceful) log.warn("shutdown timeout: releasing the steps still running to another worker (their locks expire)");
      // A sweep still running would otherwise meet a closed database pool.
      await sweeping;
      await providers.close(!graceful);
      connection.disconnect();
    },
  };
}
