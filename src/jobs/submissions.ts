// No paid duplicates. Between "the provider accepted a task" and "its id is in our row" lies a
// window: a worker killed there, or a database that fails the write, would leave a row without a
// task id, and the next run would submit — and pay — again. So each submission is recorded in
// Redis around the provider call (per generation attempt):
//   "submitting:<ms>" before the call, "task:<id>" the moment the id is known (before the row).
// A run that finds no task id in the row asks here first:
// - "task:<id>": adopt that id (the row write failed or the worker died right after);
// - "submitting": the provider may have the task: wait for its signed callback (the webhook
//   route adopts the task id from it, see adoptFromCallback) for SUBMIT_GRACE_MS, and only then
//   submit again;
// - nothing: submit.
// A submission the provider refused outright (an HTTP error answer) is forgotten at once.
import type { Config } from "../config.js";
import { redisKey, type Redis } from "../redis.js";
import type { Kind } from "../generations/stages.js";

const TTL_MS = 24 * 3600 * 1000;

const key = (config: Pick<Config, "REDIS_PREFIX">, kind: Kind, id: string, attempt: number) =>
  redisKey(config, "submission", kind, id, `a${attempt}`);

type Deps = { redis: Redis; config: Pick<Config, "REDIS_PREFIX" | "SUBMIT_GRACE_MS"> };

export type PendingSubmission = { taskId: string } | { waitMs: number } | null;

/** What an earlier run of this attempt left: a task id to adopt, a submission to wait for, or nothing. */
export async function pendingSubmission(deps: Deps, kind: Kind, id: string, attempt: number): Promise<PendingSubmission> {
  const value = await deps.redis.get(key(deps.config, kind, id, attempt));
  if (!value) return null;
  if (value.startsWith("task:")) return { taskId: value.slice("task:".length) };
  const since = Number(value.slice("submitting:".length));
  const left = since + deps.config.SUBMIT_GRACE_MS - Date.now();
  return left > 0 ? { waitMs: Math.min(left, 5_000) } : null;
}

export async function beginSubmission(deps: Deps, kind: Kind, id: string, attempt: number): Promise<void> {
  await deps.redis.set(key(deps.config, kind, id, attempt), `submitting:${Date.now()}`, "PX", TTL_MS);
}

export async function recordSubmitted(deps: Deps, kind: Kind, id: string, attempt: number, taskId: string): Promise<void> {
  await deps.redis.set(key(deps.config, kind, id, attempt), `task:${taskId}`, "PX", TTL_MS);
}

export async function forgetSubmission(deps: Deps, kind: Kind, id: string, attempt: number): Promise<void> {
  await deps.redis.del(key(deps.config, kind, id, attempt));
}

/** From the webhook route: the provider called back about a task of this generation while its
 *  submission's answer was lost. Records the task id if a submission is pending; true if so. */
export async function adoptFromCallback(deps: Pick<Deps, "redis"> & { config: Pick<Config, "REDIS_PREFIX"> }, kind: Kind, id: string, attempt: number, taskId: string): Promise<boolean> {
  const k = key(deps.config, kind, id, attempt);
  const value = await deps.redis.get(k);
  if (!value?.startsWith("submitting:")) return false;
  await deps.redis.set(k, `task:${taskId}`, "PX", TTL_MS);
  return true;
}
