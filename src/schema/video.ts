// The Video node, the viewer's `videos` and generateVideo.
import { inViewerProject } from "../auth/ownership.js";
import { generateVideo } from "../resolvers/generations.js";
import { countViewerVideos, viewerVideos } from "../resolvers/viewer.js";
import { builder } from "./builder.js";
import { shownColumns } from "./shown-columns.js";
import { GenerationKindEnum, GenerationStatusEnum } from "./enums.js";
import { GenerationRef } from "./generation.js";
import { videoSelect } from "./generation-select.js";
import { NEWEST_FIRST, ProjectRef } from "./project.js";
import { SongRef } from "./song.js";

export const VideoRef = builder.prismaNode("Video", {
  id: { field: "id" },
  findUnique: (id, ctx) => inViewerProject(id, ctx.viewer),
  nullable: true,
  interfaces: [GenerationRef],
  select: videoSelect,
  fields: (t) => ({
    kind: t.field({ type: GenerationKindEnum, resolve: () => "VIDEO" as const }),
    // Relations are plugin-prisma relations: a list's query joins them into its one statement.
    project: t.relation("project"),
    song: t.relation("song", { nullable: true }),
    templateId: t.string({ nullable: true, resolve: (video) => video.templateId }),
    duration: t.float({ nullable: true, description: "Seconds.", resolve: (video) => video.duration }),
    width: t.int({ nullable: true, resolve: (video) => video.width }),
    height: t.int({ nullable: true, resolve: (video) => video.height }),
    videoUrl: t.string({
      nullable: true,
      description: "The video in our storage; null until the video is COMPLETED.",
      resolve: (video, _args, ctx) => ctx.services.storage.readUrlOf(video.blobKey),
    }),
    thumbnailUrl: t.string({ nullable: true, resolve: (video, _args, ctx) => ctx.services.storage.readUrlOf(video.thumbnailBlobKey) }),
  }),
});

export const VideoConnection = builder.connectionObject({ type: VideoRef, name: "VideoConnection" }, { name: "VideoEdge" });

// Project.videos: a bounded connection (at most 100 per page) sharing VideoConnection.
builder.prismaObjectField("Project", "videos", (t) =>
  t.relatedConnection(
    "videos",
    {
      cursor: "id",
      totalCount: true,
      description: "The project's videos, newest first; only those with `status` when given (totalCount too).",
      args: { status: t.arg({ type: GenerationStatusEnum }) },
      query: (args) => ({ ...NEWEST_FIRST, where: args.status ? { status: args.status } : {} }),
    },
    VideoConnection,
  ),
);

builder.queryField("videos", (t) =>
  t.withAuth({ signedIn: true }).prismaConnection(
    {
      type: "Video",
      cursor: "id",
      description: "Videos across all of the viewer's projects, newest first.",
      args: { status: t.arg({ type: GenerationStatusEnum }) },
      resolve: (query, _root, args, ctx, info) => viewerVideos(ctx, shownColumns(query, info), args.status),
      totalCount: (_connection, args, ctx) => countViewerVideos(ctx, args.status),
    },
    // The shared connection type (its ref is typed for the builder's context, not withAuth's).
    VideoConnection as never,
  ),
);

builder.mutationField("generateVideo", (t) =>
  t.withAuth({ signedIn: true }).field({
    type: VideoRef,
    description: "Queues a video of the project's photos and the given (or latest completed) song.",
    args: {
      projectId: t.arg.globalID({ for: ProjectRef, required: true }),
      songId: t.arg.globalID({ for: SongRef }),
      templateId: t.arg.string(),
    },
    resolve: (_root, args, ctx) => generateVideo(ctx, args.projectId.id, args.songId?.id, args.templateId),
  }),
);
