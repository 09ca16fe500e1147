// The User node and the `viewer` root field.
import { viewerUser } from "../resolvers/viewer.js";
import { NOBODY } from "../auth/ownership.js";
import { builder } from "./builder.js";
import { ProjectConnection } from "./project.js";
import { usageOf, type Usage } from "../generations/allowance.js";

const UsageRef = builder.objectRef<Usage>("Usage").implement({
  fields: (t) => ({
    adsInPeriod: t.exposeInt("adsInPeriod", { description: "Videos (ads) started in the last `periodDays` days." }),
    adsLimit: t.exposeInt("adsLimit", { description: "Most ads per period; 0 = unlimited. Beyond it: QUOTA_EXCEEDED." }),
    periodDays: t.exposeInt("periodDays"),
    activeGenerations: t.exposeInt("activeGenerations", { description: "Lyrics, songs and videos queued or running now." }),
    activeLimit: t.exposeInt("activeLimit", { description: "Most at once; 0 = unlimited. Beyond it: QUOTA_EXCEEDED." }),
  }),
});

export const UserRef = builder.prismaNode("User", {
  id: { field: "id" },
  // Only the viewer's own user is ever reachable, also through node(id).
  findUnique: (id, ctx) => ({ id: ctx.viewer?.id === id ? id : NOBODY }),
  nullable: true,
  fields: (t) => ({
    email: t.exposeString("email"),
    name: t.exposeString("name", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    usage: t.field({
      type: UsageRef,
      description: "What this user has used of their allowances (ads per period, generations at once).",
      resolve: (user, _args, ctx) => usageOf(ctx.services.prisma, ctx.services.config, user.id),
    }),
    projects: t.relatedConnection(
      "projects",
      { cursor: "id", totalCount: true, query: { orderBy: [{ createdAt: "desc" }, { id: "desc" }] }, description: "The user's projects, newest first." },
      ProjectConnection,
    ),
  }),
});

builder.queryField("viewer", (t) =>
  t.prismaField({
    type: "User",
    nullable: true,
    description: "The signed-in user, or null without a valid token.",
    resolve: (query, _root, _args, ctx) => viewerUser(ctx, query),
  }),
);
