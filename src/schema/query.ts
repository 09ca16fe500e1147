import { requireViewer } from "../context.js";
import { findOwnedProject } from "../resolvers/projects.js";
import { builder } from "./builder.js";
import { GenerationStatusEnum } from "./enums.js";

builder.queryFields((t) => ({
  viewer: t.prismaField({
    type: "User",
    nullable: true,
    description: "The signed-in user, or null without a valid token.",
    resolve: (query, _root, _args, ctx) =>
      ctx.viewer ? ctx.services.prisma.user.findUnique({ ...query, where: { id: ctx.viewer.id } }) : null,
  }),
  project: t.prismaField({
    type: "Project",
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => findOwnedProject(ctx, String(args.id), "id", query),
  }),
  projects: t.prismaConnection({
    type: "Project",
    cursor: "id",
    description: "The viewer's projects, newest first.",
    resolve: (query, _root, _args, ctx) =>
      ctx.services.prisma.project.findMany({
        ...query,
        where: { ownerId: requireViewer(ctx).id },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      }),
  }),
  songs: t.prismaConnection({
    type: "Song",
    cursor: "id",
    description: "Songs across all of the viewer's projects, newest first.",
    args: { status: t.arg({ type: GenerationStatusEnum }) },
    resolve: (query, _root, args, ctx) =>
      ctx.services.prisma.song.findMany({
        ...query,
        where: { project: { ownerId: requireViewer(ctx).id }, ...(args.status ? { status: args.status } : {}) },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      }),
  }),
  videos: t.prismaConnection({
    type: "Video",
    cursor: "id",
    description: "Videos across all of the viewer's projects, newest first.",
    args: { status: t.arg({ type: GenerationStatusEnum }) },
    resolve: (query, _root, args, ctx) =>
      ctx.services.prisma.video.findMany({
        ...query,
        where: { project: { ownerId: requireViewer(ctx).id }, ...(args.status ? { status: args.status } : {}) },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      }),
  }),
}));
