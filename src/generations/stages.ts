// The generation stages, lyric -> song -> video. Everything that differs between them is one
// entry of STAGES (its GraphQL type, its words, its queue, its table, the stage it builds on and
// the one after it, ...); the rest of the code reads these facts here instead of asking
// `kind === ...`. A new stage is a new entry here, a step in jobs/steps/ and its schema type.
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

/** The columns every stage's table has: a patch of only these fits any stage. */
export interface CommonPatch {
  status?: Status;
  progress?: number;
  attempt?: number | { increment: number };
  errorCode?: string | null;
  errorMessage?: string | null;
  startedAt?: Date | null;
  finishedAt?: Date | null;
}
export type Patch<K extends Kind> = CommonPatch | PatchFor<K>;

/** A conditional update's condition: the row, in one of these statuses (and on this attempt). */
interface Guard {
  id: string;
  status: { in: Status[] };
  attempt?: number;
}

/** The common part of a filter over a stage's rows. */
interface RowFilter {
  status?: { in: Status[] };
  updatedAt?: { lt: Date };
  id?: { gt: string };
}

export const ACTIVE: Status[] = ["QUEUED", "PROCESSING"];
export const RETRYABLE_FROM: Status[] = ["FAILED", "CANCELLED"];

export interface Stage<K extends Kind> {
  kind: K;
  /** Its GraphQL object type (and the type in its global ids). */
  typename: "Lyric" | "Song" | "Video";
  /** How messages to users name it ("the song failed"). */
  label: string;
  /** Its BullMQ queue (and the prefix of its job ids). */
  queue: string;
  /** The setting that says how many of its jobs one worker process runs at once. */
  concurrency: "WORKER_CONCURRENCY_LYRIC" | "WORKER_CONCURRENCY_SONG" | "WORKER_CONCURRENCY_VIDEO";
  /** Its table in SQL. */
  table: "lyrics" | "songs" | "videos";
  /** A column only this stage's table has: tells its rows apart from the others'. */
  marker: string;
  /** The stage this one builds on: the column that links to it, and what to say when it did not
   *  complete and a retry of this one is asked for. */
  upstream: { kind: Kind; idOf: (row: RowFor<K>) => string | null; notCompleted: string } | null;
  /** The stage that builds on this one in an ad run. */
  next: Kind | null;
  /** The AdRun column that holds this stage's row. */
  adRunColumn: "lyricId" | "songId" | "videoId";
  /** The provider's id for the task a row waits on (stored the moment the provider accepted it). */
  providerId: { read: (row: RowFor<K>) => string | null; write: (id: string | null) => PatchFor<K> } | null;
  /** The path of the webhook its provider calls back. */
  webhookPath: string | null;
  /** The result columns a retry clears (besides status, progress, errors and times). */
  resetResult: PatchFor<K>;
  find(db: Tx, id: string): Promise<RowFor<K> | null>;
  /** Conditional update; the number of rows changed (0 or 1). */
  update(db: Tx, where: Guard, data: Patch<K>): Promise<number>;
  /** Conditional update that returns the changed rows (UPDATE ... RETURNING: one statement). */
  updateReturning(db: Tx, where: Guard, data: Patch<K>): Promise<RowFor<K>[]>;
  /** A page of rows matching `where` whose upstream (if any) is COMPLETED, by id. */
  findReady(db: Tx, where: RowFilter, take: number): Promise<RowFor<K>[]>;
  /** The id of the project's newest row. */
  latestId(db: Tx, projectId: string): Promise<string | null>;
}

const newestFirst = [{ createdAt: "desc" as const }, { id: "desc" as const }];
const byId = { id: "asc" as const };

