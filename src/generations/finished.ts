// How a generation ends, and how that is counted. A generation that reaches a final status
// (COMPLETED, FAILED, CANCELLED) is counted in castad_generations_finished_total, and its
// end-to-end time observed, by the process that wrote that status: the worker for what its steps
// complete or fail, the reconciler for jobs that were lost, the API for the user's
// cancellations — each with the later stages of the ad run it ended (UPSTREAM_FAILED,
// UPSTREAM_CANCELLED). Prometheus sums the processes. A failure is also an operator alert, once
// per cause: the later stages it ended are not alerted again.
import type { Services } from "../services.js";
import { endLaterStages, UPSTREAM_FAILED, type EndedRow } from "./chain.js";
import { transition, type HistoryDeps } from "./history.js";
import { ACTIVE, type Kind, type RowFor } from "./stages.js";

export type FinishDeps = Pick<Services, "metrics" | "alerts" | "log">;

/** Counts a row that reached a final status, observes its end-to-end time, alerts a failure. */
export function recordFinished(deps: FinishDeps, { kind, row }: EndedRow) {
  const { status, errorCode } = row;
  deps.metrics.generations.inc({ kind, status, error_code: errorCode ?? "" });
  deps.metrics.generationDuration.observe({ kind, status }, ((row.finishedAt ?? new Date()).getTime() - row.createdAt.getTime()) / 1000);
  if (status === "FAILED" && errorCode !== UPSTREAM_FAILED) {
    void deps.alerts.generationFailed(kind, row.id, errorCode ?? "UNKNOWN").catch((err: unknown) => deps.log.warn({ err }, "could not send a failure alert"));
  }
}

/**
 * Ends an active generation as FAILED or CANCELLED with `code`, and the later stages of its ad
 * run with it (`reason` says why in their messages), in one transaction; then records every row
 * it ended. With `attempt`, only while the row is still on that attempt: a job of a superseded
 * attempt never ends the fresh one. Null when the row was not active (on that attempt) any more.
 */
export async function endGeneration<K extends Kind>(
  deps: HistoryDeps & FinishDeps,
  kind: K,
  id: string,
  end: { outcome: "FAILED" | "CANCELLED"; code: string; message: string; reason: string; attempt?: number | undefined },
): Promise<RowFor<K> | null> {
  const ended: EndedRow[] = [];
  const row = await transition(deps, {
    kind,
    id,
    from: ACTIVE,
    attempt: end.attempt,
    data: { status: end.outcome, errorCode: end.code, errorMessage: end.message, finishedAt: new Date() },
    message: end.message,
    also: (tx, r) => endLaterStages(tx, kind, r, end.outcome, end.reason, ended),
  });
  if (row) for (const r of [{ kind, row }, ...ended]) recordFinished(deps, r);
  return row;
}

/** Ends an active generation as FAILED with the failure's code and message (see endGeneration). */
export function failGeneration<K extends Kind>(deps: HistoryDeps & FinishDeps, kind: K, id: string, info: { code: string; message: string }, attempt?: number) {
  return endGeneration(deps, kind, id, { outcome: "FAILED", code: info.code, message: info.message, reason: info.message, attempt });
}
