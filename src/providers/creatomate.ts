// Creatomate: templates (cached), renders, webhooks. Wire traps handled here:
//   - POST /v1/renders answers 202 with an ARRAY of renders (v2 answers a single object);
//   - `url` is present at once but only downloadable after `succeeded` (we null it before);
//   - unknown statuses are "still in progress", never success;
//   - modifications must use the element names the template's `source` actually has.
import { z } from "zod";
import type { Config } from "../config.js";
import { ProviderError, ProviderErrorCode, recode, safeDetail } from "./errors.js";
import { providerHttpClient, type HttpTimeouts, type ProviderClientOptions } from "./http.js";
import type { TemplateCache } from "./template-cache.js";
import { looseNumber as num } from "./util.js";

export interface CreatomateTemplateSummary {
  id: string;
  name: string;
  tags: string[];
  createdAt: string | null;
  updatedAt: string | null;
}

export interface CreatomateTemplate extends CreatomateTemplateSummary {
  /** RenderScript: `{output_format, width, height, elements: [{name, type, ...}, ...]}`. */
  source: Record<string, unknown>;
}

type CreatomateRenderState = "pending" | "succeeded" | "failed";

export interface CreatomateRender {
  id: string;
  state: CreatomateRenderState;
  providerStatus: string;
  progress: number;
  /** Only set once the render succeeded (before that the file does not exist yet). */
  url: string | null;
  snapshotUrl: string | null;
  duration: number | null;
  width: number | null;
  height: number | null;
  fileSize: number | null;
  errorMessage: string | null;
  metadata: string | null;
  templateId: string | null;
  outputFormat: string | null;
}

export interface CreateRenderInput {
  templateId: string;
  /** A full RenderScript to render instead of `templateId` (see withRenderSettings). */
  source?: Record<string, unknown>;
  modifications: Record<string, string | number | boolean | null>;
  webhookUrl?: string;
  /** Echoed back in the render and the webhook: put our own id here. */
  metadata?: string;
  outputFormat?: "mp4" | "gif" | "jpg" | "png";
  maxWidth?: number;
  maxHeight?: number;
  frameRate?: number;
  renderScale?: number;
}

// ---- wire schemas ----

const str = z
  .string()
  .nullish()
  .transform((v) => (v === null || v === undefined || v === "" ? null : v));

const summarySchema = z.object({
  id: z.string().min(1),
  name: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
  created_at: str,
  updated_at: str,
});

const templateSchema = summarySchema.extend({
  source: z.record(z.string(), z.unknown()),
});

const renderSchema = z.object({
  id: z.string().min(1),
  status: z.string().min(1),
  error_message: str,
  url: str,
  snapshot_url: str,
  template_id: str,
  output_format: str,
  width: num,
  height: num,
  duration: num,
  file_size: num,
  metadata: z
    .unknown()
    .optional()
    .transform((v) => (v === null || v === undefined ? null : typeof v === "string" ? v : JSON.stringify(v))),
});

const PROGRESS: Record<string, number> = { planned: 5, waiting: 10, transcribing: 20, rendering: 50, succeeded: 100, failed: 100, cancelled: 100 };

function normalizeRender(r: z.infer<typeof renderSchema>): CreatomateRender {
  const status = r.status;
  const state: CreatomateRenderState = status === "succeeded" ? "succeeded" : status === "failed" || status === "cancelled" ? "failed" : "pending";
  return {
    id: r.id,
    state,
    providerStatus: status,
    progress: PROGRESS[status] ?? 5,
    url: state === "succeeded" ? r.url : null,
    snapshotUrl: state === "succeeded" ? r.snapshot_url : null,
    duration: r.duration,
    width: r.width,
    height: r.height,
    fileSize: r.file_size,
    errorMessage: r.error_message,
    metadata: r.metadata,
    templateId: r.template_id,
    outputFormat: r.output_format,
  };
}

function bad(message: string, retryable: boolean) {
  return new ProviderError({ provider: "creatomate", code: ProviderErrorCode.PROVIDER_BAD_RESPONSE, retryable, message });
}

