// generateAd links lyric -> song -> video in an AdRun. A stage is ready to run once the
// stage it builds on (song.lyricId, video.songId) is COMPLETED; when a stage fails or is
// cancelled, the later stages of its run end too, with the cause, instead of waiting forever.
import type { GenerationEventMessage } from "../events/message.js";
import { appendEvent } from "./history.js";
import type { Prisma } from "../db/client.js";
import { ACTIVE, STAGES, updateRowReturning, type AnyRow, type Kind, type Tx } from "./stages.js";

export const UPSTREAM_FAILED = "UPSTREAM_FAILED";
export const UPSTREAM_CANCELLED = "UPSTREAM_CANCELLED";

async function adRunOf(tx: Tx, kind: Kind, id: string) {
  const column = STAGES[kind].adRunColumn;
  return tx.adRun.findFirst({ where: { [column]: id } });
}

/** Ids of the stages after `kind` in the same ad run, nearest first. */
export async function laterStages(tx: Tx, kind: Kind, id: string): Promise<{ kind: Kind; id: string }[]> {
  if (!STAGES[kind].next) return []; // the last stage: no run to read
  const run = await adRunOf(tx, kind, id);
  if (!run) return [];
  const later: { kind: Kind; id: string }[] = [];
  for (let next: Kind | null = STAGES[kind].next; next; next = STAGES[next].next) later.push({ kind: next, id: run[STAGES[next].adRunColumn] });
  return later;
}

/** A row a write ended, with its stage (for recordFinished once the write has committed). */
export interface EndedRow {
  kind: Kind;
  row: AnyRow;
}

/** Ends the still-waiting later stages of a run after `kind` failed or was cancelled; the rows
 *  it ended are added to `ended`. */
export async function endLaterStages(
  tx: Tx,
  kind: Kind,
  row: AnyRow,
  outcome: "FAILED" | "CANCELLED",
  reason: string,
  ended: EndedRow[],
): Promise<GenerationEventMessage[]> {
  const events: GenerationEventMessage[] = [];
  const verb = outcome === "FAILED" ? "failed" : "was cancelled";
  const errorCode = outcome === "FAILED" ? UPSTREAM_FAILED : UPSTREAM_CANCELLED;
  for (const stage of await laterStages(tx, kind, row.id)) {
    const message = `Not started because the ${STAGES[kind].label} ${verb}: ${reason}`;
    const data = { status: outcome, errorCode, errorMessage: message, finishedAt: new Date() };
    const later = await updateRowReturning(tx, stage.kind, stage.id, ACTIVE, data);
    if (!later) continue;
    ended.push({ kind: stage.kind, row: later });
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
  const next = STAGES[kind].next;
  if (!next) return null;
  const row = await stageOfRun(tx, next, { [STAGES[kind].adRunColumn]: id });
  return row?.status === "QUEUED" ? { kind: next, id: row.id, attempt: row.attempt } : null;
}

/** The id, status and attempt of the `kind` stage of the run `where` finds, with the run in one
 *  statement (Prisma joins the relation): nextStage runs after every completed lyric and song. */
async function stageOfRun(tx: Tx, kind: Kind, where: Prisma.AdRunWhereInput) {
  const state = { select: { id: true, status: true, attempt: true } } as const;
  switch (kind) {
    case "LYRIC":
      return (await tx.adRun.findFirst({ where, select: { lyric: state } }))?.lyric;
    case "SONG":
      return (await tx.adRun.findFirst({ where, select: { song: state } }))?.song;
    case "VIDEO":
      return (await tx.adRun.findFirst({ where, select: { video: state } }))?.video;
  }
}
