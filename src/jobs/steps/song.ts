// Song: Suno composes it from the lyrics (asked for a short jingle); the first take streams as a
// preview while Suno finishes; both takes and their covers are copied into our storage.
import type { SunoTaskState } from "../../providers/index.js";
import { parseSunoCallback, pickTrack, sunoTaskError } from "../../providers/index.js";
import { StepFailure } from "../failures.js";
import { storeOtherTakes, takeFiles } from "../song-takes.js";
import { providerTaskStep, type ProviderTask } from "./provider-task.js";

export const songTask: ProviderTask<"SONG", SunoTaskState> = {
  kind: "SONG",
  provider: "suno",
  blobs: { folder: "songs", file: "audio", picture: "cover", maxBytes: 200 * 1024 * 1024 },
  messages: {
    start: "Preparing the song",
    submitted: "The music service is composing the song",
    pending: {
      PENDING: "The music service is composing the song",
      TEXT_SUCCESS: "The music service accepted the lyrics and is composing",
      FIRST_SUCCESS: "The first take is playing (preview); finishing the song",
    },
    working: "The music service is working on the song",
    ready: "Song ready",
  },
  async submit(deps, row, callBackUrl, sending) {
    // The lyrics with their project's name, in one statement (a joined select).
    const lyric = row.lyricId
      ? await deps.prisma.lyric.findUnique({ where: { id: row.lyricId }, include: { project: { select: { storeName: true } } } })
      : null;
    if (!lyric || lyric.status !== "COMPLETED" || !lyric.text) {
      throw new StepFailure("FAILED_PRECONDITION", "The lyrics for this song are not available any more.");
    }
    await sending();
    const id = await deps.providers.suno.submit({
      lyrics: lyric.text,
      title: row.title ?? lyric.title ?? lyric.project.storeName,
      // Suno has no length setting: the style asks for a short jingle (the video step fits
      // whatever comes back to the template's duration).
      style: `${row.style ?? lyric.style ?? "upbeat catchy jingle, advertisement"}, short jingle`,
      callBackUrl,
    });
    return { id };
  },
  check: (deps, taskId) => deps.providers.suno.getRecord(taskId),
  failure: (state) => sunoTaskError(state) ?? new StepFailure("SUNO_GENERATE_FAILED", "The music service could not make this song."),
  pending(state, row) {
    // FIRST_SUCCESS: the first take already streams; clients can play it right away.
    const stream = state.tracks.find((t) => t.streamAudioUrl)?.streamAudioUrl;
    return stream && stream !== row.previewUrl ? { previewUrl: stream } : undefined;
  },
  result(state, row) {
    const track = pickTrack(state.tracks);
    if (!track?.audioUrl) return null;
    const audioUrl = track.audioUrl;
    const index = state.tracks.indexOf(track);
    const files = takeFiles(row, index, track);
    const cover = files.coverKey.slice(files.coverKey.lastIndexOf("/") + 1);
    return {
      url: audioUrl,
      pictureUrl: track.imageUrl,
      file: { name: files.audioKey.slice(files.audioKey.lastIndexOf("/") + 1), contentType: files.audioType },
      picture: cover,
      extras: (deps, song, stored) =>
        storeOtherTakes(deps, song, state.tracks, { index, track, blobKey: stored.key, imageBlobKey: stored.pictureKey, contentType: stored.contentType, bytes: stored.bytes }),
      completed: (file, imageKey) => ({
        selectedTake: index,
        previewUrl: row.previewUrl ?? track.streamAudioUrl,
        blobKey: file.key,
        imageBlobKey: imageKey,
        contentType: file.contentType,
        size: BigInt(file.bytes),
        duration: track.duration,
        title: track.title ?? row.title,
        providerTrackId: track.id,
        providerAudioUrl: audioUrl,
      }),
    };
  },
  taskIdInCallback: (body) => parseSunoCallback(body).taskId,
};

export const songStep = providerTaskStep(songTask);
