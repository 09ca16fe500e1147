// The three generation stages and the small differences between their tables.
import type { Prisma } from "../db/client.js";
import type { GenerationKind, GenerationStatus } from "../generated/prisma/enums.js";
import type { Lyric, Song, Video } from "../generated/prisma/client.js";

export type Kind = GenerationKind;
export type Status = GenerationStatus;
export type Tx = Prisma.TransactionClient;

export type RowFor<K extends Kind> = K extends "LYRIC" ? Lyric : K extends "SONG" ? Song : Video;
export type PatchFor<K extends Kind> = K extends "LYRIC"
  ? Prisma.LyricUpdateManyMutationInput
  : K extends "SONG"
    ? Prisma.SongUpdateManyMutationInput
    : Prisma.VideoUpdateManyMutationInput;
export type AnyRow = Lyric | Song | Video;

export const ACTIVE: Status[] = ["QUEUED", "PROCESSING"];
export const RETRYABLE_FROM: Status[] = ["FAILED", "CANCELLED"];
export const KINDS: readonly Kind[] = ["LYRIC", "SONG", "VIDEO"];

export const KIND_LABEL: Record<Kind, string> = { LYRIC: "lyrics", SONG: "song", VIDEO: "video" };

export async function findRow<K extends Kind>(db: Tx, kind: K, id: string): Promise<RowFor<K> | null> {
  switch (kind) {
    case "LYRIC":
      return (await db.lyric.findUnique({ where: { id } })) as RowFor<K> | null;
    case "SONG":
      return (await db.song.findUnique({ where: { id } })) as RowFor<K> | null;
    default:
      return (await db.video.findUnique({ where: { id } })) as RowFor<K> | null;
  }
}

/** Conditional update: only when the row is still in one of `from` (and, when given, still on
 *  `attempt`, so a superseded attempt's job can never touch the fresh one). Returns whether it was. */
export async function updateRow<K extends Kind>(
  db: Tx,
  kind: K,
  id: string,
  from: Status[],
  data: PatchFor<K>,
  attempt?: number,
): Promise<boolean> {
  const where = { id, status: { in: from }, ...(attempt !== undefined ? { attempt } : {}) };
  switch (kind) {
    case "LYRIC":
      return (await db.lyric.updateMany({ where, data: data as Prisma.LyricUpdateManyMutationInput })).count === 1;
    case "SONG":
      return (await db.song.updateMany({ where, data: data as Prisma.SongUpdateManyMutationInput })).count === 1;
    default:
      return (await db.video.updateMany({ where, data: data as Prisma.VideoUpdateManyMutationInput })).count === 1;
  }
}
