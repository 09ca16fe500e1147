// generateAd links lyric -> song -> video in an AdRun. A stage is ready to run once the
// stage it builds on (song.lyricId, video.songId) is COMPLETED; when a stage fails or is
// cancelled, the later stages of its run end too, with the cause, instead of waiting forever.
import type { GenerationEventMessage } from "../jobs/events.js";
import { appendEvent } from "./history.js";
import { ACTIVE, KIND_LABEL, type AnyRow, type Kind, type Tx } from "./kinds.js";

export const UPSTREAM_FAILED = "UPSTREAM_FAILED";
export const UPSTREAM_CANCELLED = "UPSTREAM_CANCELLED";

export const NEXT: Record<Kind, Kind | null> = { LYRIC: "SONG", SONG: "VIDEO", VIDEO: null };

async function adRunOf(tx: Tx, kind: Kind, id: string) {
  const where = kind === "LYRIC" ? { lyricId: id } : kind === "SONG" ? { songId: id } : { videoId: id };
  return tx.adRun.findFirst({ where });
}

/** Ids of the stages after `kind` in the same ad run, nearest first. */
export async function laterStages(tx: Tx, kind: Kind, id: string): Promise<{ kind: Kind; id: string }[]> {
  const run = await adRunOf(tx, kind, id);
  if (!run) return [];
  const order: { kind: Kind; id: string }[] = [
    { kind: "LYRIC", id: run.lyricId },
    { kind: "SONG", id: run.songId },
    { kind: "VIDEO", id: run.videoId },
  ];
  return order.slice(order.findIndex((s) => s.kind === kind) + 1);
}

/** Ends the still-waiting later stages of a run after `kind` failed or was cancelled. */
export async function endLaterStages(
  tx: Tx,
  kind: Kind,
  row: AnyRow,
  outcome: "FAILED" | "CANCELLED",
  reason: string,
): Promise<GenerationEventMessage[]> {
  const events: GenerationEventMessage[] = [];
  const verb = outcome === "FAILED" ? "failed" : "was cancelled";
  const errorCode = outcome === "FAILED" ? UPSTREAM_FAILED : UPSTREAM_CANCELLED;
  for (const stage of await laterStages(tx, kind, row.id)) {
    const message = `Not started because the ${KIND_LABEL[kind]} ${verb}: ${reason}`;
    const data = { status: outcome, errorCode, errorMessage: message, finishedAt: new Date() };
    const where = { id: stage.id, status: { in: ACTIVE } };
    const { count } =
      stage.kind === "SONG" ? await tx.song.updateMany({ where, data }) : await tx.video.updateMany({ where, data });
    if (count === 0) continue;
    events.push(
      await appendEvent(tx, {
        projectId: row.projectId,
        kind: stage.kind,
        generationId: stage.id,
        status: outcome,
        progress: 0,
        message,
      }),
    );
  }
  return events;
}

/** The stage to enqueue now that `kind` completed, if it is waiting in the same run. */
export async function nextStage(tx: Tx, kind: Kind, id: string): Promise<{ kind: Kind; id: string; attempt: number } | null> {
  const [next] = await laterStages(tx, kind, id);
  if (!next) return null;
  const row = next.kind === "SONG" ? await tx.song.findUnique({ where: { id: next.id } }) : await tx.video.findUnique({ where: { id: next.id } });
  return row?.status === "QUEUED" ? { kind: next.kind, id: row.id, attempt: row.attempt } : null;
}
