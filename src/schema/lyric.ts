// The Lyric node and generateLyric.
import { inViewerProject } from "../auth/ownership.js";
import { GENERATION_LIMITS, generateLyric } from "../resolvers/generations.js";
import { builder } from "./builder.js";
import { GenerationKindEnum, LanguageEnum } from "./enums.js";
import { GenerationRef } from "./generation.js";
import { lyricSelect } from "./generation-select.js";
import { NEWEST_FIRST, ProjectRef } from "./project.js";

export const LyricRef = builder.prismaNode("Lyric", {
  id: { field: "id" },
  findUnique: (id, ctx) => inViewerProject(id, ctx.viewer),
  nullable: true,
  interfaces: [GenerationRef],
  select: lyricSelect,
  fields: (t) => ({
    kind: t.field({ type: GenerationKindEnum, resolve: () => "LYRIC" as const }),
    // Relations are plugin-prisma relations: a list's query joins them into its one statement.
    project: t.relation("project"),
    title: t.string({ nullable: true, resolve: (lyric) => lyric.title }),
    // The lyric's text is read only when asked for.
    text: t.exposeString("text", { nullable: true }),
    language: t.field({ type: LanguageEnum, resolve: (lyric) => lyric.language }),
    mood: t.string({ nullable: true, resolve: (lyric) => lyric.mood }),
    style: t.string({ nullable: true, resolve: (lyric) => lyric.style }),
  }),
});

export const LyricConnection = builder.connectionObject({ type: LyricRef, name: "LyricConnection" }, { name: "LyricEdge" });

// Project.lyrics: a bounded connection (at most 100 per page) sharing LyricConnection.
builder.prismaObjectField("Project", "lyrics", (t) =>
  t.relatedConnection("lyrics", { cursor: "id", totalCount: true, query: NEWEST_FIRST, description: "The project's lyrics, newest first." }, LyricConnection),
);

const GenerateLyricInput = builder.inputType("GenerateLyricInput", {
  fields: (t) => ({
    mood: t.string({ description: `e.g. cheerful, cozy (up to ${GENERATION_LIMITS.mood} characters).` }),
    style: t.string({ description: `e.g. K-pop, acoustic (up to ${GENERATION_LIMITS.lyricStyle} characters).` }),
    extraPrompt: t.string({ description: `Anything else the lyrics should mention (up to ${GENERATION_LIMITS.extraPrompt} characters).` }),
  }),
});

builder.mutationField("generateLyric", (t) =>
  t.withAuth({ signedIn: true }).field({
    type: LyricRef,
    description: "Queues lyrics for the project's store, in the project's language.",
    args: { projectId: t.arg.globalID({ for: ProjectRef, required: true }), input: t.arg({ type: GenerateLyricInput }) },
    resolve: (_root, args, ctx) => generateLyric(ctx, args.projectId.id, args.input),
  }),
);
