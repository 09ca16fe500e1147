// Runs one step of a generation job. A step either finishes the generation or asks to be
// woken later; waiting is a BullMQ delayed job, so it holds no worker slot, no database
// connection and no transaction while a provider works. Steps are idempotent: everything
// they need to resume (provider task ids) is in the row, so a crashed step can run again.
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { Services } from "../services.js";
import { failGeneration, recordFinished } from "../generations/finished.js";
import { transition } from "../generations/history.js";
import { ACTIVE, findRow, providerIdOf, STAGES, type AnyRow, type Kind, type RowFor } from "../generations/stages.js";
import { ProviderError, type Providers } from "../providers/index.js";
import { webhooksReach } from "../startup/reachability.js";
import { ProviderTaskFailed, describeFailure, StepFailure } from "./failures.js";
import { isProviderError } from "../providers/errors.js";
import { isInfrastructureError } from "../unavailable.js";
import type { GenerationJobData } from "./queues.js";
import { wakeFlagKey } from "./queues.js";

export interface WorkerDeps extends Services {
  providers: Providers;
}

/** `finished`: the row as the step's own last write left it (saves reading it back). */
type StepResult = { done: true; finished?: AnyRow | null } | { waitMs: number };
export const DONE: StepResult = { done: true };
/** Done, with the row the step's last write returned (null when that write found the row moved on). */
export const doneWith = (finished: AnyRow | null): StepResult => ({ done: true, finished });

/** A stage's work. The runner starts a QUEUED row itself (`start`: QUEUED -> PROCESSING with that
 *  progress and event), so `run` always gets a PROCESSING row of the job's attempt. */
export interface Step<K extends Kind> {
  start: { message: string; progress: number };
  run(deps: WorkerDeps, row: RowFor<K>): Promise<StepResult>;
}

function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  return `${Math.round(seconds / 60)} minutes`;
}

/**
 * How long a job parks before it looks at the provider again, `waitedMs` after its stage
 * started: POLL_INITIAL_MS plus half the time waited so far, at most POLL_MAX_MS. Looks in a row
 * are 1.5x apart (2, 3, 4.5 … s: the schedule of counting the looks, with no count to keep in
 * the job, and a webhook's early wake-up does not stretch it).
 * Webhooks are preferred: when the provider can reach our callback URL (it is the local sandbox,
 * PUBLIC_URL is public, or the operator allowed private URLs), the webhook wakes the job and
 * polls are only a safety net, spaced at least POLL_WITH_WEBHOOKS_MS — every Creatomate poll
 * costs a slot of the account's 30 requests / 10 s.
 */
export function pollDelay(deps: Pick<WorkerDeps, "config">, waitedMs: number, provider?: "suno" | "creatomate"): number {
  const { POLL_INITIAL_MS, POLL_MAX_MS, POLL_WITH_WEBHOOKS_MS } = deps.config;
  const backoff = Math.min(POLL_MAX_MS, POLL_INITIAL_MS + Math.round(waitedMs / 2));
  return provider && webhooksReach(deps.config, provider) ? Math.max(backoff, POLL_WITH_WEBHOOKS_MS) : backoff;
}

/** How long the row's stage has been running (0 before it started). */
export const waitedMs = (row: { startedAt: Date | null }) => (row.startedAt ? Math.max(0, Date.now() - row.startedAt.getTime()) : 0);

/** Our own database or Redis is unavailable (a provider that cannot be reached is the
 *  provider's failure, handled by the step's retry rules). */
const isOutage = (err: unknown) => !isProviderError(err) && !(err instanceof StepFailure) && isInfrastructureError(err);

/** How long a job waits after meeting an outage: 1, 2, 4 … s, at most OUTAGE_BACKOFF_MAX_MS. */
const OUTAGE_BACKOFF_MAX_MS = 30_000;
export const outageDelay = (outages: number) => Math.min(OUTAGE_BACKOFF_MAX_MS, 1_000 * 2 ** Math.min(outages, 10));

