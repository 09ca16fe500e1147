// Waking a job that parked itself while a provider works. A parked job is a BullMQ delayed
// job: promoting it makes it run now. If the job is running at that moment, a short-lived
// flag tells it not to park again but to look once more at once.
import type { Services } from "../context.js";
import type { Kind } from "../generations/kinds.js";
import { redisKey } from "../redis.js";
import { jobIdFor } from "./queues.js";

export const wakeFlagKey = (config: Services["config"], jobId: string) => redisKey(config, "wake", jobId);

export async function wakeJob(services: Pick<Services, "config" | "redis" | "jobs">, kind: Kind, id: string, attempt: number): Promise<boolean> {
  const jobId = jobIdFor(kind, id, attempt);
  await services.redis.set(wakeFlagKey(services.config, jobId), "1", "EX", 300);
  const job = await services.jobs.queues[kind].getJob(jobId);
  if (!job) return false;
  try {
    await job.promote();
    return true;
  } catch {
    // Not delayed (running or already woken): the flag covers it.
    return false;
  }
}