/** Parses one Render object (GET body or webhook body). */
function parseRender(body: unknown, retryable = true): CreatomateRender {
  const parsed = renderSchema.safeParse(body);
  if (!parsed.success) throw bad(`render has an unexpected shape: ${z.prettifyError(parsed.error).slice(0, 300)}`, retryable);
  return normalizeRender(parsed.data);
}

/** Parses a webhook POST body (a Render object). Throws PROVIDER_BAD_RESPONSE (not retryable) when it is not one. */
export function parseWebhook(body: unknown): CreatomateRender {
  return parseRender(body, false);
}

/** POST /v1/renders answers an array (v1) or one object (v2). Returns the first render. */
export function parseCreateRenderResponse(body: unknown): CreatomateRender {
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0) throw bad("create render answered an empty array", true);
  return parseRender(list[0], true);
}

export function parseTemplate(body: unknown): CreatomateTemplate {
  const parsed = templateSchema.safeParse(body);
  if (!parsed.success) throw bad(`template has an unexpected shape: ${z.prettifyError(parsed.error).slice(0, 300)}`, true);
  const t = parsed.data;
  return { id: t.id, name: t.name ?? "", tags: t.tags ?? [], createdAt: t.created_at, updatedAt: t.updated_at, source: t.source };
}

/** The ProviderError for a failed render, or undefined when it did not fail. */
export function renderError(render: CreatomateRender): ProviderError | undefined {
  if (render.state !== "failed") return undefined;
  const cancelled = render.providerStatus === "cancelled";
  return new ProviderError({
    provider: "creatomate",
    code: cancelled ? ProviderErrorCode.VIDEO_RENDER_CANCELLED : ProviderErrorCode.VIDEO_RENDER_FAILED,
    retryable: false,
    providerStatus: render.providerStatus,
    message: `render ${render.id} ${render.providerStatus}${render.errorMessage ? `: ${safeDetail(render.errorMessage)}` : ""}`,
  });
}

// ---- template → modifications ----

export interface TemplateElement {
  name: string;
  type: string | null;
}

/** Named elements of a RenderScript source, depth-first in document order (compositions included). */
function templateElements(source: Record<string, unknown>): TemplateElement[] {
  const out: TemplateElement[] = [];
  const walk = (elements: unknown, depth: number) => {
    if (!Array.isArray(elements) || depth > 10) return;
    for (const el of elements) {
      if (!el || typeof el !== "object") continue;
      const e = el as { name?: unknown; type?: unknown; elements?: unknown };
      if (typeof e.name === "string" && e.name.trim() !== "") out.push({ name: e.name, type: typeof e.type === "string" ? e.type : null });
      walk(e.elements, depth + 1);
    }
  };
  walk(source.elements, 0);
  return out;
}

interface ModificationInput {
  imageUrls: readonly string[];
  audioUrl: string;
  lyrics?: string;
  storeName?: string;
  address?: string;
}

/** The elements castad fills, by name; null when the template has no such element. */
export interface TemplateSlots {
  images: string[];
  music: string | null;
  /** A text element named for lyrics, subtitles or captions. */
  lyrics: string | null;
  storeName: string | null;
  address: string | null;
}

export interface ModificationPlan {
  modifications: Record<string, string>;
  slots: TemplateSlots;
}

const AUDIO_NAMES = ["music", "audio", "song", "audio-1", "soundtrack"];

/**
 * Which element gets what, by the names the template's author gave them:
 *   - photos → `Image-N` elements by N (if the template has any), else every named image
 *     element except logos, in document order;
 *   - the song → the audio element named Music/Audio/Song, else the first audio element;
 *   - lyrics → a text element whose name says lyrics, subtitle or caption (never a generic
 *     `Text-1`: a template's first text is as likely a headline);
 *   - store name → a text element named for the store/business/brand, or `Title`;
 *   - address → a text element named for the address or location.
 */
