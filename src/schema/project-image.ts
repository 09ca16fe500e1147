import { inViewerProject } from "../resolvers/ids.js";
import { builder } from "./builder.js";

builder.prismaNode("ProjectImage", {
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
