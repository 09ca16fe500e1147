import { NOBODY } from "../resolvers/ids.js";
import { builder } from "./builder.js";

export const UserRef = builder.prismaNode("User", {
  id: { field: "id" },
  // Only the viewer's own user is ever reachable, also through node(id).
  findUnique: (id, ctx) => ({ id: ctx.viewer?.id === id ? id : NOBODY }),
  nullable: true,
  fields: (t) => ({
    email: t.exposeString("email"),
    name: t.exposeString("name", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    projects: t.relatedConnection("projects", {
      cursor: "id",
      query: { orderBy: [{ createdAt: "desc" }, { id: "desc" }] },
    }),
  }),
});
