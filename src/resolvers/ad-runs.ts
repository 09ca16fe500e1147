// What an AdRun says about itself: one status for its three stages, and its history.
import type { GenerationStatus } from "../generated/prisma/enums.js";
import type { Context } from "../http/context.js";
import { toMessage } from "../generations/history.js";

/** The run's status from its stages': a failure or cancellation anywhere decides it, then any
 *  stage still working; COMPLETED only when all three are. */
export function adRunStatus(stages: readonly GenerationStatus[]): GenerationStatus {
  for (const s of ["FAILED", "CANCELLED", "PROCESSING"] as const) if (stages.includes(s)) return s;
  if (stages.every((s) => s === "COMPLETED")) return "COMPLETED";
  return stages.includes("COMPLETED") ? "PROCESSING" : "QUEUED";
}

/** The events of the run's three generations, oldest first (at most 500). */
export async function adRunEvents(ctx: Pick<Context, "services">, run: { projectId: string; lyricId: string; songId: string; videoId: string }) {
  const rows = await ctx.services.prisma.generationEvent.findMany({
    where: { projectId: run.projectId, generationId: { in: [run.lyricId, run.songId, run.videoId] } },
    orderBy: { sequence: "asc" },
    take: 500,
  });
  return rows.map(toMessage);
}
