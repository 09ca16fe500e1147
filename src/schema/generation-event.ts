import type { GenerationEventMessage } from "../jobs/events.js";
import { subscribeGenerationUpdates } from "../resolvers/subscriptions.js";
import { toGlobalId } from "../resolvers/ids.js";
import { rowCacheFor } from "../subscriptions/row-cache.js";
import { badInput, notFound } from "../errors.js";
import { toMessage } from "../generations/history.js";
import { builder } from "./builder.js";
import { GenerationKindEnum, GenerationStatusEnum } from "./enums.js";
import { GenerationRef } from "./generation.js";

const TYPE_NAME = { LYRIC: "Lyric", SONG: "Song", VIDEO: "Video" } as const;

export const GenerationEventRef = builder.objectRef<GenerationEventMessage>("GenerationEvent").implement({
  description: "One change of a generation. `sequence` increases by one per project: resume with `after`.",
  fields: (t) => ({
    sequence: t.exposeInt("sequence"),
    kind: t.field({ type: GenerationKindEnum, resolve: (e) => e.kind }),
    status: t.field({ type: GenerationStatusEnum, resolve: (e) => e.status }),
    progress: t.exposeInt("progress"),
    message: t.exposeString("message", { nullable: true }),
    at: t.field({ type: "DateTime", resolve: (e) => new Date(e.at) }),
    generationId: t.id({ description: "The global id of the generation.", resolve: (e) => toGlobalId(TYPE_NAME[e.kind], e.generationId) }),
    generation: t.field({
      type: GenerationRef,
      description: "The generation as it is now (it may have moved on since this event).",
      resolve: async (e, _args, ctx) => {
        const row = await rowCacheFor(ctx.services.prisma).get(e.kind, e.generationId, e.sequence);
        if (!row) throw notFound("generation");
        return row;
      },
    }),
  }),
});

builder.subscriptionType({
  fields: (t) => ({
    generationUpdated: t.field({
      type: GenerationEventRef,
      description:
        "Status changes of the project's lyrics, songs and videos. Without `after`: first the current state of the latest generation of each kind, then live changes. With `after`: every event after that sequence, then live changes.",
      args: { projectId: t.arg.id({ required: true }), after: t.arg.int() },
      subscribe: (_root, args, ctx) => subscribeGenerationUpdates(ctx, String(args.projectId), args.after),
      resolve: (event) => event,
    }),
  }),
});

builder.prismaObjectField("Project", "generationEvents", (t) =>
  t.field({
    type: [GenerationEventRef],
    description: "The project's stored status history, oldest first (what a subscription replays).",
    args: { after: t.arg.int({ description: "Only events with a larger sequence." }), first: t.arg.int({ description: "At most this many (default and maximum 500)." }) },
    resolve: async (project, args, ctx) => {
      if (args.after != null && args.after < 0) throw badInput("after", "must be 0 or more");
      if (args.first != null && args.first < 0) throw badInput("first", "must be 0 or more");
      const rows = await ctx.services.prisma.generationEvent.findMany({
        where: { projectId: project.id, sequence: { gt: args.after ?? 0 } },
        orderBy: { sequence: "asc" },
        take: Math.min(args.first ?? 500, 500),
      });
      return rows.map(toMessage);
    },
  }),
);
