// Both Suno takes of a song: listing them and choosing which one the song (and every video made
// from it from now on) uses.
import type { SignedInContext } from "../http/context.js";
import { badInput, failedPrecondition, notFound } from "../errors.js";
import { inViewerProject } from "../auth/ownership.js";
import { transition } from "../generations/history.js";

type Ctx = Pick<SignedInContext, "services" | "viewer">;

/** The song's takes in order; batched with the other songs of the same request. */
export function songTakes(ctx: Pick<SignedInContext, "loaders">, songId: string) {
  return ctx.loaders.songTakes.load(songId);
}

/** Makes take `index` the song's audio. A video rendered afterwards (generateVideo with this
 *  song, or retryGeneration of a video) uses it. */
export async function selectSongTake(ctx: Ctx, songId: string, index: number) {
  const song = await ctx.services.prisma.song.findFirst({ where: inViewerProject(songId, ctx.viewer) });
  if (!song) throw notFound("song");
  if (song.status !== "COMPLETED") throw failedPrecondition(`that song is ${song.status}; takes can be chosen once it is COMPLETED`);
  const take = await ctx.services.prisma.songTake.findUnique({ where: { songId_index: { songId, index } } });
  if (!take) throw badInput("index", `this song has no take ${index}`);
  if (song.selectedTake === index) return song;
  const updated = await transition(ctx.services, {
    kind: "SONG",
    id: song.id,
    from: ["COMPLETED"],
    attempt: song.attempt,
    data: {
      selectedTake: index,
      blobKey: take.blobKey,
      imageBlobKey: take.imageBlobKey,
      contentType: take.contentType,
      size: take.size,
      duration: take.duration,
      providerTrackId: take.providerTrackId,
      providerAudioUrl: take.providerAudioUrl,
      ...(take.title ? { title: take.title } : {}),
    },
    message: `Take ${index + 1} selected`,
  });
  if (!updated) throw failedPrecondition("the song changed meanwhile; try again");
  return updated;
}