/**
 * Runs a step; a database or Redis outage anywhere in it (reading the row, the provider
 * calls' bookkeeping, writing the result) is not a failed attempt: the job parks with capped
 * backoff and runs the step again once the service is back. The row keeps what was already
 * stored — above all the provider's task id, so a finished task is resumed, never paid for
 * twice — and GENERATION_TIMEOUT_SECONDS still bounds the whole generation (checked against
 * the row once the database answers; against the job's age while it does not).
 */
export async function runStep<K extends Kind>(deps: WorkerDeps, kind: K, step: Step<K>, job: Job<GenerationJobData>, token?: string) {
  try {
    return await runStepOnce(deps, kind, step, job, token);
  } catch (err) {
    if (err instanceof DelayedError || err instanceof UnrecoverableError || !isOutage(err)) throw err;
    const outages = job.data.outages ?? 0;
    const age = Date.now() - job.timestamp;
    if (age > deps.config.GENERATION_TIMEOUT_SECONDS * 1000 + OUTAGE_BACKOFF_MAX_MS) throw err; // a normal failed attempt, finally
    deps.log.warn({ kind, generationId: job.data.generationId, outages, err: String((err as Error)?.message ?? err) }, "database or redis unavailable; trying again later");
    // If Redis itself is down these fail too: the job's lock then lapses and BullMQ hands the
    // job out again once Redis is back (or the reconciler re-creates it), still without
    // counting an attempt.
    await job.updateData({ ...job.data, outages: outages + 1 });
    await job.moveToDelayed(Date.now() + outageDelay(outages), token);
    throw new DelayedError();
  }
}

async function runStepOnce<K extends Kind>(deps: WorkerDeps, kind: K, step: Step<K>, job: Job<GenerationJobData>, token?: string) {
  const { generationId, attempt } = job.data;
  const wakeFlag = wakeFlagKey(deps.config, job.id!);
  // A job's first run finds its row QUEUED, so it starts the row straight away: the guarded
  // start write is the statement that reads it too (one statement fewer per stage of every ad).
  // It needs no wake flag cleared either: no task exists yet whose webhook could have left one.
  // BullMQ counts every start of a job (this one included): a retry, a run after a park or an
  // outage, a stalled run handed out again. Any other run — or a first run whose row is not
  // QUEUED any more (cancelled; or a job the reconciler re-created) — reads the row first.
  const firstRun = job.attemptsStarted <= 1;
  const claimed = firstRun ? await startRow(deps, kind, generationId, attempt, step.start) : null;
  const found = claimed ? { row: claimed, started: true } : await readRow(deps, kind, step, job, wakeFlag);
  if (typeof found === "string") return found;
  const { row } = found;
  const log = deps.log.child({ kind, generationId, attempt, jobId: job.id });
  if (found.started) log.info("generation started");
  const stepTimer = deps.metrics.stepDuration.startTimer({ kind });
  let result: StepResult;
  try {
    result = await step.run(deps, row);
  } catch (err) {
    if (isOutage(err)) throw err; // runStep parks it: not an attempt
    const info = describeFailure(err);
    if (err instanceof ProviderError) deps.metrics.providerErrors.inc({ provider: err.provider, code: err.code });
    if (info.retryable && providerIdOf(kind, row) !== null && !(err instanceof ProviderTaskFailed)) {
      // The provider already has the task: a failed look at it (or a failed copy of its
      // result) is not a failed attempt. Look again later; GENERATION_TIMEOUT bounds this.
      stepTimer({ result: "provider-check-failed" });
      log.warn({ code: info.code, err: String((err as Error)?.message ?? err) }, "provider check failed; looking again later");
      await transition(deps, { kind, id: row.id, from: ["PROCESSING"], attempt, data: {}, message: `${info.message} Checking again shortly.` });
      return park(Math.max(info.retryAfterMs ?? 0, pollDelay(deps, waitedMs(row))));
    }
    const maxAttempts = job.opts.attempts ?? 1;
    const last = job.attemptsMade + 1 >= maxAttempts;
    const jobLog = log.child({ jobAttempt: job.attemptsMade + 1 });
    if (info.retryable && !last) {
      stepTimer({ result: "retry" });
      jobLog.warn({ code: info.code, err: String((err as Error)?.message ?? err) }, "step failed; will retry");
      await transition(deps, {
        kind,
        id: row.id,
        from: ["PROCESSING"],
        attempt,
        data: {},
        message: `${info.message} Trying again (attempt ${job.attemptsMade + 2} of ${maxAttempts}).`,
      });
      throw err;
    }
    stepTimer({ result: "failed" });
    // A provider's refusal or a user mistake is a normal outcome, not a server error.
    jobLog.info({ code: info.code, durationMs: Date.now() - row.createdAt.getTime() }, "generation failed");
    await failGeneration(deps, kind, row.id, info, attempt);
    throw new UnrecoverableError(info.code);
  }
  if ("done" in result) {
    stepTimer({ result: "done" });
    const final = result.finished ?? (await findRow(deps.prisma, kind, generationId));
    if (final && final.attempt === attempt && !ACTIVE.includes(final.status)) {
      const durationMs = (final.finishedAt ?? new Date()).getTime() - final.createdAt.getTime();
      log.info({ status: final.status, errorCode: final.errorCode ?? undefined, durationMs }, "generation finished");
      // Only a step completes a row; a row that ended otherwise meanwhile (cancelled, failed by
      // the reconciler) was counted by whoever ended it.
      if (final.status === "COMPLETED") recordFinished(deps, { kind, row: final });
    }
    return "done";
  }
  stepTimer({ result: "waiting" });
  return park(result.waitMs);

  async function park(waitMs: number): Promise<never> {
    // A webhook that arrived while this step ran would otherwise wait for the next poll.
    const woken = await deps.redis.del(wakeFlag);
    await job.moveToDelayed(Date.now() + (woken ? 0 : waitMs), token);
    // A webhook that arrived between the check above and the move found the job still active
    // (so it could not promote it) and only left the flag: promote now, or that wake-up would be
    // lost until the next poll.
    if (!woken && (await deps.redis.exists(wakeFlag))) await job.promote().catch(() => undefined);
    throw new DelayedError();
  }
}