export function templateSlots(source: Record<string, unknown>): TemplateSlots {
  const elements = templateElements(source);
  const isType = (e: TemplateElement, t: string) => e.type?.toLowerCase() === t;
  const numbered = elements
    .map((e) => ({ e, m: /^image-(\d+)$/i.exec(e.name) }))
    .filter((x): x is { e: TemplateElement; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]))
    .map((x) => x.e.name);
  const images = [
    ...new Set(numbered.length > 0 ? numbered : elements.filter((e) => isType(e, "image") && !/logo/i.test(e.name)).map((e) => e.name)),
  ];
  const audios = elements.filter((e) => isType(e, "audio") || (e.type === null && AUDIO_NAMES.includes(e.name.toLowerCase())));
  const music = audios.find((e) => AUDIO_NAMES.includes(e.name.toLowerCase()))?.name ?? audios[0]?.name ?? null;
  const texts = elements.filter((e) => isType(e, "text") || e.type === null);
  const find = (re: RegExp, except: (string | null)[] = []) => texts.find((e) => re.test(e.name) && !except.includes(e.name))?.name ?? null;
  const lyrics = find(/lyric|subtitle|caption/i);
  const storeName = find(/store|business|brand|^title$/i, [lyrics]);
  const address = find(/address|location/i, [lyrics, storeName]);
  return { images, music, lyrics, storeName, address };
}

/** Lyrics as they are sung and shown: without `[Verse]`-style section lines. */
export function stripSectionTags(lyrics: string): string {
  return lyrics
    .split("\n")
    .filter((l) => !/^\s*\[[^\]]*\]\s*$/.test(l))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/**
 * Maps our inputs onto the template's slots (see templateSlots). Fewer photos than slots: photos
 * are reused in order so no slot shows the template's placeholder; more: extras are left out.
 * Throws permanent VIDEO_TEMPLATE_INCOMPATIBLE without an image or audio element, and
 * VIDEO_NO_IMAGES without photos.
 */
export function planModifications(template: Pick<CreatomateTemplate, "id" | "source">, input: ModificationInput): ModificationPlan {
  const slots = templateSlots(template.source);
  const incompatible = (what: string) =>
    new ProviderError({
      provider: "creatomate",
      code: ProviderErrorCode.VIDEO_TEMPLATE_INCOMPATIBLE,
      retryable: false,
      message: `template ${template.id} has no ${what} element`,
    });
  if (slots.images.length === 0) throw incompatible("image");
  if (!slots.music) throw incompatible("audio");
  const images = input.imageUrls.filter((u) => typeof u === "string" && u.trim() !== "");
  if (images.length === 0) {
    throw new ProviderError({ provider: "creatomate", code: ProviderErrorCode.VIDEO_NO_IMAGES, retryable: false, message: "no image URLs given" });
  }
  const modifications: Record<string, string> = {};
  slots.images.forEach((slot, i) => (modifications[slot] = images[i % images.length]!));
  modifications[slots.music] = input.audioUrl;
  if (slots.lyrics && input.lyrics) modifications[slots.lyrics] = stripSectionTags(input.lyrics);
  if (slots.storeName && input.storeName) modifications[slots.storeName] = input.storeName;
  if (slots.address && input.address) modifications[slots.address] = input.address;
  return { modifications, slots };
}

export function buildModifications(template: Pick<CreatomateTemplate, "id" | "source">, input: ModificationInput): Record<string, string> {
  return planModifications(template, input).modifications;
}

// ---- default template ----

/**
 * The template used when a request names none: CREATOMATE_TEMPLATE_ID when set, else the most
 * recently updated template carrying the tag (CREATOMATE_TEMPLATE_TAG, default `castad`). Never
 * "the first one": an account's first template is whatever was made first, often a demo.
 */
export function chooseDefaultTemplate(
  templates: readonly CreatomateTemplateSummary[],
  config: { templateId: string | undefined; templateTag: string },
): CreatomateTemplateSummary | undefined {
  if (config.templateId) return templates.find((t) => t.id === config.templateId) ?? { id: config.templateId, name: "", tags: [], createdAt: null, updatedAt: null };
  const tagged = templates.filter((t) => t.tags.some((x) => x.toLowerCase() === config.templateTag.toLowerCase()));
  return tagged.sort((a, b) => (b.updatedAt ?? "").localeCompare(a.updatedAt ?? ""))[0];
}

// ---- client ----

interface CreatomateClientOptions extends ProviderClientOptions {
  templateCache?: TemplateCache<CreatomateTemplate>;
}

