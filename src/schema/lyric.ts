import { inViewerProject } from "../resolvers/ids.js";
import { builder } from "./builder.js";
import { LanguageEnum } from "./enums.js";
import { GenerationRef } from "./generation.js";

export const LyricRef = builder.prismaNode("Lyric", {
  id: { field: "id" },
  findUnique: (id, ctx) => inViewerProject(id, ctx.viewer),
  nullable: true,
  interfaces: [GenerationRef],
  fields: (t) => ({
    title: t.exposeString("title", { nullable: true }),
    text: t.exposeString("text", { nullable: true }),
    language: t.expose("language", { type: LanguageEnum }),
    mood: t.exposeString("mood", { nullable: true }),
    style: t.exposeString("style", { nullable: true }),
  }),
});
