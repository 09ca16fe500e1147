// Suno makes two takes of every song. The chosen one is copied by the song step like any result;
// the other is copied here, and both are recorded as SongTake rows, so the user can switch
// (selectSongTake) without paying for another song. Suno deletes its files after ~14 days,
// which is why both are copied now rather than on demand.
import type { Song } from "../generated/prisma/client.js";
import type { SunoTrack } from "../providers/suno.js";
import { generationBlobKey } from "../storage/keys.js";
import { mediaFile } from "../storage/media-types.js";
import type { WorkerDeps } from "./runner.js";
import { copyPicture } from "./steps/common.js";

const MAX_SONG_BYTES = 200 * 1024 * 1024;

export interface StoredTake {
  index: number;
  track: SunoTrack;
  blobKey: string;
  imageBlobKey: string | null;
  contentType: string;
  bytes: number;
}

/** Blob names of take `index`: `take-<n>.<ext>` and its cover. */
export function takeFiles(song: Pick<Song, "projectId" | "id">, index: number, track: SunoTrack) {
  const audio = mediaFile(`take-${index + 1}`, track.audioUrl ?? "", "mp3");
  const cover = mediaFile(`take-${index + 1}-cover`, track.imageUrl ?? "", "jpeg");
  return {
    audioKey: generationBlobKey(song.projectId, "songs", song.id, audio.file),
    audioType: audio.contentType,
    coverKey: generationBlobKey(song.projectId, "songs", song.id, cover.file),
  };
}

/** The usable takes in Suno's order (a take needs a downloadable file and a duration). */
export function usableTakes(tracks: readonly SunoTrack[]): { index: number; track: SunoTrack }[] {
  return tracks.map((track, index) => ({ index, track })).filter(({ track }) => !!track.audioUrl && track.duration !== null && track.duration > 0);
}

/** Copies every usable take except `chosen` (already stored by the step), then records all of
 *  them. Idempotent: a retried step overwrites the same blobs and rows. Returns the keys written. */
export async function storeOtherTakes(deps: WorkerDeps, song: Song, tracks: readonly SunoTrack[], chosen: StoredTake): Promise<string[]> {
  const stored: StoredTake[] = [chosen];
  for (const { index, track } of usableTakes(tracks)) {
    if (index === chosen.index) continue;
    const files = takeFiles(song, index, track);
    try {
      const copied = await deps.providers.copyUrlToBlob({ url: track.audioUrl!, storage: deps.storage, key: files.audioKey, contentType: files.audioType, maxBytes: MAX_SONG_BYTES, provider: "suno" });
      const imageBlobKey = await copyPicture(deps, track.imageUrl, files.coverKey, "suno", song.id);
      stored.push({ index, track, blobKey: files.audioKey, imageBlobKey, contentType: copied.contentType, bytes: copied.bytes });
    } catch (err) {
      // The other take is a bonus: the song is complete with the chosen one.
      deps.log.warn({ err: String(err), songId: song.id, take: index }, "could not copy the other take; leaving it out");
    }
  }
  for (const t of stored) {
    const data = {
      providerTrackId: t.track.id,
      providerAudioUrl: t.track.audioUrl,
      blobKey: t.blobKey,
      imageBlobKey: t.imageBlobKey,
      contentType: t.contentType,
      size: BigInt(t.bytes),
      duration: t.track.duration,
      title: t.track.title,
    };
    await deps.prisma.songTake.upsert({ where: { songId_index: { songId: song.id, index: t.index } }, create: { songId: song.id, index: t.index, ...data }, update: data });
  }
  return stored.filter((t) => t !== chosen).flatMap((t) => [t.blobKey, t.imageBlobKey].filter((k): k is string => !!k));
}
