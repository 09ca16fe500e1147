// Small transitions every step uses. Each is guarded by the row's status, so a generation
// cancelled while a step ran is never moved back to PROCESSING or COMPLETED.
import { nextStage } from "../../generations/chain.js";
import { transition } from "../../generations/history.js";
import { findRow, type Kind, type Patch, type RowFor } from "../../generations/stages.js";
import type { Services } from "../../services.js";
import type { WorkerDeps } from "../runner.js";

/** Records progress (never backwards) with a short message; also stores extra fields. */
export async function advance<K extends Kind>(
  deps: Services,
  kind: K,
  row: RowFor<K>,
  progress: number,
  message: string,
  data: Patch<K> = {},
): Promise<RowFor<K> | null> {
  const next = Math.max(row.progress, Math.min(99, Math.round(progress)));
  if (next === row.progress && Object.keys(data).length === 0) return row;
  return transition(deps, { kind, id: row.id, from: ["PROCESSING"], attempt: row.attempt, data: { ...data, progress: next }, message });
}

/** PROCESSING -> COMPLETED, then enqueues the next stage of an ad run waiting for this one.
 *  When the generation was cancelled or deleted while its files were being copied, the files
 *  this attempt wrote (`blobKeys`) are removed instead of left behind. */
export async function complete<K extends Kind>(
  deps: Services,
  kind: K,
  row: RowFor<K>,
  data: Patch<K>,
  message: string,
  blobKeys: (string | null)[] = [],
) {
  // One statement (no `also`): the next stage is looked up after the commit, not inside it.
  // Nothing is lost by that: the lookup only reads, its job id is deterministic (enqueueing
  // twice is one job), the job checks the row's status itself, and if this process dies before
  // enqueueing, the reconciler does it.
  const done = await transition(deps, {
    kind,
    id: row.id,
    from: ["PROCESSING"],
    attempt: row.attempt,
    data: { ...data, status: "COMPLETED", progress: 100, finishedAt: new Date(), errorCode: null, errorMessage: null },
    message,
  });
  const ready = done ? await nextStage(deps.prisma, kind, row.id) : null;
  if (ready) await deps.jobs.enqueue(ready.kind, ready.id, ready.attempt);
  if (!done) {
    const now = await findRow(deps.prisma, kind, row.id);
    // A newer attempt writes the same keys: its files are not ours to remove.
    if (!now || (now.attempt === row.attempt && now.status !== "COMPLETED")) {
      await Promise.all(
        blobKeys.filter((k): k is string => Boolean(k)).map((k) => deps.storage.delete(k).catch(() => undefined)),
      );
    }
  }
  return done;
}

/** Progress reporting for a streamed copy whose size is not known up front: progress
 *  moves from `from` towards `to` as megabytes arrive, at most one event per second, each
 *  update chained after the previous one so they stay in order. */
export function copyReporter<K extends Kind>(deps: Services, kind: K, row: RowFor<K>, from: number, to: number, what: string) {
  let current: RowFor<K> | null = row;
  let chain: Promise<unknown> = Promise.resolve();
  let lastAt = 0;
  return {
    onProgress(bytes: number) {
      const now = Date.now();
      if (now - lastAt < 1000 || !current) return;
      lastAt = now;
      const mb = bytes / (1024 * 1024);
      const pct = from + (to - from) * (1 - 1 / (1 + mb / 8));
      chain = chain
        .then(async () => {
          if (current) current = await advance(deps, kind, current, pct, `Saving the ${what} to storage (${mb.toFixed(1)} MB)`);
        })
        .catch((err: unknown) => deps.log.warn({ err }, "could not record copy progress"));
    },
    /** Waits for pending updates; returns the latest row (null if it left PROCESSING). */
    async settle(): Promise<RowFor<K> | null> {
      await chain;
      return current;
    },
  };
}

const MAX_PICTURE_BYTES = 20 * 1024 * 1024;

/** Copies the picture that goes with a result (a song's cover, a video's thumbnail). It is a
 *  nicety: when it cannot be copied the result is complete without it (null). */
export async function copyPicture(
  deps: WorkerDeps,
  url: string | null,
  key: string,
  provider: "suno" | "creatomate",
  generationId: string,
): Promise<string | null> {
  if (!url) return null;
  try {
    await deps.providers.copyUrlToBlob({ url, storage: deps.storage, key, maxBytes: MAX_PICTURE_BYTES, provider });
    return key;
  } catch (err) {
    deps.log.warn({ err: String(err), generationId, key }, "could not copy a result's picture; leaving it out");
    return null;
  }
}