/** QUEUED -> PROCESSING on `attempt`, with the step's start event; null when the row was not
 *  QUEUED on that attempt. */
function startRow<K extends Kind>(deps: Services, kind: K, id: string, attempt: number, start: Step<K>["start"]): Promise<RowFor<K> | null> {
  return transition(deps, { kind, id, from: ["QUEUED"], attempt, data: { status: "PROCESSING", progress: start.progress, startedAt: new Date() }, message: start.message });
}

/** The row a run works on, read, and started if it is still QUEUED (`started`); "skipped" when
 *  the job has nothing left to do, "timed-out" when the generation ran out of time (failed here). */
async function readRow<K extends Kind>(
  deps: WorkerDeps,
  kind: K,
  step: Step<K>,
  job: Job<GenerationJobData>,
  wakeFlag: string,
): Promise<{ row: RowFor<K>; started: boolean } | "skipped" | "timed-out"> {
  const { generationId, attempt } = job.data;
  const row = await findRow(deps.prisma, kind, generationId);
  // Deleted, cancelled, finished, or superseded by a retry: nothing to do.
  if (!row || !ACTIVE.includes(row.status) || row.attempt !== attempt) return "skipped";
  if (waitedMs(row) > deps.config.GENERATION_TIMEOUT_SECONDS * 1000) {
    await failGeneration(
      deps,
      kind,
      row.id,
      {
        code: "GENERATION_TIMEOUT",
        message: `The ${STAGES[kind].label} took longer than ${formatDuration(deps.config.GENERATION_TIMEOUT_SECONDS)}; try again.`,
      },
      attempt,
    );
    deps.log.info({ kind, generationId, attempt, code: "GENERATION_TIMEOUT" }, "generation failed");
    return "timed-out";
  }
  await deps.redis.del(wakeFlag); // this run looks at the provider anyway
  if (row.status !== "QUEUED") return { row, started: false };
  const started = await startRow(deps, kind, row.id, attempt, step.start);
  return started ? { row: started, started: true } : "skipped";
}
