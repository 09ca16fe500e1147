// One BullMQ queue per stage. A job only carries which generation (and which attempt) to
// work on; everything else is read from the database, so a job can be re-created at any
// time from its row (see reconcile.ts) and adding it twice is a no-op (deterministic id).
import { Queue, type JobsOptions } from "bullmq";
import type { Config } from "../config.js";
import { bullPrefix, createRedis, type Redis } from "../redis.js";
import type { Kind } from "../generations/kinds.js";

export interface GenerationJobData {
  generationId: string;
  attempt: number;
  /** How many times this attempt has parked itself waiting for a provider. */
  polls?: number;
}

export const QUEUE_NAME: Record<Kind, string> = { LYRIC: "lyric", SONG: "song", VIDEO: "video" };

export const jobIdFor = (kind: Kind, generationId: string, attempt: number) =>
  `${QUEUE_NAME[kind]}-${generationId}-a${attempt}`;

export function jobOptions(config: Pick<Config, "JOB_ATTEMPTS" | "JOB_BACKOFF_MS">): JobsOptions {
  return {
    attempts: Math.max(1, config.JOB_ATTEMPTS),
    backoff: { type: "provider", delay: config.JOB_BACKOFF_MS },
    // Kept for a while so a re-add of the same id stays a no-op and failures can be inspected.
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}

export interface JobQueues {
  queues: Record<Kind, Queue<GenerationJobData>>;
  connection: Redis;
  enqueue(kind: Kind, generationId: string, attempt: number): Promise<void>;
  /** Removes a job that is waiting or parked; a running (locked) job is left to notice. */
  discard(kind: Kind, generationId: string, attempt: number): Promise<void>;
  close(): Promise<void>;
}

export function createQueues(config: Config): JobQueues {
  const connection = createRedis(config, "castad-queues");
  const prefix = bullPrefix(config);
  const make = (kind: Kind) => new Queue<GenerationJobData>(QUEUE_NAME[kind], { connection, prefix });
  const queues: Record<Kind, Queue<GenerationJobData>> = { LYRIC: make("LYRIC"), SONG: make("SONG"), VIDEO: make("VIDEO") };
  const opts = jobOptions(config);
  return {
    queues,
    connection,
    enqueue: async (kind, generationId, attempt) => {
      await queues[kind].add(QUEUE_NAME[kind], { generationId, attempt }, { ...opts, jobId: jobIdFor(kind, generationId, attempt) });
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
