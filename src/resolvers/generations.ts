// Starting, retrying and cancelling generations. Each call writes the row(s) as QUEUED with
// their first event in one transaction, then enqueues. A crash between the two leaves a
// QUEUED row that the workers' reconciler enqueues (job ids are deterministic, so a second
// add is a no-op): no row is ever left without a job, and no job exists without its row.
import { requireRedis } from "../unavailable.js";
import { claimAllowance } from "../generations/allowance.js";
import { z } from "zod";
import type { Services } from "../services.js";
import type { SignedInContext } from "../http/context.js";
import { AppError, ErrorCode, alreadyProcessing, failedPrecondition, notFound } from "../errors.js";
import { Prisma } from "../db/client.js";
import { appendEvent, commit } from "../generations/history.js";
import { laterStages, UPSTREAM_CANCELLED, UPSTREAM_FAILED } from "../generations/chain.js";
import { endGeneration } from "../generations/finished.js";
import { ACTIVE, findRow, KINDS, kindOfTypename, resetFor, RETRYABLE_FROM, STAGES, updateRow, upstreamStatus, type AnyRow, type Kind, type Tx } from "../generations/stages.js";
import type { GenerationEventMessage } from "../events/message.js";
import { findOwnedProject } from "./projects.js";
import { parseInput } from "./validate.js";
import { usableTemplate } from "./templates.js";

type Ctx = Pick<SignedInContext, "services" | "viewer">;
/** A Lyric, Song or Video as a decoded global id (the schema checked the typename). */
export type GenerationId = { typename: string; id: string };

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .nullish()
    .transform((v) => v || null);

/** Input limits, also quoted in the schema's descriptions. */
export const GENERATION_LIMITS = { mood: 100, lyricStyle: 200, extraPrompt: 1000, songStyle: 200, songTitle: 80 } as const;

export const GenerateLyricInput = z
  .object({
    mood: optionalText(GENERATION_LIMITS.mood),
    style: optionalText(GENERATION_LIMITS.lyricStyle),
    extraPrompt: optionalText(GENERATION_LIMITS.extraPrompt),
  })
  .nullish()
  .transform((v) => v ?? { mood: null, style: null, extraPrompt: null });

export const GenerateSongInput = z
  .object({ style: optionalText(GENERATION_LIMITS.songStyle), title: optionalText(GENERATION_LIMITS.songTitle) })
  .nullish()
  .transform((v) => v ?? { style: null, title: null });

const TemplateId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, "must be a template id (letters, digits, - and _)")
  .nullish()
  .transform((v) => v || null);

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}

const busy = (kind: Kind) =>
  alreadyProcessing(`a ${STAGES[kind].label} generation is already queued or running for this project; wait for it or cancel it`);

/** Creates rows and events in one transaction; a second active run of a stage is refused by
 *  the database's partial unique index, which is what makes concurrent calls safe. */
async function createQueued<T>(
  services: Services,
  kind: Kind,
  allowance: { ownerId: string; rows: number; ads: number },
  write: (tx: Tx) => Promise<{ result: T; events: GenerationEventMessage[] }>,
) {
  // Nothing is written while the queue cannot be reached: the client gets SERVICE_UNAVAILABLE
  // at once, not a success whose job would only start when Redis is back.
  requireRedis(services.jobs.connection);
  try {
    // Concurrent calls for one project queue up on the partial unique index while holding a
    // pooled connection; the others must be allowed to wait for one (the default 2 s is short
    // under a burst) so that they end as ALREADY_PROCESSING, not as a pool timeout.
    // The per-user quota is claimed in the same transaction, before any row exists.
    const guarded = async (tx: Tx) => {
      await claimAllowance(tx, services.config, allowance.ownerId, allowance);
      return write(tx);
    };
    return (await commit(services, guarded, { maxWait: 10_000 })) as T;
  } catch (err) {
    if (isUniqueViolation(err)) throw busy(kind);
    throw err;
  }
}

const queuedEvent = (tx: Tx, projectId: string, kind: Kind, generationId: string, message: string) =>
  appendEvent(tx, { projectId, kind, generationId, status: "QUEUED", progress: 0, message });

async function enqueueOrLog(services: Services, kind: Kind, id: string, attempt: number) {
  try {
    await services.jobs.enqueue(kind, id, attempt);
  } catch (err) {
    // The row is durable; the reconciler will enqueue it once Redis is reachable again.
    services.log.error({ err, kind, id }, "could not enqueue generation job; the reconciler will retry");
  }
}

