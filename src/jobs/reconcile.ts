// The safety net behind "no row without a job": finds active generations whose job is
// missing (a crash between commit and enqueue, a lost Redis) or ended without ending the row
// (a job that stalled too often), and repairs them. Idempotent; every worker runs it.
import type { Services } from "../services.js";
import { ACTIVE, KINDS, STAGES, type AnyRow, type Kind } from "../generations/stages.js";
import { failGeneration } from "../generations/finished.js";

interface ReconcileResult {
  enqueued: number;
  failed: number;
}

const PAGE = 500;

/** One page (by id) of the active rows of a stage that are ready to run: their upstream is done. */
async function activeRows(services: Services, kind: Kind, olderThan: Date, afterId: string | null): Promise<AnyRow[]> {
  const where = { status: { in: ACTIVE }, updatedAt: { lt: olderThan }, id: afterId ? { gt: afterId } : undefined };
  return STAGES[kind].findReady(services.prisma, where, PAGE);
}

async function* allActiveRows(services: Services, kind: Kind, olderThan: Date) {
  let afterId: string | null = null;
  for (;;) {
    const rows = await activeRows(services, kind, olderThan, afterId);
    yield* rows;
    if (rows.length < PAGE) return;
    afterId = rows[rows.length - 1]!.id;
  }
}

export async function reconcile(services: Services, graceMs = 10_000): Promise<ReconcileResult> {
  const result: ReconcileResult = { enqueued: 0, failed: 0 };
  const olderThan = new Date(Date.now() - graceMs);
  for (const kind of KINDS) {
    for await (const row of allActiveRows(services, kind, olderThan)) {
      const state = await services.jobs.stateOf(kind, row.id, row.attempt);
      if (state === "unknown") {
        await services.jobs.enqueue(kind, row.id, row.attempt);
        result.enqueued++;
      } else if (state === "failed" || state === "completed") {
        const done = await failGeneration(
          services,
          kind,
          row.id,
          { code: "INTERNAL_ERROR", message: "The job stopped unexpectedly; retry it." },
          row.attempt,
        );
        if (done) result.failed++;
      }
    }
  }
  return result;
}
