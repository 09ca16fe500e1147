// Suno makes two takes of every song. The chosen one is copied by the song step like any result;
// the other is copied here, and both are recorded as SongTake rows, so the user can switch
// (selectSongTake) without paying for another song. Suno deletes its files after ~14 days,
// which is why both are copied now rather than on demand.
import { randomUUID } from "node:crypto";
import { Prisma, type PrismaClient } from "../db/client.js";
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
  await recordTakes(deps.prisma, song.id, stored);
  return stored.filter((t) => t !== chosen).flatMap((t) => [t.blobKey, t.imageBlobKey].filter((k): k is string => !!k));
}

/** Records the takes of a song, each replacing what an earlier run of the step wrote for its
 *  index: one statement for all of them (Prisma's upsert is a statement per take, and it has no
 *  createMany that updates on conflict). */
export async function recordTakes(prisma: PrismaClient, songId: string, takes: readonly StoredTake[]): Promise<void> {
  if (takes.length === 0) return;
  const rows = takes.map(
    (t) =>
      Prisma.sql`(${randomUUID()}::uuid, ${songId}::uuid, ${t.index}, ${t.track.id}, ${t.track.audioUrl}, ${t.blobKey}, ${t.imageBlobKey}, ${t.contentType}, ${t.bytes}::bigint, ${t.track.duration}::float8, ${t.track.title})`,
  );
  await prisma.$executeRaw`
    INSERT INTO song_takes (id, song_id, "index", provider_track_id, provider_audio_url, blob_key, image_blob_key, content_type, size, duration, title)
    VALUES ${Prisma.join(rows)}
    ON CONFLICT (song_id, "index") DO UPDATE SET
      provider_track_id = EXCLUDED.provider_track_id, provider_audio_url = EXCLUDED.provider_audio_url,
      blob_key = EXCLUDED.blob_key, image_blob_key = EXCLUDED.image_blob_key, content_type = EXCLUDED.content_type,
      size = EXCLUDED.size, duration = EXCLUDED.duration, title = EXCLUDED.title`;
}
