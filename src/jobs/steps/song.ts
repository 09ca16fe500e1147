// Song: submit the lyrics to Suno once, then park until Suno's callback (or the next poll)
// says the tracks are ready, then stream the chosen track into our storage.
import type { Song } from "../../generated/prisma/client.js";
import { pickTrack, sunoTaskError } from "../../providers/index.js";
import { StepFailure } from "../failures.js";
import { DONE, pollDelay, type Step } from "../runner.js";
import { webhookUrl } from "../webhooks.js";
import { generationBlobKey } from "../../storage/keys.js";
import { advance, complete, copyPicture, copyReporter, start } from "./common.js";

const STAGE_MESSAGE: Record<string, string> = {
  PENDING: "The music service is composing the song",
  TEXT_SUCCESS: "The music service accepted the lyrics and is composing",
  FIRST_SUCCESS: "The first take is ready; finishing the song",
};

const MAX_SONG_BYTES = 200 * 1024 * 1024;

export const songStep: Step<"SONG"> = async (deps, initial, job) => {
  let row: Song | null = await start(deps, "SONG", initial, "Preparing the song");
  if (!row) return DONE;

  if (!row.providerTaskId) {
    const lyric = row.lyricId ? await deps.prisma.lyric.findUnique({ where: { id: row.lyricId } }) : null;
    if (!lyric || lyric.status !== "COMPLETED" || !lyric.text) {
      throw new StepFailure("FAILED_PRECONDITION", "The lyrics for this song are not available any more.");
    }
    const project = await deps.prisma.project.findUniqueOrThrow({ where: { id: row.projectId } });
    const taskId = await deps.providers.suno.submit({
      lyrics: lyric.text,
      title: row.title ?? lyric.title ?? project.storeName,
      style: row.style ?? lyric.style ?? "upbeat catchy jingle, advertisement",
      callBackUrl: webhookUrl(deps.config, "SONG", row.id),
    });
    // Stored before anything else: from here on a crash resumes this task, never resubmits.
    row = await advance(deps, "SONG", row, 10, STAGE_MESSAGE.PENDING!, { providerTaskId: taskId });
    if (!row) return DONE;
    return { waitMs: pollDelay(deps, 0) };
  }

  const state = await deps.providers.suno.getRecord(row.providerTaskId);
  if (state.state === "failed") throw sunoTaskError(state) ?? new StepFailure("SUNO_GENERATE_FAILED", "The music service could not make this song.");
  if (state.state === "pending") {
    // Provider progress fills 10..75; the copy into storage takes the rest.
    const pct = 10 + (state.progress * 65) / 100;
    row = await advance(deps, "SONG", row, pct, STAGE_MESSAGE[state.providerStatus] ?? "The music service is working on the song");
    return row ? { waitMs: pollDelay(deps, job.data.polls ?? 0) } : DONE;
  }

  const track = pickTrack(state.tracks);
  if (!track?.audioUrl) {
    // SUCCESS without a downloadable track yet: look again shortly.
    return { waitMs: pollDelay(deps, 0) };
  }
  row = await advance(deps, "SONG", row, 80, "Saving the song to storage");
  if (!row) return DONE;
  const audioKey = generationBlobKey(row.projectId, "songs", row.id, "audio");
  const reporter = copyReporter(deps, "SONG", row, 80, 95, "song");
  const audio = await deps.providers.copyUrlToBlob({
    url: track.audioUrl,
    storage: deps.storage,
    key: audioKey,
    maxBytes: MAX_SONG_BYTES,
    provider: "suno",
    onProgress: reporter.onProgress,
  });
  row = await reporter.settle();
  if (!row) return DONE;
  const imageKey = await copyPicture(deps, track.imageUrl, generationBlobKey(row.projectId, "songs", row.id, "cover"), "suno", row.id);
  await complete(
    deps,
    "SONG",
    row,
    {
      blobKey: audioKey,
      imageBlobKey: imageKey,
      contentType: audio.contentType,
      size: BigInt(audio.bytes),
      duration: track.duration,
      title: track.title ?? row.title,
      providerTrackId: track.id,
      providerAudioUrl: track.audioUrl,
    },
    "Song ready",
    [audioKey, imageKey],
  );
  return DONE;
};
