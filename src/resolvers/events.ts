// A project's generation events: the stored history (query) and the live stream
// (subscription). Both check who is asking before any event flows.
import type { SignedInContext } from "../http/context.js";
import { badInput, notFound } from "../errors.js";
import { mergeStreams } from "../subscriptions/merge.js";
import { toMessage } from "../generations/history.js";
import { generationUpdates } from "../subscriptions/generation-updates.js";
import { findOwnedProject } from "./projects.js";
import { toGlobalId } from "../ids.js";

type Ctx = Pick<SignedInContext, "services" | "viewer" | "lastSequences">;

export const MAX_EVENTS_PAGE = 500;

/** The project's stored status history after `after`, oldest first. */
export async function projectEvents(ctx: Pick<SignedInContext, "services">, projectId: string, after?: number | null, first?: number | null) {
  if (after != null && after < 0) throw badInput("after", "must be 0 or more");
  if (first != null && first < 0) throw badInput("first", "must be 0 or more");
  const rows = await ctx.services.prisma.generationEvent.findMany({
    where: { projectId, sequence: { gt: after ?? 0 } },
    orderBy: { sequence: "asc" },
    take: Math.min(first ?? MAX_EVENTS_PAGE, MAX_EVENTS_PAGE),
  });
  return rows.map(toMessage);
}

/** The live stream of a viewer's project (someone else's project is NOT_FOUND).
 *  (An error while streaming passes yoga's error masking like any other: see http/errors.ts.) */
export async function subscribeGenerationUpdates(ctx: Ctx, projectId: string, after: number | null | undefined) {
  if (after != null && after < 0) throw badInput("after", "must be 0 or a sequence number the server sent");
  const project = await findOwnedProject(ctx, projectId);
  // graphql-ws and graphql-sse clients reconnect with the original variables; the sequence the
  // client last saw comes with every (re)connect (keyed by the project's global id), so a
  // resumed stream never repeats an event.
  return streamFrom(ctx, project.id, after);
}

function streamFrom(ctx: Ctx, projectId: string, after: number | null | undefined) {
  const seen = ctx.lastSequences?.[toGlobalId("Project", projectId)] ?? ctx.lastSequences?.[projectId];
  if (seen != null && (after == null || seen > after)) after = seen;
  const { prisma, events, config, log } = ctx.services;
  return generationUpdates({ prisma, events, log, maxBuffer: config.SUBSCRIPTION_MAX_BUFFER }, projectId, after ?? null);
}

/** How many projects one viewer-wide subscription follows at most (newest first). */
export const MAX_FOLLOWED_PROJECTS = 200;

/**
 * One stream over many of the viewer's projects (a dashboard needs one connection, not one per
 * project): the given projects, or the viewer's newest MAX_FOLLOWED_PROJECTS when none are
 * given. Each project resumes from its own `after` entry (or connectionParams.lastSequences);
 * a project without one starts with its current state, as generationUpdated does.
 */
export async function subscribeViewerGenerationUpdates(
  ctx: Ctx,
  projectIds: readonly string[] | null | undefined,
  after: readonly { projectId: string; sequence: number }[] | null | undefined,
) {
  for (const a of after ?? []) if (a.sequence < 0) throw badInput("after", "sequences must be 0 or more");
  if (projectIds && projectIds.length > MAX_FOLLOWED_PROJECTS) throw badInput("projectIds", `at most ${MAX_FOLLOWED_PROJECTS} projects`);
  const where = { ownerId: ctx.viewer.id, ...(projectIds ? { id: { in: [...projectIds] } } : {}) };
  const projects = await ctx.services.prisma.project.findMany({
    where,
    select: { id: true },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: MAX_FOLLOWED_PROJECTS,
  });
  if (projectIds && projects.length !== new Set(projectIds).size) throw notFound("project");
  const afterOf = new Map((after ?? []).map((a) => [a.projectId, a.sequence]));
  const streams = await Promise.all(projects.map((p) => streamFrom(ctx, p.id, afterOf.get(p.id))));
  return mergeStreams(streams);
}
