// The Generation interface shared by Lyric, Song and Video.
import type { Lyric, Song, Video } from "../generated/prisma/client.js";
import { builder } from "./builder.js";
import { GenerationStatusEnum, GenerationKindEnum } from "./enums.js";
import { ProjectRef } from "./project.js";

export type GenerationRow = Lyric | Song | Video;
export type GenerationKindName = "LYRIC" | "SONG" | "VIDEO";

/** Tells the three row types apart by a column only that model has. */
export function generationKindOf(row: object): GenerationKindName | null {
  if ("providerRenderId" in row) return "VIDEO";
  if ("providerTaskId" in row) return "SONG";
  if ("text" in row && "language" in row) return "LYRIC";
  return null;
}

export const GenerationRef = builder.interfaceRef<GenerationRow>("Generation").implement({
  description: "A lyric, song or video being (or having been) generated.",
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: (row) => ({ LYRIC: "Lyric", SONG: "Song", VIDEO: "Video" } as const)[generationKindOf(row) ?? "LYRIC"],
  fields: (t) => ({
    kind: t.field({
      type: GenerationKindEnum,
      resolve: (row) => generationKindOf(row) ?? "LYRIC",
    }),
    project: t.field({
      type: ProjectRef,
      resolve: async (row, _args, ctx) => {
        const project = await ctx.loaders.project.load(row.projectId);
        if (!project) throw new Error(`project ${row.projectId} of a generation is missing`);
        return project;
      },
    }),
    status: t.field({ type: GenerationStatusEnum, resolve: (row) => row.status }),
    progress: t.exposeInt("progress"),
    attempt: t.exposeInt("attempt", { description: "1 for the first run; retryGeneration adds one." }),
    error: t.string({
      nullable: true,
      description: "Why the generation failed or was cancelled, in words a user can read.",
      resolve: (row) => row.errorMessage,
    }),
    errorCode: t.string({
      nullable: true,
      description: "A stable code for the failure, e.g. SUNO_SENSITIVE_WORD or PROVIDER_UNAVAILABLE.",
      resolve: (row) => row.errorCode,
    }),
    createdAt: t.field({ type: "DateTime", resolve: (row) => row.createdAt }),
    updatedAt: t.field({ type: "DateTime", resolve: (row) => row.updatedAt }),
    finishedAt: t.field({ type: "DateTime", nullable: true, resolve: (row) => row.finishedAt }),
  }),
});
