// Video: render the project's photos, the song and the lyrics with a Creatomate template,
// park until the render is done (webhook or poll), then stream the MP4 and its snapshot into
// our storage.
import type { Video } from "../../generated/prisma/client.js";
import { buildModifications, renderError } from "../../providers/index.js";
import { StepFailure } from "../failures.js";
import { DONE, pollDelay, type Step, type WorkerDeps } from "../runner.js";
import { webhookUrl } from "../webhooks.js";
import { generationBlobKey } from "../../storage/keys.js";
import { advance, complete, copyPicture, copyReporter, start } from "./common.js";

const MAX_VIDEO_BYTES = 1024 * 1024 * 1024;
const MAX_PHOTOS = 10;

const RENDER_MESSAGE: Record<string, string> = {
  planned: "The video is waiting to be rendered",
  waiting: "The video is waiting to be rendered",
  transcribing: "Preparing the video's audio",
  rendering: "Rendering the video",
};

async function chooseTemplate(deps: WorkerDeps, video: Video): Promise<string> {
  if (video.templateId) return video.templateId;
  if (deps.config.creatomate.templateId) return deps.config.creatomate.templateId;
  const [first] = await deps.providers.creatomate.listTemplates();
  if (!first) throw new StepFailure("VIDEO_TEMPLATE_NOT_FOUND", "No video template is available.");
  return first.id;
}

async function submitRender(deps: WorkerDeps, video: Video) {
  const song = video.songId ? await deps.prisma.song.findUnique({ where: { id: video.songId } }) : null;
  if (!song || song.status !== "COMPLETED" || !song.blobKey) {
    throw new StepFailure("FAILED_PRECONDITION", "The song for this video is not available any more.");
  }
  const [project, lyric, images] = await Promise.all([
    deps.prisma.project.findUniqueOrThrow({ where: { id: video.projectId } }),
    song.lyricId ? deps.prisma.lyric.findUnique({ where: { id: song.lyricId } }) : null,
    deps.prisma.projectImage.findMany({ where: { projectId: video.projectId }, orderBy: { order: "asc" }, take: MAX_PHOTOS }),
  ]);
  if (images.length === 0) throw new StepFailure("FAILED_PRECONDITION", "The project has no photos any more.");
  const templateId = await chooseTemplate(deps, video);
  const template = await deps.providers.creatomate.getTemplate(templateId);
  const modifications = buildModifications(template, {
    imageUrls: await Promise.all(images.map((i) => deps.storage.readUrl(i.blobKey))),
    audioUrl: await deps.storage.readUrl(song.blobKey),
    ...(lyric?.text ? { lyrics: lyric.text } : {}),
    storeName: project.storeName,
  });
  const render = await deps.providers.creatomate.createRender({
    templateId,
    modifications,
    webhookUrl: webhookUrl(deps.config, "VIDEO", video.id),
    metadata: video.id,
    outputFormat: "mp4",
  });
  return { render, templateId };
}

export const videoStep: Step<"VIDEO"> = async (deps, initial, job) => {
  let row: Video | null = await start(deps, "VIDEO", initial, "Preparing the video");
  if (!row) return DONE;

  if (!row.providerRenderId) {
    const { render, templateId } = await submitRender(deps, row);
    row = await advance(deps, "VIDEO", row, 10, RENDER_MESSAGE.planned!, { providerRenderId: render.id, templateId });
    if (!row) return DONE;
    return { waitMs: pollDelay(deps, 0) };
  }

  const render = await deps.providers.creatomate.getRender(row.providerRenderId);
  if (render.state === "failed") throw renderError(render) ?? new StepFailure("VIDEO_RENDER_FAILED", "The video could not be rendered.");
  if (render.state === "pending") {
    row = await advance(deps, "VIDEO", row, 10 + (render.progress * 65) / 100, RENDER_MESSAGE[render.providerStatus] ?? "Rendering the video");
    return row ? { waitMs: pollDelay(deps, job.data.polls ?? 0) } : DONE;
  }
  if (!render.url) return { waitMs: pollDelay(deps, 0) };

  row = await advance(deps, "VIDEO", row, 80, "Saving the video to storage", { providerUrl: render.url });
  if (!row) return DONE;
  const videoKey = generationBlobKey(row.projectId, "videos", row.id, "video");
  const reporter = copyReporter(deps, "VIDEO", row, 80, 95, "video");
  const copied = await deps.providers.copyUrlToBlob({
    url: render.url,
    storage: deps.storage,
    key: videoKey,
    contentType: "video/mp4",
    maxBytes: MAX_VIDEO_BYTES,
    provider: "creatomate",
    onProgress: reporter.onProgress,
  });
  row = await reporter.settle();
  if (!row) return DONE;
  const thumbKey = await copyPicture(deps, render.snapshotUrl, generationBlobKey(row.projectId, "videos", row.id, "thumbnail"), "creatomate", row.id);
  await complete(
    deps,
    "VIDEO",
    row,
    {
      blobKey: videoKey,
      thumbnailBlobKey: thumbKey,
      contentType: copied.contentType,
      size: BigInt(copied.bytes),
      duration: render.duration,
      width: render.width,
      height: render.height,
    },
    "Video ready",
    [videoKey, thumbKey],
  );
  return DONE;
};
