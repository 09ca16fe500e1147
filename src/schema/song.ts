import { blobUrl, inViewerProject } from "../resolvers/ids.js";
import { builder } from "./builder.js";
import { GenerationRef } from "./generation.js";
import { LyricRef } from "./lyric.js";

export const SongRef = builder.prismaNode("Song", {
  id: { field: "id" },
  findUnique: (id, ctx) => inViewerProject(id, ctx.viewer),
  nullable: true,
  interfaces: [GenerationRef],
  fields: (t) => ({
    lyric: t.field({
      type: LyricRef,
      nullable: true,
      resolve: (song, _args, ctx) => (song.lyricId ? ctx.loaders.lyric.load(song.lyricId) : null),
    }),
    title: t.exposeString("title", { nullable: true }),
    style: t.exposeString("style", { nullable: true }),
    duration: t.exposeFloat("duration", { nullable: true, description: "Seconds." }),
    audioUrl: t.string({
      nullable: true,
      description: "The song in our storage; null until the song is COMPLETED.",
      resolve: (song, _args, ctx) => blobUrl(ctx.services.storage, song.blobKey),
    }),
    coverImageUrl: t.string({
      nullable: true,
      resolve: (song, _args, ctx) => blobUrl(ctx.services.storage, song.imageBlobKey),
    }),
  }),
});
