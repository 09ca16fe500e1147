// The video templates castad can use, as the API shows them: each Creatomate template with the
// slots castad would fill (read from its RenderScript element names), its size and duration,
// and whether an ad can be made with it. The account's list and every template are cached
// through the shared template cache (Redis, TEMPLATE_CACHE_TTL_SECONDS), so listing costs the
// account's Creatomate rate limit once per TTL, not once per request.
import type { Config } from "../config.js";
import type { Redis } from "../redis.js";
import type { RateLimiter } from "../rate-limit.js";
import {
  chooseDefaultTemplate,
  createCreatomateClient,
  templateSlots,
  type CreatomateTemplate,
  type CreatomateTemplateSummary,
  type TemplateSlots,
} from "./creatomate.js";
import { ProviderError, ProviderErrorCode } from "./errors.js";
import { TemplateCache } from "./template-cache.js";
import { RedisRateLimiter } from "../rate-limit.js";

export interface VideoTemplateInfo {
  id: string;
  name: string;
  tags: string[];
  width: number | null;
  height: number | null;
  /** Seconds, when the template fixes it. */
  duration: number | null;
  slots: TemplateSlots;
  /** Why castad cannot make an ad with it, or null when it can. */
  problem: string | null;
  isDefault: boolean;
}

export function describeTemplate(t: CreatomateTemplate, defaultId: string | undefined): VideoTemplateInfo {
  const src = t.source;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : null);
  const slots = templateSlots(src);
  const format = typeof src.output_format === "string" ? src.output_format : "mp4";
  const problem =
    format !== "mp4"
      ? `it makes ${format} files, not videos`
      : slots.images.length === 0
        ? "it has no image element for the photos"
        : !slots.music
          ? "it has no audio element for the song"
          : null;
  return {
    id: t.id,
    name: t.name,
    tags: t.tags,
    width: num(src.width),
    height: num(src.height),
    duration: num(src.duration),
    slots,
    problem,
    isDefault: t.id === defaultId,
  };
}

export type TemplateCatalog = ReturnType<typeof createTemplateCatalog>;

export function createTemplateCatalog(
  config: Pick<Config, "creatomate" | "PROVIDER_CONNECT_TIMEOUT_MS" | "PROVIDER_MAX_RETRIES" | "CREATOMATE_RATE_LIMIT_PER_10S" | "REDIS_PREFIX" | "TEMPLATE_CACHE_TTL_SECONDS">,
  redis: Redis,
  opts: { rateLimiter?: RateLimiter } = {},
) {
  const templates = new TemplateCache<CreatomateTemplate>(redis, config);
  const lists = new TemplateCache<CreatomateTemplateSummary[]>(redis, config, { namespace: "template-list" });
  const client = createCreatomateClient(config, { templateCache: templates, rateLimiter: opts.rateLimiter ?? new RedisRateLimiter(redis, config) });

  const summaries = () => lists.get("account", () => client.listTemplates());
  const defaultId = async () => chooseDefaultTemplate(await summaries(), config.creatomate)?.id;

  return {
    /** Every template of the account, described; the default first. */
    async list(): Promise<VideoTemplateInfo[]> {
      const [all, def] = [await summaries(), await defaultId()];
      const described = await Promise.all(all.map(async (s) => describeTemplate(await client.getTemplate(s.id), def)));
      return described.sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.name.localeCompare(b.name));
    },
    /**
     * The template a video would use: `id`, or the default. Throws VIDEO_TEMPLATE_NOT_FOUND when
     * there is none (no such id, or no default configured).
     */
    async resolve(id: string | null): Promise<VideoTemplateInfo> {
      const chosen = id ?? (await defaultId());
      if (!chosen) {
        throw new ProviderError({
          provider: "creatomate",
          code: ProviderErrorCode.VIDEO_TEMPLATE_NOT_FOUND,
          retryable: false,
          message: `no template tagged "${config.creatomate.templateTag}" and no CREATOMATE_TEMPLATE_ID`,
        });
      }
      return describeTemplate(await client.getTemplate(chosen), await defaultId().catch(() => undefined));
    },
    close: () => client.close(),
  };
}
