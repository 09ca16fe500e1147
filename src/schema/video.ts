import { blobUrl, inViewerProject } from "../resolvers/ids.js";
import { builder } from "./builder.js";
import { GenerationRef } from "./generation.js";
import { SongRef } from "./song.js";

export const VideoRef = builder.prismaNode("Video", {
  id: { field: "id" },
  findUnique: (id, ctx) => inViewerProject(id, ctx.viewer),
  nullable: true,
  interfaces: [GenerationRef],
  fields: (t) => ({
    song: t.field({
      type: SongRef,
      nullable: true,
      resolve: (video, _args, ctx) => (video.songId ? ctx.loaders.song.load(video.songId) : null),
    }),
    templateId: t.exposeString("templateId", { nullable: true }),
    duration: t.exposeFloat("duration", { nullable: true, description: "Seconds." }),
    width: t.exposeInt("width", { nullable: true }),
    height: t.exposeInt("height", { nullable: true }),
    videoUrl: t.string({
      nullable: true,
      description: "The video in our storage; null until the video is COMPLETED.",
      resolve: (video, _args, ctx) => blobUrl(ctx.services.storage, video.blobKey),
    }),
    thumbnailUrl: t.string({
      nullable: true,
      resolve: (video, _args, ctx) => blobUrl(ctx.services.storage, video.thumbnailBlobKey),
    }),
  }),
});
