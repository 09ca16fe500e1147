// One BullMQ queue per stage. A job only carries which generation (and which attempt) to
// work on; everything else is read from the database, so a job can be re-created at any
// time from its row (see reconcile.ts) and adding it twice is a no-op (deterministic id).
import { Queue, type JobsOptions } from "bullmq";
import type { Config } from "../config.js";
import { bullPrefix, createRedis, redisKey, type Redis } from "../redis.js";
import { KINDS, STAGES, type Kind } from "../generations/stages.js";
import { currentCorrelation, traceparentOf } from "../correlation.js";

export interface GenerationJobData {
  generationId: string;
  attempt: number;
  /** How many times it has parked because the database or Redis was unavailable. */
  outages?: number;
  /** The request (or job) that caused this job: its log lines carry the same ids. */
  requestId?: string;
  traceparent?: string;
}

export const jobIdFor = (kind: Kind, generationId: string, attempt: number) =>
  `${STAGES[kind].queue}-${generationId}-a${attempt}`;

function jobOptions(config: Pick<Config, "JOB_ATTEMPTS" | "JOB_BACKOFF_MS">): JobsOptions {
  return {
    attempts: Math.max(1, config.JOB_ATTEMPTS),
    backoff: { type: "provider", delay: config.JOB_BACKOFF_MS },
    // Kept for a while so a re-add of the same id stays a no-op and failures can be inspected.
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}

/** Set when a job is woken while it runs, so that it looks again instead of parking. */
export const wakeFlagKey = (config: Pick<Config, "REDIS_PREFIX">, jobId: string) => redisKey(config, "wake", jobId);

type JobState = Awaited<ReturnType<Queue["getJobState"]>>;

export interface JobQueues {
  queues: Record<Kind, Queue<GenerationJobData>>;
  connection: Redis;
  enqueue(kind: Kind, generationId: string, attempt: number): Promise<void>;
  /** The BullMQ state of a generation attempt's job ("unknown" when there is none). */
  stateOf(kind: Kind, generationId: string, attempt: number): Promise<JobState>;
  /** Makes a parked job run now; a running one is flagged to look again instead of parking.
   *  Returns whether a parked job was promoted. */
  wake(kind: Kind, generationId: string, attempt: number): Promise<boolean>;
  /** Removes a job that is waiting or parked; a running (locked) job is left to notice. */
  discard(kind: Kind, generationId: string, attempt: number): Promise<void>;
  close(): Promise<void>;
}

/** `onError`: a queue's connection errors (BullMQ prints them to the console when nobody listens). */
export function createQueues(config: Config, onError: (err: Error) => void = () => {}): JobQueues {
  const connection = createRedis(config, "castad-queues", { failFast: true });
  const prefix = bullPrefix(config);
  const queues = Object.fromEntries(
    KINDS.map((kind) => {
      const queue = new Queue<GenerationJobData>(STAGES[kind].queue, { connection, prefix });
      queue.on("error", onError);
      return [kind, queue];
    }),
  ) as Record<Kind, Queue<GenerationJobData>>;
  const opts = jobOptions(config);
  return {
    queues,
    connection,
    enqueue: async (kind, generationId, attempt) => {
      const c = currentCorrelation();
      const data: GenerationJobData = { generationId, attempt, ...(c ? { requestId: c.requestId, traceparent: traceparentOf(c) } : {}) };
      await queues[kind].add(STAGES[kind].queue, data, { ...opts, jobId: jobIdFor(kind, generationId, attempt) });
    },
    stateOf: (kind, generationId, attempt) => queues[kind].getJobState(jobIdFor(kind, generationId, attempt)),
    wake: async (kind, generationId, attempt) => {
      const jobId = jobIdFor(kind, generationId, attempt);
      await connection.set(wakeFlagKey(config, jobId), "1", "EX", 300);
      const job = await queues[kind].getJob(jobId);
      if (!job) return false;
      try {
        await job.promote();
        return true;
      } catch {
        // Not delayed (running or already woken): the flag covers it.
        return false;
      }
    },
    discard: async (kind, generationId, attempt) => {
      const job = await queues[kind].getJob(jobIdFor(kind, generationId, attempt));
      if (!job) return;
      const state = await job.getState();
      if (state === "waiting" || state === "delayed" || state === "prioritized") await job.remove().catch(() => {});
    },
    close: async () => {
      await Promise.all(Object.values(queues).map((q) => q.close()));
      connection.disconnect();
    },
  };
}
