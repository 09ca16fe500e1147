// Runs one step of a generation job. A step either finishes the generation or asks to be
// woken later; waiting is a BullMQ delayed job, so it holds no worker slot, no database
// connection and no transaction while a provider works. Steps are idempotent: everything
// they need to resume (provider task ids) is in the row, so a crashed step can run again.
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { Services } from "../context.js";
import { endLaterStages } from "../generations/chain.js";
import { transition } from "../generations/history.js";
import { ACTIVE, findRow, KIND_LABEL, type Kind, type PatchFor, type RowFor } from "../generations/kinds.js";
import type { Providers } from "../providers/index.js";
import { describeFailure, type FailureInfo } from "./failures.js";
import type { GenerationJobData } from "./queues.js";
import { wakeFlagKey } from "./wake.js";

export interface WorkerDeps extends Services {
  providers: Providers;
}

export type StepResult = { done: true } | { waitMs: number };
export const DONE: StepResult = { done: true };

export type Step<K extends Kind> = (deps: WorkerDeps, row: RowFor<K>, job: Job<GenerationJobData>) => Promise<StepResult>;

export function pollDelay(deps: Pick<WorkerDeps, "config">, polls: number): number {
  const { POLL_INITIAL_MS, POLL_MAX_MS } = deps.config;
  return Math.min(POLL_MAX_MS, Math.round(POLL_INITIAL_MS * 1.5 ** polls));
}

export async function failGeneration(deps: Services, kind: Kind, id: string, info: Pick<FailureInfo, "code" | "message">) {
  return transition(deps, {
    kind,
    id,
    from: ACTIVE,
    data: { status: "FAILED", errorCode: info.code, errorMessage: info.message, finishedAt: new Date() },
    message: info.message,
    also: (tx, row) => endLaterStages(tx, kind, row, "FAILED", info.message),
  });
}

export async function runStep<K extends Kind>(deps: WorkerDeps, kind: K, step: Step<K>, job: Job<GenerationJobData>, token?: string) {
  const { generationId, attempt } = job.data;
  const row = await findRow(deps.prisma, kind, generationId);
  // Deleted, cancelled, finished, or superseded by a retry: nothing to do.
  if (!row || !ACTIVE.includes(row.status) || row.attempt !== attempt) return "skipped";
  if (row.startedAt && Date.now() - row.startedAt.getTime() > deps.config.GENERATION_TIMEOUT_SECONDS * 1000) {
    await failGeneration(deps, kind, row.id, {
      code: "GENERATION_TIMEOUT",
      message: `The ${KIND_LABEL[kind]} took longer than ${Math.round(deps.config.GENERATION_TIMEOUT_SECONDS / 60)} minutes; try again.`,
    });
    return "timed-out";
  }
  const wakeFlag = wakeFlagKey(deps.config, job.id!);
  await deps.redis.del(wakeFlag); // this run looks at the provider anyway
  let result: StepResult;
  try {
    result = await step(deps, row, job);
  } catch (err) {
    const info = describeFailure(err);
    const maxAttempts = job.opts.attempts ?? 1;
    const last = job.attemptsMade + 1 >= maxAttempts;
    const log = deps.log.child({ kind, generationId, attempt, jobAttempt: job.attemptsMade + 1 });
    if (info.retryable && !last) {
      log.warn({ code: info.code, err: String((err as Error)?.message ?? err) }, "step failed; will retry");
      await transition(deps, {
        kind,
        id: row.id,
        from: ["PROCESSING"],
        data: {} as PatchFor<K>,
        message: `${info.message} Trying again (attempt ${job.attemptsMade + 2} of ${maxAttempts}).`,
      });
      throw err;
    }
    log.warn({ code: info.code }, "generation failed");
    await failGeneration(deps, kind, row.id, info);
    throw new UnrecoverableError(info.code);
  }
  if ("done" in result) return "done";
  // A webhook that arrived while this step ran would otherwise wait for the next poll.
  const woken = await deps.redis.del(wakeFlag);
  await job.updateData({ ...job.data, polls: (job.data.polls ?? 0) + 1 });
  await job.moveToDelayed(Date.now() + (woken ? 0 : result.waitMs), token);
  throw new DelayedError();
}