export async function generateLyric(ctx: Ctx, projectId: string, rawInput: unknown) {
  const project = await findOwnedProject(ctx, projectId);
  const input = parseInput(GenerateLyricInput, rawInput);
  const lyric = await createQueued(ctx.services, "LYRIC", { ownerId: ctx.viewer.id, rows: 1, ads: 0 }, async (tx) => {
    const row = await tx.lyric.create({ data: { projectId: project.id, language: project.language, ...input } });
    return { result: row, events: [await queuedEvent(tx, project.id, "LYRIC", row.id, "Waiting to write the lyrics")] };
  });
  await enqueueOrLog(ctx.services, "LYRIC", lyric.id, lyric.attempt);
  return lyric;
}

async function completedLyric(ctx: Ctx, projectId: string, id: string | null | undefined) {
  if (id) {
    const lyric = await ctx.services.prisma.lyric.findFirst({ where: { id, projectId } });
    if (!lyric) throw notFound("lyric");
    if (lyric.status !== "COMPLETED") throw failedPrecondition(`that lyric is ${lyric.status}; a song needs COMPLETED lyrics`);
    return lyric;
  }
  const lyric = await ctx.services.prisma.lyric.findFirst({
    where: { projectId, status: "COMPLETED" },
    orderBy: [{ finishedAt: "desc" }, { createdAt: "desc" }],
  });
  if (!lyric) throw failedPrecondition("this project has no completed lyrics yet: run generateLyric first");
  return lyric;
}

export async function generateSong(ctx: Ctx, projectId: string, lyricId: string | null | undefined, rawInput: unknown) {
  const project = await findOwnedProject(ctx, projectId);
  const input = parseInput(GenerateSongInput, rawInput);
  const lyric = await completedLyric(ctx, project.id, lyricId);
  const song = await createQueued(ctx.services, "SONG", { ownerId: ctx.viewer.id, rows: 1, ads: 0 }, async (tx) => {
    const row = await tx.song.create({
      data: { projectId: project.id, lyricId: lyric.id, style: input.style, title: input.title ?? lyric.title },
    });
    return { result: row, events: [await queuedEvent(tx, project.id, "SONG", row.id, "Waiting to compose the song")] };
  });
  await enqueueOrLog(ctx.services, "SONG", song.id, song.attempt);
  return song;
}

async function requirePhotos(ctx: Ctx, projectId: string) {
  const photos = await ctx.services.prisma.projectImage.count({ where: { projectId } });
  if (photos === 0) throw failedPrecondition("this project has no photos: upload at least one with uploadProjectImages");
}

export async function generateVideo(
  ctx: Ctx,
  projectId: string,
  songId: string | null | undefined,
  rawTemplateId: unknown,
) {
  const project = await findOwnedProject(ctx, projectId);
  await requirePhotos(ctx, project.id);
  const templateId = await usableTemplate(ctx, parseInput(TemplateId, rawTemplateId, "templateId"));
  let song;
  if (songId) {
    song = await ctx.services.prisma.song.findFirst({ where: { id: songId, projectId: project.id } });
    if (!song) throw notFound("song");
    if (song.status !== "COMPLETED") throw failedPrecondition(`that song is ${song.status}; a video needs a COMPLETED song`);
  } else {
    song = await ctx.services.prisma.song.findFirst({
      where: { projectId: project.id, status: "COMPLETED" },
      orderBy: [{ finishedAt: "desc" }, { createdAt: "desc" }],
    });
    if (!song) throw failedPrecondition("this project has no completed song yet: run generateSong first");
  }
  const video = await createQueued(ctx.services, "VIDEO", { ownerId: ctx.viewer.id, rows: 1, ads: 1 }, async (tx) => {
    const row = await tx.video.create({ data: { projectId: project.id, songId: song.id, templateId } });
    return { result: row, events: [await queuedEvent(tx, project.id, "VIDEO", row.id, "Waiting to render the video")] };
  });
  await enqueueOrLog(ctx.services, "VIDEO", video.id, video.attempt);
  return video;
}

