// Video: Creatomate renders the project's photos, the chosen take of the song and the lyrics as
// timed captions with the template, cut to the template's length (see render-request.ts); the
// MP4 and its snapshot are copied into our storage.
import type { Video } from "../../generated/prisma/client.js";
import type { CreatomateRender } from "../../providers/index.js";
import { parseCreatomateWebhook, renderError } from "../../providers/index.js";
import { renderRequest } from "../render-request.js";
import { StepFailure } from "../failures.js";
import type { WorkerDeps } from "../runner.js";
import { providerTaskStep, type ProviderTask } from "./provider-task.js";

async function submitRender(deps: WorkerDeps, video: Video, webhookUrl: string, sending: () => Promise<void>) {
  const { input, templateId } = await renderRequest(deps, video, webhookUrl);
  await sending();
  const render = await deps.providers.creatomate.createRender(input);
  return { id: render.id, data: { templateId } };
}

export const videoTask: ProviderTask<"VIDEO", CreatomateRender> = {
  kind: "VIDEO",
  provider: "creatomate",
  blobs: { folder: "videos", file: "video.mp4", picture: "thumbnail.jpg", contentType: "video/mp4", maxBytes: 1024 * 1024 * 1024 },
  messages: {
    start: "Preparing the video",
    submitted: "The video is waiting to be rendered",
    pending: {
      planned: "The video is waiting to be rendered",
      waiting: "The video is waiting to be rendered",
      transcribing: "Preparing the video's audio",
      rendering: "Rendering the video",
    },
    working: "Rendering the video",
    ready: "Video ready",
  },
  submit: submitRender,
  check: (deps, renderId) => deps.providers.creatomate.getRender(renderId),
  failure: (render) => renderError(render) ?? new StepFailure("VIDEO_RENDER_FAILED", "The video could not be rendered."),
  result(render) {
    if (!render.url) return null;
    return {
      url: render.url,
      pictureUrl: render.snapshotUrl,
      saving: { providerUrl: render.url },
      completed: (file, thumbKey) => ({
        blobKey: file.key,
        thumbnailBlobKey: thumbKey,
        contentType: file.contentType,
        size: BigInt(file.bytes),
        duration: render.duration,
        width: render.width,
        height: render.height,
      }),
    };
  },
  taskIdInCallback: (body) => parseCreatomateWebhook(body).id,
};

export const videoStep = providerTaskStep(videoTask);
