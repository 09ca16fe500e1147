import type { Context } from "../context.js";
import { badInput } from "../errors.js";
import { generationUpdates } from "../subscriptions/generation-updates.js";
import { findOwnedProject } from "./projects.js";

type Ctx = Pick<Context, "services" | "viewer" | "authFailure">;

/** Checks who is asking before any event flows; someone else's project is NOT_FOUND.
 *  (An error while streaming passes yoga's error masking like any other: see http/errors.ts.) */
export async function subscribeGenerationUpdates(ctx: Ctx, projectGlobalId: string, after: number | null | undefined) {
  if (after != null && after < 0) throw badInput("after", "must be 0 or a sequence number the server sent");
  const project = await findOwnedProject(ctx, projectGlobalId, "projectId");
  const { prisma, events, config } = ctx.services;
  return generationUpdates({ prisma, events, maxBuffer: config.SUBSCRIPTION_MAX_BUFFER }, project.id, after ?? null);
}
