// AdRun: the three stages one generateAd call started, where the run as a whole stands, its
// history, and generateAd itself.
import { NOBODY } from "../auth/ownership.js";
import { generateAd } from "../resolvers/generations.js";
import { adRunEvents, adRunStatus } from "../resolvers/ad-runs.js";
import { builder } from "./builder.js";
import { GenerationStatusEnum } from "./enums.js";
import { GenerationEventRef } from "./generation-event.js";
import { NEWEST_FIRST, ProjectRef } from "./project.js";

const STAGES = { select: { lyric: { select: { status: true, progress: true } }, song: { select: { status: true, progress: true } }, video: { select: { status: true, progress: true } } } };

export const AdRunRef = builder.prismaNode("AdRun", {
  id: { field: "id" },
  description: "The three stages one generateAd call started; they run lyric -> song -> video.",
  findUnique: (id, ctx) => ({ id, project: { ownerId: ctx.viewer?.id ?? NOBODY } }),
  nullable: true,
  fields: (t) => ({
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    lyric: t.relation("lyric"),
    song: t.relation("song"),
    video: t.relation("video"),
    status: t.field({
      type: GenerationStatusEnum,
      description: "The run as a whole: FAILED or CANCELLED when a stage is, COMPLETED when all three are, else PROCESSING or QUEUED.",
      ...STAGES,
      resolve: (run) => adRunStatus([run.lyric.status, run.song.status, run.video.status]),
    }),
    progress: t.int({
      description: "0 to 100 over the three stages together.",
      ...STAGES,
      resolve: (run) => Math.round((run.lyric.progress + run.song.progress + run.video.progress) / 3),
    }),
    events: t.field({
      type: [GenerationEventRef],
      description:
        "The run's stored status history (its three generations' events), oldest first: a page shows a run's timeline from this, then follows generationUpdated with `after` set to Project.lastEventSequence.",
      select: { lyricId: true, songId: true, videoId: true, projectId: true },
      resolve: (run, _args, ctx) => adRunEvents(ctx, run),
    }),
  }),
});

export const AdRunConnection = builder.connectionObject({ type: AdRunRef, name: "AdRunConnection" }, { name: "AdRunEdge" });

// Project.adRuns: a bounded connection (at most 100 per page) sharing AdRunConnection.
builder.prismaObjectField("Project", "adRuns", (t) =>
  t.relatedConnection("adRuns", { cursor: "id", totalCount: true, query: NEWEST_FIRST, description: "Every generateAd run of the project, newest first." }, AdRunConnection),
);

builder.mutationField("generateAd", (t) =>
  t.withAuth({ signedIn: true }).field({
    type: AdRunRef,
    description: "Queues the whole chain: lyrics, then a song from them, then a video of the photos and the song.",
    args: { projectId: t.arg.globalID({ for: ProjectRef, required: true }), templateId: t.arg.string() },
    resolve: (_root, args, ctx) => generateAd(ctx, args.projectId.id, args.templateId),
  }),
);
