// What castad asks Creatomate to render for a video: the template (the row's, checked by the
// API before anything was spent), the photos, the chosen take of the song, the lyrics as timed
// captions (Suno's timestamped lyrics) or plain text, the store name and address — as a
// RenderScript whose duration is the template's (the song is faded out and cut there) and whose
// snapshot time makes Creatomate produce a thumbnail.
import type { Song, Video } from "../generated/prisma/client.js";
import { planModifications, type CreateRenderInput } from "../providers/creatomate.js";
import { buildRenderSource, captionLines, fitDuration, type Caption } from "../providers/render-source.js";
import { StepFailure } from "./failures.js";
import type { WorkerDeps } from "./runner.js";

const MAX_PHOTOS = 10;
/** A template without its own duration gets at most this much of the song. */
export const MAX_AD_SECONDS = 60;

async function templateFor(deps: WorkerDeps, video: Video) {
  if (video.templateId) return deps.providers.creatomate.getTemplate(video.templateId);
  // Rows made before templates were chosen up front: the default, never "the first one".
  const info = await deps.templates.resolve(null);
  return deps.providers.creatomate.getTemplate(info.id);
}

/** Timed caption lines for the song's take, or undefined when Suno cannot tell (captions are a
 *  nicety: the lyrics then show as plain text). */
async function captionsFor(deps: WorkerDeps, song: Song, until: number): Promise<Caption[] | undefined> {
  if (!song.providerTaskId || !song.providerTrackId) return undefined;
  try {
    const words = await deps.providers.suno.getAlignedWords(song.providerTaskId, song.providerTrackId);
    const lines = captionLines(words, until);
    return lines.length > 0 ? lines : undefined;
  } catch (err) {
    deps.log.warn({ err: String(err), songId: song.id }, "no timestamped lyrics; showing the lyrics without timing");
    return undefined;
  }
}

export async function renderRequest(deps: WorkerDeps, video: Video, webhookUrl: string): Promise<{ input: CreateRenderInput; templateId: string; duration: number }> {
  // The song with its lyric, project and photos: one statement (Prisma joins the relations).
  // A video's song is always of the video's own project (generateVideo and generateAd see to it).
  const [song, template] = await Promise.all([
    video.songId
      ? deps.prisma.song.findUnique({
          where: { id: video.songId },
          include: { lyric: { select: { text: true } }, project: { include: { images: { orderBy: { order: "asc" }, take: MAX_PHOTOS } } } },
        })
      : null,
    templateFor(deps, video),
  ]);
  if (!song || song.status !== "COMPLETED" || !song.blobKey) {
    throw new StepFailure("FAILED_PRECONDITION", "The song for this video is not available any more.");
  }
  const { project, lyric } = song;
  const images = project.images;
  if (images.length === 0) throw new StepFailure("FAILED_PRECONDITION", "The project has no photos any more.");
  const plan = planModifications(template, {
    imageUrls: await Promise.all(images.map((i) => deps.storage.readUrl(i.blobKey))),
    audioUrl: await deps.storage.readUrl(song.blobKey),
    lyrics: lyric?.text || undefined,
    storeName: project.storeName,
    address: project.address || undefined,
  });
  const templateSeconds = typeof template.source.duration === "number" && template.source.duration > 0 ? template.source.duration : null;
  const duration = fitDuration(templateSeconds, song.duration, MAX_AD_SECONDS);
  const captions = plan.slots.lyrics ? await captionsFor(deps, song, duration) : undefined;
  const source = buildRenderSource(template, plan, { duration, snapshotTime: Math.min(3, duration / 2), captions });
  return {
    templateId: template.id,
    duration,
    input: { templateId: template.id, source, modifications: {}, webhookUrl, metadata: video.id, outputFormat: "mp4" },
  };
}