export async function generateAd(ctx: Ctx, projectId: string, rawTemplateId: unknown = null) {
  const project = await findOwnedProject(ctx, projectId);
  await requirePhotos(ctx, project.id);
  // Checked before anything is spent: an unusable template would fail only after the lyrics
  // and the song were paid for.
  const templateId = await usableTemplate(ctx, parseInput(TemplateId, rawTemplateId, "templateId"));
  const run = await createQueued(ctx.services, "LYRIC", { ownerId: ctx.viewer.id, rows: 3, ads: 1 }, async (tx) => {
    const lyric = await tx.lyric.create({ data: { projectId: project.id, language: project.language } });
    const song = await tx.song.create({ data: { projectId: project.id, lyricId: lyric.id } });
    const video = await tx.video.create({ data: { projectId: project.id, songId: song.id, templateId } });
    const adRun = await tx.adRun.create({ data: { projectId: project.id, lyricId: lyric.id, songId: song.id, videoId: video.id } });
    const events = [
      await queuedEvent(tx, project.id, "LYRIC", lyric.id, "Waiting to write the lyrics"),
      await queuedEvent(tx, project.id, "SONG", song.id, "Waiting for the lyrics"),
      await queuedEvent(tx, project.id, "VIDEO", video.id, "Waiting for the song"),
    ];
    return { result: { ...adRun, lyric, song, video }, events };
  }).catch((err: unknown) => {
    // Any of the three stages may be the busy one; say which.
    if (err instanceof AppError && err.code === ErrorCode.ALREADY_PROCESSING) {
      throw alreadyProcessing("a lyric, song or video generation is already queued or running for this project; wait for it or cancel it");
    }
    throw err;
  });
  await enqueueOrLog(ctx.services, "LYRIC", run.lyric.id, run.lyric.attempt);
  return run;
}

/** Finds a Lyric, Song or Video by global id among the viewer's projects. */
async function ownedGeneration(ctx: Ctx, { typename, id }: GenerationId): Promise<{ kind: Kind; row: AnyRow }> {
  const kind = kindOfTypename(typename);
  const row = await findRow(ctx.services.prisma, kind, id);
  if (!row) throw notFound(STAGES[kind].label);
  const owned = await ctx.services.prisma.project.count({ where: { id: row.projectId, ownerId: ctx.viewer.id } });
  if (!owned) throw notFound(STAGES[kind].label);
  return { kind, row };
}

export async function retryGeneration(ctx: Ctx, ref: GenerationId) {
  const { kind, row } = await ownedGeneration(ctx, ref);
  if (!RETRYABLE_FROM.includes(row.status)) {
    throw failedPrecondition(`only FAILED or CANCELLED generations can be retried; this one is ${row.status}`);
  }
  const toEnqueue: { kind: Kind; id: string; attempt: number }[] = [];
  // A retry may restart this stage and the later ones: count them (at most) as active.
  const updated = await createQueued(ctx.services, kind, { ownerId: ctx.viewer.id, rows: KINDS.length - KINDS.indexOf(kind), ads: 0 }, async (tx) => {
    const upstream = await upstreamStatus(tx, kind, row);
    if (upstream !== "COMPLETED" && !(upstream && ACTIVE.includes(upstream))) {
      throw failedPrecondition(STAGES[kind].upstream?.notCompleted ?? "the stage this one builds on did not complete: retry it first");
    }
    const events: GenerationEventMessage[] = [];
    const restart = async (k: Kind, r: AnyRow, message: string) => {
      const ok = await updateRow(tx, k, r.id, RETRYABLE_FROM, resetFor(k));
      if (!ok) throw failedPrecondition(`the ${STAGES[k].label} changed meanwhile; reload and try again`);
      const fresh = (await findRow(tx, k, r.id))!;
      events.push(await queuedEvent(tx, r.projectId, k, r.id, message));
      return fresh;
    };
    const fresh = await restart(kind, row, `Retrying (attempt ${row.attempt + 1})`);
    if (upstream === "COMPLETED") toEnqueue.push({ kind, id: fresh.id, attempt: fresh.attempt });
    // Later stages of the same ad run that ended only because of this one start over too.
    for (const stage of await laterStages(tx, kind, row.id)) {
      const later = (await findRow(tx, stage.kind, stage.id))!;
      if (later.errorCode === UPSTREAM_FAILED || later.errorCode === UPSTREAM_CANCELLED) {
        await restart(stage.kind, later, `Waiting for the ${STAGES[kind].label}`);
      }
    }
    return { result: fresh, events };
  });
  for (const job of toEnqueue) await enqueueOrLog(ctx.services, job.kind, job.id, job.attempt);
  return updated;
}

export async function cancelGeneration(ctx: Ctx, ref: GenerationId) {
  const { kind, row } = await ownedGeneration(ctx, ref);
  if (!ACTIVE.includes(row.status)) {
    throw failedPrecondition(`only QUEUED or PROCESSING generations can be cancelled; this one is ${row.status}`);
  }
  const message = "Cancelled by the user";
  const cancelled = await endGeneration(ctx.services, kind, row.id, { outcome: "CANCELLED", code: "CANCELLED", message, reason: message.toLowerCase() });
  if (!cancelled) throw failedPrecondition(`the ${STAGES[kind].label} finished meanwhile; it can no longer be cancelled`);
  // A waiting or parked job is removed; a running step notices the CANCELLED row and stops.
  await ctx.services.jobs.discard(kind, row.id, cancelled.attempt).catch((err: unknown) => ctx.services.log.warn({ err }, "could not remove cancelled job"));
  return cancelled;
}