export type CreatomateClient = ReturnType<typeof createCreatomateClient>;

export function createCreatomateClient(
  config: Pick<Config, "creatomate" | "CREATOMATE_RATE_LIMIT_PER_10S"> & HttpTimeouts,
  opts: CreatomateClientOptions = {},
) {
  // Creatomate allows 30 requests per 10 s for the whole account — every request, polls and
  // template reads included — so every attempt of every process takes a slot of one shared limiter.
  const limiter = opts.rateLimiter;
  const http = providerHttpClient("creatomate", config.creatomate, config, opts, {
    ...(limiter
      ? { beforeAttempt: (signal?: AbortSignal) => limiter.acquire("creatomate:account", config.CREATOMATE_RATE_LIMIT_PER_10S, 10_000, { signal }) }
      : {}),
  });

  async function fetchTemplate(id: string, signal?: AbortSignal): Promise<CreatomateTemplate> {
    try {
      const res = await http.get(`/v2/templates/${encodeURIComponent(id)}`, { signal });
      return parseTemplate(res.body);
    } catch (err) {
      if (err instanceof ProviderError && err.status === 404) {
        throw recode(err, ProviderErrorCode.VIDEO_TEMPLATE_NOT_FOUND, { retryable: false });
      }
      throw err;
    }
  }

  return {
    http,
    async listTemplates(signal?: AbortSignal): Promise<CreatomateTemplateSummary[]> {
      const res = await http.get("/v1/templates", { signal });
      const parsed = z.array(summarySchema).safeParse(res.body);
      if (!parsed.success) throw bad("template list is not an array of templates", true);
      return parsed.data.map((t) => ({ id: t.id, name: t.name ?? "", tags: t.tags ?? [], createdAt: t.created_at, updatedAt: t.updated_at }));
    },
    /** GET /v2/templates/:id through the shared cache. 404 → permanent VIDEO_TEMPLATE_NOT_FOUND. */
    async getTemplate(id: string, signal?: AbortSignal): Promise<CreatomateTemplate> {
      if (!id) throw new ProviderError({ provider: "creatomate", code: ProviderErrorCode.VIDEO_TEMPLATE_NOT_FOUND, retryable: false, message: "empty template id" });
      if (!opts.templateCache) return fetchTemplate(id, signal);
      return opts.templateCache.get(id, (x) => fetchTemplate(x, signal));
    },
    /** POST /v1/renders. Accepts the v1 array and the v2 single object. With `source` the
     *  RenderScript is sent instead of the template id (top-level settings such as `duration` and
     *  `snapshot_time` can only be set that way). */
    async createRender(input: CreateRenderInput, signal?: AbortSignal): Promise<CreatomateRender> {
      const body: Record<string, unknown> = input.source
        ? { source: input.source, modifications: input.modifications }
        : { template_id: input.templateId, modifications: input.modifications };
      if (input.webhookUrl) body.webhook_url = input.webhookUrl;
      if (input.metadata !== undefined) body.metadata = input.metadata;
      if (input.outputFormat) body.output_format = input.outputFormat;
      if (input.maxWidth) body.max_width = input.maxWidth;
      if (input.maxHeight) body.max_height = input.maxHeight;
      if (input.frameRate) body.frame_rate = input.frameRate;
      if (input.renderScale) body.render_scale = input.renderScale;
      try {
        const res = await http.post("/v1/renders", body, { signal });
        if (Array.isArray(res.body) && res.body.length > 1) opts.logger?.warn({ count: res.body.length }, "creatomate created several renders; using the first");
        return parseCreateRenderResponse(res.body);
      } catch (err) {
        if (err instanceof ProviderError && err.status === 404) throw recode(err, ProviderErrorCode.VIDEO_TEMPLATE_NOT_FOUND, { retryable: false });
        throw err;
      }
    },
    async getRender(id: string, signal?: AbortSignal): Promise<CreatomateRender> {
      const res = await http.get(`/v1/renders/${encodeURIComponent(id)}`, { signal });
      return parseRender(res.body, true);
    },
    parseWebhook,
    buildModifications,
    planModifications,
    renderError,
    close: (force?: boolean) => http.close(force),
  };
}
