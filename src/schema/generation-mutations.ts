// Root fields that act on any generation (Lyric, Song or Video). Kept apart from the
// Generation interface, which the three node types import: these refer to all three.
import { cancelGeneration, retryGeneration } from "../resolvers/generations.js";
import { builder } from "./builder.js";
import { GenerationRef } from "./generation.js";
import { LyricRef } from "./lyric.js";
import { SongRef } from "./song.js";
import { VideoRef } from "./video.js";

builder.mutationFields((t) => ({
  retryGeneration: t.withAuth({ signedIn: true }).field({
    type: GenerationRef,
    description: "Starts a fresh attempt of a FAILED or CANCELLED lyric, song or video.",
    args: { id: t.arg.globalID({ for: [LyricRef, SongRef, VideoRef], required: true }) },
    resolve: (_root, args, ctx) => retryGeneration(ctx, args.id),
  }),
  cancelGeneration: t.withAuth({ signedIn: true }).field({
    type: GenerationRef,
    description: "Cancels a QUEUED or PROCESSING lyric, song or video (and what was waiting on it).",
    args: { id: t.arg.globalID({ for: [LyricRef, SongRef, VideoRef], required: true }) },
    resolve: (_root, args, ctx) => cancelGeneration(ctx, args.id),
  }),
}));
