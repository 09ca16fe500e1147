// The Song node, the viewer's `songs` and generateSong.
import { inViewerProject } from "../auth/ownership.js";
import { GENERATION_LIMITS, generateSong } from "../resolvers/generations.js";
import { countViewerSongs, viewerSongs } from "../resolvers/viewer.js";
import { selectSongTake, songTakes } from "../resolvers/song-takes.js";
import type { SongTake } from "../generated/prisma/client.js";
import { builder } from "./builder.js";
import { shownColumns } from "./shown-columns.js";
import { GenerationKindEnum, GenerationStatusEnum } from "./enums.js";
import { GenerationRef } from "./generation.js";
import { songSelect } from "./generation-select.js";
import { LyricRef } from "./lyric.js";
import { NEWEST_FIRST, ProjectRef } from "./project.js";

const SongTakeRef = builder.objectRef<SongTake>("SongTake").implement({
  description: "One of the tracks the music service made for the song (Suno makes two).",
  fields: (t) => ({
    index: t.exposeInt("index", { description: "0 or 1; pass to selectSongTake." }),
    title: t.exposeString("title", { nullable: true }),
    duration: t.exposeFloat("duration", { nullable: true, description: "Seconds." }),
    audioUrl: t.string({ nullable: true, resolve: (take, _args, ctx) => ctx.services.storage.readUrlOf(take.blobKey) }),
    coverImageUrl: t.string({ nullable: true, resolve: (take, _args, ctx) => ctx.services.storage.readUrlOf(take.imageBlobKey) }),
  }),
});

export const SongRef = builder.prismaNode("Song", {
  id: { field: "id" },
  findUnique: (id, ctx) => inViewerProject(id, ctx.viewer),
  nullable: true,
  interfaces: [GenerationRef],
  select: songSelect,
  fields: (t) => ({
    kind: t.field({ type: GenerationKindEnum, resolve: () => "SONG" as const }),
    // Relations are plugin-prisma relations: a list's query joins them into its one statement.
    project: t.relation("project"),
    lyric: t.relation("lyric", { nullable: true }),
    title: t.string({ nullable: true, resolve: (song) => song.title }),
    style: t.string({ nullable: true, resolve: (song) => song.style }),
    duration: t.float({ nullable: true, description: "Seconds.", resolve: (song) => song.duration }),
    audioUrl: t.string({
      nullable: true,
      description: "The song in our storage; null until the song is COMPLETED.",
      resolve: (song, _args, ctx) => ctx.services.storage.readUrlOf(song.blobKey),
    }),
    coverImageUrl: t.string({ nullable: true, resolve: (song, _args, ctx) => ctx.services.storage.readUrlOf(song.imageBlobKey) }),
    previewUrl: t.string({
      nullable: true,
      description: "The music service's stream of the first take, as soon as it plays (before the song is COMPLETED). Expires with the provider.",
      resolve: (song) => song.previewUrl,
    }),
    selectedTake: t.int({ nullable: true, description: "Which take audioUrl (and new videos) use.", resolve: (song) => song.selectedTake }),
    takes: t.field({ type: [SongTakeRef], resolve: (song, _args, ctx) => songTakes(ctx, song.id) }),
  }),
});

export const SongConnection = builder.connectionObject({ type: SongRef, name: "SongConnection" }, { name: "SongEdge" });

// Project.songs: a bounded connection (at most 100 per page) sharing SongConnection.
builder.prismaObjectField("Project", "songs", (t) =>
  t.relatedConnection(
    "songs",
    {
      cursor: "id",
      totalCount: true,
      description: "The project's songs, newest first; only those with `status` when given (totalCount too).",
      args: { status: t.arg({ type: GenerationStatusEnum }) },
      query: (args) => ({ ...NEWEST_FIRST, where: args.status ? { status: args.status } : {} }),
    },
    SongConnection,
  ),
);

const GenerateSongInput = builder.inputType("GenerateSongInput", {
  fields: (t) => ({
    style: t.string({ description: `Music style tags, e.g. 'upbeat pop, female vocals' (up to ${GENERATION_LIMITS.songStyle} characters).` }),
    title: t.string({ description: `Song title; the lyric's title when omitted (up to ${GENERATION_LIMITS.songTitle} characters).` }),
  }),
});

builder.queryField("songs", (t) =>
  t.withAuth({ signedIn: true }).prismaConnection(
    {
      type: "Song",
      cursor: "id",
      description: "Songs across all of the viewer's projects, newest first.",
      args: { status: t.arg({ type: GenerationStatusEnum }) },
      resolve: (query, _root, args, ctx, info) => viewerSongs(ctx, shownColumns(query, info), args.status),
      totalCount: (_connection, args, ctx) => countViewerSongs(ctx, args.status),
    },
    // The shared connection type (its ref is typed for the builder's context, not withAuth's).
    SongConnection as never,
  ),
);

builder.mutationField("generateSong", (t) =>
  t.withAuth({ signedIn: true }).field({
    type: SongRef,
    description: "Queues a song from the given lyric, or from the project's latest completed lyric.",
    args: {
      projectId: t.arg.globalID({ for: ProjectRef, required: true }),
      lyricId: t.arg.globalID({ for: LyricRef }),
      input: t.arg({ type: GenerateSongInput }),
    },
    resolve: (_root, args, ctx) => generateSong(ctx, args.projectId.id, args.lyricId?.id, args.input),
  }),
);

builder.mutationField("selectSongTake", (t) =>
  t.withAuth({ signedIn: true }).field({
    type: SongRef,
    description: "Makes one of the song's takes its audio; videos made afterwards use it.",
    args: { songId: t.arg.globalID({ for: SongRef, required: true }), index: t.arg.int({ required: true }) },
    resolve: (_root, args, ctx) => selectSongTake(ctx, args.songId.id, args.index),
  }),
);
