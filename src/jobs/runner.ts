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

function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  return `${Math.round(seconds / 60)} minutes`;
}

export function pollDelay(deps: Pick<WorkerDeps, "config">, polls: number): number {
  const { POLL_INITIAL_MS, POLL_MAX_MS } = deps.config;
  return Math.min(POLL_MAX_MS, Math.round(POLL_INITIAL_MS * 1.5 ** polls));
}

/** Ends an active generation as FAILED (and the later stages of its ad run). With `attempt`,
 *  only while the row is still on that attempt: a job of a superseded attempt never fails the
 *  fresh one. */
export async function failGeneration(deps: Services, kind: Kind, id: string, info: Pick<FailureInfo, "code" | "message">, attempt?: number) {
  return transition(deps, {
    kind,
    id,
    from: ACTIVE,
    ...(attempt !== undefined ? { attempt } : {}),
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
    await failGeneration(
      deps,
      kind,
      row.id,
      {
        code: "GENERATION_TIMEOUT",
        message: `The ${KIND_LABEL[kind]} took longer than ${formatDuration(deps.config.GENERATION_TIMEOUT_SECONDS)}; try again.`,
      },
      attempt,
    );
    return "timed-out";
  }
  const wakeFlag = wakeFlagKey(deps.config, job.id!);
  await deps.redis.del(wakeFlag); // this run looks at the provider anyway
  let result: StepResult;
  try {
    result = await step(deps, row, job);
  } catch (err) {
    const info = describeFailure(err);
    const log0 = deps.log.child({ kind, generationId, attempt });
    if (info.retryable && providerRef(row) !== null) {
      // The provider already has the task: a failed look at it (or a failed copy of its
      // result) is not a failed attempt. Look again later; GENERATION_TIMEOUT bounds this.
      log0.warn({ code: info.code, err: String((err as Error)?.message ?? err) }, "provider check failed; looking again later");
      await transition(deps, { kind, id: row.id, from: ["PROCESSING"], attempt, data: {} as PatchFor<K>, message: `${info.message} Checking again shortly.` });
      return park(Math.max(info.retryAfterMs ?? 0, pollDelay(deps, job.data.polls ?? 0)));
    }
    const maxAttempts = job.opts.attempts ?? 1;
    const last = job.attemptsMade + 1 >= maxAttempts;
    const log = deps.log.child({ kind, generationId, attempt, jobAttempt: job.attemptsMade + 1 });
    if (info.retryable && !last) {
      log.warn({ code: info.code, err: String((err as Error)?.message ?? err) }, "step failed; will retry");
      await transition(deps, {
        kind,
        id: row.id,
        from: ["PROCESSING"],
        attempt,
        data: {} as PatchFor<K>,
        message: `${info.message} Trying again (attempt ${job.attemptsMade + 2} of ${maxAttempts}).`,
      });
      throw err;
    }
    log.warn({ code: info.code }, "generation failed");
    await failGeneration(deps, kind, row.id, info, attempt);
    throw new UnrecoverableError(info.code);
  }
  if ("done" in result) return "done";
  return park(result.waitMs);

  async function park(waitMs: number): Promise<never> {
  // A webhook that arrived while this step ran would otherwise wait for the next poll.
  const woken = await deps.redis.del(wakeFlag);
  await job.updateData({ ...job.data, polls: (job.data.polls ?? 0) + 1 });
  await job.moveToDelayed(Date.now() + (woken ? 0 : waitMs), token);
  // A webhook that arrived between the check above and the move found the job still active
  // (so it could not promote it) and only left the flag: promote now, or that wake-up would be
  // lost until the next poll.
  if (!woken && (await deps.redis.exists(wakeFlag))) await job.promote().catch(() => undefined);
  throw new DelayedError();
  }
}

/** The provider's id for the task this generation waits on, once submitted. */
function providerRef(row: object): string | null {
  if ("providerTaskId" in row && typeof row.providerTaskId === "string") return row.providerTaskId;
  if ("providerRenderId" in row && typeof row.providerRenderId === "string") return row.providerRenderId;
  return null;
}