export const STAGES: { [K in Kind]: Stage<K> } = {
  LYRIC: {
    kind: "LYRIC",
    typename: "Lyric",
    label: "lyrics",
    queue: "lyric",
    concurrency: "WORKER_CONCURRENCY_LYRIC",
    table: "lyrics",
    marker: "language",
    upstream: null,
    next: "SONG",
    adRunColumn: "lyricId",
    providerId: null,
    webhookPath: null,
    resetResult: { title: null, text: null },
    find: (db, id) => db.lyric.findUnique({ where: { id } }),
    update: async (db, where, data) => (await db.lyric.updateMany({ where, data })).count,
    updateReturning: (db, where, data) => db.lyric.updateManyAndReturn({ where, data }),
    findReady: (db, where, take) => db.lyric.findMany({ where, orderBy: byId, take }),
    latestId: async (db, projectId) => (await db.lyric.findFirst({ where: { projectId }, orderBy: newestFirst, select: { id: true } }))?.id ?? null,
  },
  SONG: {
    kind: "SONG",
    typename: "Song",
    label: "song",
    queue: "song",
    concurrency: "WORKER_CONCURRENCY_SONG",
    table: "songs",
    marker: "providerTaskId",
    upstream: { kind: "LYRIC", idOf: (row) => row.lyricId, notCompleted: "the lyrics this song builds on did not complete: retry them first" },
    next: "VIDEO",
    adRunColumn: "songId",
    providerId: { read: (row) => row.providerTaskId, write: (id) => ({ providerTaskId: id }) },
    webhookPath: "/webhooks/suno",
    resetResult: { providerTaskId: null, providerTrackId: null, providerAudioUrl: null, blobKey: null, imageBlobKey: null, size: null, duration: null, previewUrl: null, selectedTake: null },
    find: (db, id) => db.song.findUnique({ where: { id } }),
    update: async (db, where, data) => (await db.song.updateMany({ where, data })).count,
    updateReturning: (db, where, data) => db.song.updateManyAndReturn({ where, data }),
    findReady: (db, where, take) =>
      db.song.findMany({ where: { ...where, OR: [{ lyricId: null }, { lyric: { status: "COMPLETED" } }] }, orderBy: byId, take }),
    latestId: async (db, projectId) => (await db.song.findFirst({ where: { projectId }, orderBy: newestFirst, select: { id: true } }))?.id ?? null,
  },
  VIDEO: {
    kind: "VIDEO",
    typename: "Video",
    label: "video",
    queue: "video",
    concurrency: "WORKER_CONCURRENCY_VIDEO",
    table: "videos",
    marker: "providerRenderId",
    upstream: { kind: "SONG", idOf: (row) => row.songId, notCompleted: "the song this video builds on did not complete: retry it first" },
    next: null,
    adRunColumn: "videoId",
    providerId: { read: (row) => row.providerRenderId, write: (id) => ({ providerRenderId: id }) },
    webhookPath: "/webhooks/creatomate",
    resetResult: { providerRenderId: null, providerUrl: null, blobKey: null, thumbnailBlobKey: null, size: null, duration: null },
    find: (db, id) => db.video.findUnique({ where: { id } }),
    update: async (db, where, data) => (await db.video.updateMany({ where, data })).count,
    updateReturning: (db, where, data) => db.video.updateManyAndReturn({ where, data }),
    findReady: (db, where, take) =>
      db.video.findMany({ where: { ...where, OR: [{ songId: null }, { song: { status: "COMPLETED" } }] }, orderBy: byId, take }),
    latestId: async (db, projectId) => (await db.video.findFirst({ where: { projectId }, orderBy: newestFirst, select: { id: true } }))?.id ?? null,
  },
};

/** Every stage, in pipeline order. */
export const KINDS = Object.keys(STAGES) as Kind[];

/** The stage of a GraphQL type name (the schema has checked it names a generation). */
export function kindOfTypename(typename: string): Kind {
  const kind = KINDS.find((k) => STAGES[k].typename === typename);
  if (!kind) throw new Error(`${typename} is not a generation type`);
  return kind;
}

/** Which stage a row belongs to, by a column only that stage's table has. */
export const kindOfRow = (row: object): Kind | null => KINDS.find((k) => STAGES[k].marker in row) ?? null;

export function findRow<K extends Kind>(db: Tx, kind: K, id: string): Promise<RowFor<K> | null> {
  return STAGES[kind].find(db, id);
}

/** Conditional update: only when the row is still in one of `from` (and, when given, still on
 *  `attempt`, so a superseded attempt's job can never touch the fresh one). Returns whether it was. */
export async function updateRow<K extends Kind>(db: Tx, kind: K, id: string, from: Status[], data: Patch<K>, attempt?: number): Promise<boolean> {
  const where: Guard = attempt === undefined ? { id, status: { in: from } } : { id, status: { in: from }, attempt };
  return (await STAGES[kind].update(db, where, data)) === 1;
}

/** updateRow that also returns the updated row, in one statement; null when the row was no
 *  longer in `from` (or on `attempt`). */
export async function updateRowReturning<K extends Kind>(db: Tx, kind: K, id: string, from: Status[], data: Patch<K>, attempt?: number): Promise<RowFor<K> | null> {
  const where: Guard = attempt === undefined ? { id, status: { in: from } } : { id, status: { in: from }, attempt };
  return (await STAGES[kind].updateReturning(db, where, data))[0] ?? null;
}

/** The provider's id for the task a row waits on; null before it was submitted (or for a stage
 *  that has no provider task). */
export function providerIdOf<K extends Kind>(kind: K, row: RowFor<K>): string | null {
  return STAGES[kind].providerId?.read(row) ?? null;
}

/** The status of the row `row` builds on: "COMPLETED" for a first stage, undefined when its
 *  upstream row is gone. */
export async function upstreamStatus<K extends Kind>(db: Tx, kind: K, row: RowFor<K>): Promise<Status | undefined> {
  const upstream = STAGES[kind].upstream;
  if (!upstream) return "COMPLETED";
  const id = upstream.idOf(row);
  return id ? (await findRow(db, upstream.kind, id))?.status : undefined;
}

/** A retry's reset: QUEUED from scratch, on the next attempt. */
export function resetFor<K extends Kind>(kind: K): Patch<K> {
  return {
    ...STAGES[kind].resetResult,
    status: "QUEUED",
    progress: 0,
    errorCode: null,
    errorMessage: null,
    startedAt: null,
    finishedAt: null,
    attempt: { increment: 1 },
  };
}
