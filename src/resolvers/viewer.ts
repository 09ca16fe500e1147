// What the signed-in viewer reads across projects: their user and their songs and videos.
// Every filter carries the owner, so nobody else's rows can match.
import type { Context, SignedInContext } from "../http/context.js";
import type { Prisma } from "../db/client.js";
import type { GenerationStatus } from "../generated/prisma/enums.js";

type Ctx = Pick<SignedInContext, "services" | "viewer">;

const newestFirst = [{ createdAt: "desc" as const }, { id: "desc" as const }];

/** The signed-in user, or null without a valid token. */
export function viewerUser(ctx: Pick<Context, "services" | "viewer">, query: { include?: Prisma.UserInclude; select?: Prisma.UserSelect }) {
  return ctx.viewer ? ctx.services.prisma.user.findUnique({ ...query, where: { id: ctx.viewer.id } }) : null;
}

export function viewerSongs(ctx: Ctx, query: Omit<Prisma.SongFindManyArgs, "where" | "orderBy">, status?: GenerationStatus | null) {
  return ctx.services.prisma.song.findMany({
    ...query,
    where: { project: { ownerId: ctx.viewer.id }, status: status ?? undefined },
    orderBy: newestFirst,
  });
}

export function viewerVideos(ctx: Ctx, query: Omit<Prisma.VideoFindManyArgs, "where" | "orderBy">, status?: GenerationStatus | null) {
  return ctx.services.prisma.video.findMany({
    ...query,
    where: { project: { ownerId: ctx.viewer.id }, status: status ?? undefined },
    orderBy: newestFirst,
  });
}

export const countViewerSongs = (ctx: Ctx, status?: GenerationStatus | null) =>
  ctx.services.prisma.song.count({ where: { project: { ownerId: ctx.viewer.id }, status: status ?? undefined } });

export const countViewerVideos = (ctx: Ctx, status?: GenerationStatus | null) =>
  ctx.services.prisma.video.count({ where: { project: { ownerId: ctx.viewer.id }, status: status ?? undefined } });
