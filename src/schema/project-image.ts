// The ProjectImage node (a project's photo) and its upload and delete mutations.
import { inViewerProject } from "../auth/ownership.js";
import { deleteProjectImage, reorderProjectImages, uploadProjectImages } from "../resolvers/images.js";
import { builder } from "./builder.js";
import { ProjectRef } from "./project.js";

export const ProjectImageRef = builder.prismaNode("ProjectImage", {
  id: { field: "id" },
  findUnique: (id, ctx) => inViewerProject(id, ctx.viewer),
  nullable: true,
  fields: (t) => ({
    url: t.string({
      description: "A link a browser can open (time-limited when storage hands out SAS links).",
      resolve: (image, _args, ctx) => ctx.services.storage.readUrl(image.blobKey),
    }),
    fileName: t.exposeString("fileName"),
    contentType: t.exposeString("contentType"),
    size: t.exposeInt("size"),
    order: t.exposeInt("order"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.mutationFields((t) => ({
  uploadProjectImages: t.withAuth({ signedIn: true }).prismaField({
    type: ["ProjectImage"],
    description: "Adds JPEG, PNG or WebP photos (multipart request); they are appended in the order sent.",
    args: {
      projectId: t.arg.globalID({ for: ProjectRef, required: true }),
      files: t.arg({ type: ["File"], required: true }),
    },
    resolve: (_query, _root, args, ctx) => uploadProjectImages(ctx, args.projectId.id, args.files),
  }),
  reorderProjectImages: t.withAuth({ signedIn: true }).prismaField({
    type: ["ProjectImage"],
    description: "Puts the project's photos in the order given (each photo exactly once); the video shows them in this order.",
    args: {
      projectId: t.arg.globalID({ for: ProjectRef, required: true }),
      imageIds: t.arg.globalIDList({ for: ProjectImageRef, required: true }),
    },
    resolve: (_query, _root, args, ctx) => reorderProjectImages(ctx, args.projectId.id, args.imageIds.map((i) => i.id)),
  }),
  deleteProjectImage: t.withAuth({ signedIn: true }).id({
    description: "Removes one photo from its project; returns its id. The other photos keep their order.",
    args: { id: t.arg.globalID({ for: ProjectImageRef, required: true }) },
    resolve: (_root, args, ctx) => deleteProjectImage(ctx, args.id.id),
  }),
}));
