import { NOBODY, nodeRowId } from "../resolvers/ids.js";
import { builder } from "./builder.js";
import { LanguageEnum } from "./enums.js";

export const ProjectRef = builder.prismaNode("Project", {
  id: { field: "id" },
  // Only the viewer's own projects are found, also through node(id).
  findUnique: (id, ctx) => ({ id: nodeRowId(id), ownerId: ctx.viewer?.id ?? NOBODY }),
  nullable: true,
  fields: (t) => ({
    storeName: t.exposeString("storeName"),
    address: t.exposeString("address", { nullable: true }),
    description: t.exposeString("description", { nullable: true }),
    language: t.expose("language", { type: LanguageEnum }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    lastEventSequence: t.exposeInt("eventSequence", {
      description: "Sequence of the project's latest generation event: subscribe with `after` set to it to get only what follows.",
    }),
    images: t.relation("images", { query: { orderBy: { order: "asc" } } }),
    lyrics: t.relation("lyrics", { query: { orderBy: [{ createdAt: "desc" }, { id: "desc" }] } }),
    songs: t.relation("songs", { query: { orderBy: [{ createdAt: "desc" }, { id: "desc" }] } }),
    videos: t.relation("videos", { query: { orderBy: [{ createdAt: "desc" }, { id: "desc" }] } }),
  }),
});
