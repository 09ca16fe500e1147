import type { GenerationEventMessage } from "../events/message.js";
import { projectEvents, subscribeGenerationUpdates, subscribeViewerGenerationUpdates, MAX_EVENTS_PAGE, MAX_FOLLOWED_PROJECTS } from "../resolvers/events.js";
import { toGlobalId } from "../ids.js";
import { rowCacheFor } from "../subscriptions/row-cache.js";
import { notFound } from "../errors.js";
import { STAGES } from "../generations/stages.js";
import { builder } from "./builder.js";
import { GenerationKindEnum, GenerationStatusEnum } from "./enums.js";
import { GenerationRef } from "./generation.js";
import { ProjectRef } from "./project.js";

export const GenerationEventRef = builder.objectRef<GenerationEventMessage>("GenerationEvent").implement({
  description: "One change of a generation. `sequence` increases by one per project: resume with `after`.",
  fields: (t) => ({
    sequence: t.exposeInt("sequence"),
    kind: t.field({ type: GenerationKindEnum, resolve: (e) => e.kind }),
    status: t.field({ type: GenerationStatusEnum, resolve: (e) => e.status }),
    progress: t.exposeInt("progress"),
    message: t.exposeString("message", { nullable: true }),
    at: t.field({ type: "DateTime", resolve: (e) => new Date(e.at) }),
    generationId: t.id({ description: "The global id of the generation.", resolve: (e) => toGlobalId(STAGES[e.kind].typename, e.generationId) }),
    projectId: t.id({ description: "The global id of the project (sequences count per project).", resolve: (e) => toGlobalId("Project", e.projectId) }),
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

builder.subscriptionField("generationUpdated", (t) =>
  t.withAuth({ signedIn: true }).field({
    type: GenerationEventRef,
    description:
      "Status changes of the project's lyrics, songs and videos. Without `after`: first the current state of the latest generation of each kind, then live changes. With `after`: every event after that sequence, then live changes.",
    args: { projectId: t.arg.globalID({ for: ProjectRef, required: true }), after: t.arg.int() },
    subscribe: (_root, args, ctx) => subscribeGenerationUpdates(ctx, args.projectId.id, args.after),
    // The event as it is, whatever the arguments: subscribers that differ only in projectId or
    // `after` share one execution per event (src/subscriptions/shared-execution.ts).
    resolve: (event) => event,
  }),
);

const ProjectSequenceInput = builder.inputType("ProjectSequenceInput", {
  description: "Where to resume one project: the last sequence seen.",
  fields: (t) => ({
    projectId: t.globalID({ for: ProjectRef, required: true }),
    sequence: t.int({ required: true }),
  }),
});

builder.subscriptionField("viewerGenerationUpdated", (t) =>
  t.withAuth({ signedIn: true }).field({
    type: GenerationEventRef,
    description: `Status changes across many of the viewer's projects on one connection (a dashboard): the projects given, or the viewer's newest ${MAX_FOLLOWED_PROJECTS}. Each project behaves like generationUpdated: with an \`after\` entry it replays what followed that sequence, without one it starts with its current state. Events carry projectId; sequences count per project.`,
    args: {
      projectIds: t.arg.globalIDList({ for: ProjectRef }),
      after: t.arg({ type: [ProjectSequenceInput] }),
    },
    subscribe: (_root, args, ctx) =>
      subscribeViewerGenerationUpdates(
        ctx,
        args.projectIds?.map((p) => p.id),
        args.after?.map((a) => ({ projectId: a.projectId.id, sequence: a.sequence })),
      ),
    resolve: (event) => event,
  }),
);

builder.prismaObjectField("Project", "generationEvents", (t) =>
  t.field({
    type: [GenerationEventRef],
    description: "The project's stored status history, oldest first (what a subscription replays).",
    args: { after: t.arg.int({ description: "Only events with a larger sequence." }), first: t.arg.int({ description: `At most this many (default and maximum ${MAX_EVENTS_PAGE}).` }) },
    resolve: (project, args, ctx) => projectEvents(ctx, project.id, args.after, args.first),
  }),
);
