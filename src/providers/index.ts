// Wires the provider clients for one process: one keep-alive agent per provider (plus one for
// media downloads), a Redis rate limiter and template cache shared with every other process.
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { Redis } from "../redis.js";
import { createCreatomateClient, type CreatomateTemplate } from "./creatomate.js";
import { copyUrlToBlob, createDownloadDispatcher, type CopyUrlToBlobOptions } from "./download.js";
import { createLyricsClient } from "./lyrics.js";
import { RedisRateLimiter } from "../rate-limit.js";
import { createSunoClient } from "./suno.js";
import { TemplateCache } from "./template-cache.js";

export * from "./errors.js";
export type { CreatomateClient, CreatomateRender, CreatomateTemplate, CreatomateTemplateSummary, CreateRenderInput } from "./creatomate.js";
export type { SunoClient, SunoTaskState, SunoTrack, SunoSubmitInput } from "./suno.js";
export type { LyricsClient, LyricsRequest, LyricsResult, LyricsLanguage } from "./lyrics.js";
export type { CopyResult, CopyUrlToBlobOptions } from "./download.js";
export { pickTrack, parseCallback as parseSunoCallback, sunoTaskError } from "./suno.js";
export { parseWebhook as parseCreatomateWebhook, buildModifications, renderError } from "./creatomate.js";
export { createLyricsClient, createSunoClient, createCreatomateClient, copyUrlToBlob, createDownloadDispatcher, RedisRateLimiter, TemplateCache };

interface CreateProvidersOptions {
  logger?: Pick<Logger, "warn" | "debug">;
}

export type Providers = ReturnType<typeof createProviders>;

export function createProviders(config: Config, redis: Redis, opts: CreateProvidersOptions = {}) {
  const rateLimiter = new RedisRateLimiter(redis, config);
  const templateCache = new TemplateCache<CreatomateTemplate>(redis, config, { logger: opts.logger });
  const lyrics = createLyricsClient(config);
  const suno = createSunoClient(config, { rateLimiter, logger: opts.logger });
  const creatomate = createCreatomateClient(config, { templateCache, rateLimiter, logger: opts.logger });
  const downloads = createDownloadDispatcher(config.PROVIDER_CONNECT_TIMEOUT_MS);

  let closed: Promise<void> | undefined;
  return {
    lyrics,
    suno,
    creatomate,
    /** Shared by the clients above; exposed for their stats() (rate limiter waits and template
     *  cache hits on /metrics). */
    rateLimiter,
    templateCache,
    /** copyUrlToBlob on this process's download agent; timeoutMs defaults to DOWNLOAD_TIMEOUT_MS. */
    copyUrlToBlob(o: Omit<CopyUrlToBlobOptions, "dispatcher" | "timeoutMs"> & { timeoutMs?: number }) {
      return copyUrlToBlob({ ...o, timeoutMs: o.timeoutMs ?? config.DOWNLOAD_TIMEOUT_MS, dispatcher: downloads });
    },
    /** Closes every agent, aborting requests in flight when `force`. Does not close `redis` (the
     *  caller owns it). Idempotent. */
    close(force = false): Promise<void> {
      closed ??= Promise.allSettled([lyrics.close(force), suno.close(force), creatomate.close(force), force ? downloads.destroy() : downloads.close()]).then(() => undefined);
      return closed;
    },
  };
}
