import type { Lyric, Song, Video } from "../generated/prisma/client.js";
import {
  cancelGeneration,
  generateAd,
  generateLyric,
  generateSong,
  generateVideo,
  retryGeneration,
} from "../resolvers/generations.js";
import { builder } from "./builder.js";
import { GenerationRef } from "./generation.js";
import { LyricRef } from "./lyric.js";
import { SongRef } from "./song.js";
import { VideoRef } from "./video.js";

const AdRun = builder.objectRef<{ id: string; createdAt: Date; lyric: Lyric; song: Song; video: Video }>("AdRun").implement({
  description: "The three stages one generateAd call started; they run lyric -> song -> video.",
  fields: (t) => ({
    id: t.exposeID("id"),
    createdAt: t.field({ type: "DateTime", resolve: (r) => r.createdAt }),
    lyric: t.field({ type: LyricRef, resolve: (r) => r.lyric }),
    song: t.field({ type: SongRef, resolve: (r) => r.song }),
    video: t.field({ type: VideoRef, resolve: (r) => r.video }),
  }),
});

const GenerateLyricInput = builder.inputType("GenerateLyricInput", {
  fields: (t) => ({
    mood: t.string({ description: "e.g. cheerful, cozy (up to 100 characters)." }),
    style: t.string({ description: "e.g. K-pop, acoustic (up to 200 characters)." }),
    extraPrompt: t.string({ description: "Anything else the lyrics should mention (up to 1000 characters)." }),
  }),
});

const GenerateSongInput = builder.inputType("GenerateSongInput", {
  fields: (t) => ({
    style: t.string({ description: "Music style tags, e.g. 'upbeat pop, female vocals' (up to 200 characters)." }),
    title: t.string({ description: "Song title; the lyric's title when omitted (up to 80 characters)." }),
  }),
});

builder.mutationFields((t) => ({
  generateLyric: t.field({
    type: LyricRef,
    description: "Queues lyrics for the project's store, in the project's language.",
    args: { projectId: t.arg.id({ required: true }), input: t.arg({ type: GenerateLyricInput }) },
    resolve: (_root, args, ctx) => generateLyric(ctx, String(args.projectId), args.input),
  }),
  generateSong: t.field({
    type: SongRef,
    description: "Queues a song from the given lyric, or from the project's latest completed lyric.",
    args: {
      projectId: t.arg.id({ required: true }),
      lyricId: t.arg.id(),
      input: t.arg({ type: GenerateSongInput }),
    },
    resolve: (_root, args, ctx) =>
      generateSong(ctx, String(args.projectId), args.lyricId == null ? null : String(args.lyricId), args.input),
  }),
  generateVideo: t.field({
    type: VideoRef,
    description: "Queues a video of the project's photos and the given (or latest completed) song.",
    args: { projectId: t.arg.id({ required: true }), songId: t.arg.id(), templateId: t.arg.string() },
    resolve: (_root, args, ctx) =>
      generateVideo(ctx, String(args.projectId), args.songId == null ? null : String(args.songId), args.templateId),
  }),
  generateAd: t.field({
    type: AdRun,
    description: "Queues the whole chain: lyrics, then a song from them, then a video of the photos and the song.",
    args: { projectId: t.arg.id({ required: true }), templateId: t.arg.string() },
    resolve: (_root, args, ctx) => generateAd(ctx, String(args.projectId), args.templateId),
  }),
  retryGeneration: t.field({
    type: GenerationRef,
    description: "Starts a fresh attempt of a FAILED or CANCELLED lyric, song or video.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => retryGeneration(ctx, String(args.id)),
  }),
  cancelGeneration: t.field({
    type: GenerationRef,
    description: "Cancels a QUEUED or PROCESSING lyric, song or video (and what was waiting on it).",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => cancelGeneration(ctx, String(args.id)),
  }),
}));
