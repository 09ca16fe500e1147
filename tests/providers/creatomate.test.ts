import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { startSandbox, SANDBOX_TEMPLATE_IDS, type Sandbox } from "../../sandbox/server.js";
import {
  createCreatomateClient,
  parseCreateRenderResponse,
  parseWebhook,
  renderError,
  type CreatomateRender,
  type CreatomateTemplate,
} from "../../src/providers/creatomate.js";
import { createSunoClient, parseCallback, pickTrack } from "../../src/providers/suno.js";
import { TemplateCache } from "../../src/providers/template-cache.js";
import { RedisRateLimiter } from "../../src/rate-limit.js";
import type { Config } from "../../src/config.js";
import { dropPrefix, newRedis, providerError, randomPrefix, testConfig, withKey } from "../helpers/providers.js";
import { startReceiver, type Receiver } from "../helpers/receiver.js";
import { waitFor } from "../helpers/pipeline-tools.js";

let sb: Sandbox;
let rx: Receiver;
let config: Config;
let redis: Redis;
const prefix = randomPrefix();
let media: { imageUrl: string; audioUrl: string };

beforeAll(async () => {
  [sb, rx] = await Promise.all([startSandbox({ port: 0, apiKey: "sandbox-key", speed: 100 }), startReceiver()]);
  config = testConfig(sb.url, { REDIS_PREFIX: prefix });
  redis = newRedis();
  // Real media for the renders: a sandbox Suno song and its cover image.
  const suno = createSunoClient(config);
  try {
    const taskId = await suno.submit({ lyrics: "[Verse]\nla la", title: "Song", style: "pop", callBackUrl: `${rx.url}/suno` });
    const done = await rx.waitFor((r) => {
      const d = (r.body as { data?: { task_id?: string; callbackType?: string } }).data;
      return d?.task_id === taskId && d.callbackType === "complete";
    });
    const track = pickTrack(parseCallback(done!.body).tracks)!;
    media = { imageUrl: track.imageUrl!, audioUrl: track.audioUrl! };
  } finally {
    await suno.close();
  }
});
afterAll(async () => {
  await Promise.all([sb?.close(), rx?.close()]);
  if (redis) {
    await dropPrefix(redis, prefix);
    redis.disconnect();
  }
});

function client(cfg: Config = config, ttlSeconds = 60) {
  const templateCache = new TemplateCache<CreatomateTemplate>(redis, cfg, { ttlSeconds });
  return { templateCache, cm: createCreatomateClient(cfg, { templateCache, rateLimiter: new RedisRateLimiter(redis, cfg), retryBaseMs: 50 }) };
}

const webhookFor = (id: string) => (r: { body: unknown }) => (r.body as { id?: string } | null)?.id === id;

describe("creatomate client against the sandbox", () => {
  it("lists templates; getTemplate goes through the cache; unknown id → permanent VIDEO_TEMPLATE_NOT_FOUND", async () => {
    const { cm, templateCache } = client();
    try {
      const list = await cm.listTemplates();
      expect(list.map((t) => t.id)).toEqual(expect.arrayContaining(Object.values(SANDBOX_TEMPLATE_IDS)));
      const before = sb.stats().creatomate.templateRequests;
      const t1 = await cm.getTemplate(SANDBOX_TEMPLATE_IDS.portrait);
      const t2 = await cm.getTemplate(SANDBOX_TEMPLATE_IDS.portrait);
      expect(t2).toEqual(t1);
      expect(sb.stats().creatomate.templateRequests - before).toBe(1);
      expect(templateCache.stats()).toMatchObject({ local: { hits: 1, misses: 1 }, redis: { misses: 1 }, loads: 1 });
      expect(await redis.ttl(templateCache.key(SANDBOX_TEMPLATE_IDS.portrait))).toBeGreaterThan(50);
      const err = await providerError(() => cm.getTemplate("00000000-0000-0000-0000-000000000000"));
      expect(err).toMatchObject({ code: "VIDEO_TEMPLATE_NOT_FOUND", retryable: false, status: 404 });
    } finally {
      await cm.close();
    }
  });

  it("render from the template's real element names: 202 + array → webhook succeeded → GET succeeded", async () => {
    const { cm } = client();
    try {
      const template = await cm.getTemplate(SANDBOX_TEMPLATE_IDS.landscape);
      const modifications = cm.buildModifications(template, {
        imageUrls: [media.imageUrl, media.imageUrl],
        audioUrl: media.audioUrl,
        lyrics: "Cafe Moon, Cafe Moon\ncoffee and cake",
        storeName: "Cafe Moon",
      });
      // The slideshow templates have no element named for lyrics: Text-1 stays as designed.
      expect(Object.keys(modifications).sort()).toEqual(["Image-1", "Image-2", "Image-3", "Image-4", "Image-5", "Music", "Title"]);
      const created = await cm.createRender({
        templateId: template.id,
        modifications,
        webhookUrl: `${rx.url}/creatomate`,
        metadata: "video-42",
        outputFormat: "mp4",
        maxWidth: 640,
      });
      expect(created).toMatchObject({ state: "pending", metadata: "video-42", url: null });
      const hook = await rx.waitFor(webhookFor(created.id));
      const fromHook = parseWebhook(hook!.body);
      expect(fromHook).toMatchObject({ id: created.id, state: "succeeded", progress: 100, metadata: "video-42" });
      const got = await cm.getRender(created.id);
      expect(got).toMatchObject({ id: created.id, state: "succeeded", providerStatus: "succeeded", metadata: "video-42" });
      expect(got.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      expect(got.fileSize).toBeGreaterThan(0);
      expect(got.duration).toBeGreaterThan(0);
      expect(got.width).toBeLessThanOrEqual(640);
      const file = await fetch(got.url!);
      expect(file.status).toBe(200);
      await file.arrayBuffer();
    } finally {
      await cm.close();
    }
  });

  it("v2 answers a single object; the same parser accepts it", async () => {
    const { cm } = client();
    try {
      const res = await cm.http.post("/v2/renders", {
        template_id: SANDBOX_TEMPLATE_IDS.landscape,
        modifications: { "Image-1": media.imageUrl, Music: media.audioUrl },
        metadata: "[sandbox:no-webhook]",
      });
      expect(res.status).toBe(202);
      expect(Array.isArray(res.body)).toBe(false);
      expect(parseCreateRenderResponse(res.body).state).toBe("pending");
    } finally {
      await cm.close();
    }
  });

  it("held render: planned 5 → waiting 10 → rendering 50 → succeeded 100", async () => {
    const { cm } = client();
    try {
      const created = await cm.createRender({
        templateId: SANDBOX_TEMPLATE_IDS.portrait,
        modifications: { "Image-1": media.imageUrl, Music: media.audioUrl },
        metadata: "[sandbox:hold]",
      });
      const seen: CreatomateRender[] = [await cm.getRender(created.id)];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${sb.url}/_sandbox/creatomate/${created.id}/advance`, { method: "POST" });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
        seen.push(await cm.getRender(created.id));
      }
      expect(seen.map((r) => [r.providerStatus, r.progress])).toEqual([
        ["planned", 5],
        ["waiting", 10],
        ["rendering", 50],
        ["succeeded", 100],
      ]);
      expect(seen[2]!.url).toBeNull(); // not downloadable before succeeded
      expect(seen[3]!.url).not.toBeNull();
    } finally {
      await cm.close();
    }
  });

  it("status=failed → webhook + GET failed → permanent VIDEO_RENDER_FAILED", async () => {
    const { cm } = client();
    try {
      const created = await cm.createRender({
        templateId: SANDBOX_TEMPLATE_IDS.landscape,
        modifications: { "Image-1": media.imageUrl, Music: media.audioUrl },
        webhookUrl: `${rx.url}/creatomate`,
        metadata: "[sandbox:status=failed]",
      });
      const hook = await rx.waitFor(webhookFor(created.id));
      const failed = parseWebhook(hook!.body);
      expect(failed.state).toBe("failed");
      expect(renderError(failed)).toMatchObject({ code: "VIDEO_RENDER_FAILED", retryable: false });
      expect(renderError(await cm.getRender(created.id))).toMatchObject({ code: "VIDEO_RENDER_FAILED" });
    } finally {
      await cm.close();
    }
  });

  it("POST: 429 retried; 500 retryable but not re-sent; hang → TIMEOUT; malformed → BAD_RESPONSE; unknown template → 400 permanent", async () => {
    const { cm } = client({ ...config, creatomate: { ...config.creatomate, timeoutMs: 300 } });
    const render = (metadata: string, templateId: string = SANDBOX_TEMPLATE_IDS.landscape) =>
      cm.createRender({ templateId, modifications: { "Image-1": media.imageUrl, Music: media.audioUrl }, metadata });
    try {
      let before = sb.stats().creatomate.renderRequests;
      expect((await render("[sandbox:fail=429x1] [sandbox:no-webhook]")).state).toBe("pending");
      expect(sb.stats().creatomate.renderRequests - before).toBe(2);

      before = sb.stats().creatomate.renderRequests;
      expect(await providerError(() => render("[sandbox:fail=500]"))).toMatchObject({ code: "PROVIDER_UNAVAILABLE", retryable: true, status: 500 });
      expect(sb.stats().creatomate.renderRequests - before).toBe(1);

      before = sb.stats().creatomate.renderRequests;
      expect(await providerError(() => render("[sandbox:hang]"))).toMatchObject({ code: "PROVIDER_TIMEOUT", retryable: true });
      expect(sb.stats().creatomate.renderRequests - before).toBe(1);

      expect(await providerError(() => render("[sandbox:malformed]"))).toMatchObject({ code: "PROVIDER_BAD_RESPONSE", retryable: true });
      const unknown = await providerError(() => render("x", "11111111-2222-3333-4444-555555555555"));
      expect(unknown).toMatchObject({ code: "PROVIDER_REJECTED", retryable: false, status: 400 });
      expect(unknown.message).toContain("could not be found");
    } finally {
      await cm.close();
    }
  });

  it("GET render: poll-fail 500x2 is retried to success; no-webhook renders finish by polling", async () => {
    const { cm } = client();
    try {
      const created = await cm.createRender({
        templateId: SANDBOX_TEMPLATE_IDS.landscape,
        modifications: { "Image-1": media.imageUrl, Music: media.audioUrl },
        metadata: "[sandbox:poll-fail=500x2] [sandbox:no-webhook]",
      });
      const before = cm.http.stats().retries;
      const first = await cm.getRender(created.id);
      expect(first.id).toBe(created.id);
      expect(cm.http.stats().retries - before).toBe(2);
      const done = await waitFor("the render to finish", async () => {
        const r = await cm.getRender(created.id);
        return r.state === "pending" ? null : r;
      }, { everyMs: 150, timeoutMs: 15_000 });
      expect(done.state).toBe("succeeded");
    } finally {
      await cm.close();
    }
  });

  it("401 → permanent PROVIDER_AUTH without the key", async () => {
    const key = "creatomate-project-key-77aa88bb99cc";
    const { cm } = client(withKey(config, key));
    try {
      const err = await providerError(() => cm.listTemplates());
      expect(err).toMatchObject({ code: "PROVIDER_AUTH", retryable: false, status: 401 });
      for (const text of [err.message, err.userMessage, JSON.stringify(err), String(err.stack)]) expect(text).not.toContain(key);
    } finally {
      await cm.close();
    }
  });
});

describe("the account-wide rate limit", () => {
  it("every Creatomate request — template list, template, render, poll — takes a slot of the one account limiter", async () => {
    const taken: string[] = [];
    const limiter = { acquire: async (name: string, max: number, windowMs: number) => void taken.push(`${name} ${max}/${windowMs}`) };
    const cm = createCreatomateClient(config, { rateLimiter: limiter });
    try {
      await cm.listTemplates();
      const template = await cm.getTemplate(SANDBOX_TEMPLATE_IDS.landscape);
      const render = await cm.createRender({ templateId: template.id, modifications: { "Image-1": media.imageUrl, Music: media.audioUrl } });
      await cm.getRender(render.id);
      expect(taken).toEqual(Array(4).fill(`creatomate:account ${config.CREATOMATE_RATE_LIMIT_PER_10S}/10000`));
      expect(config.CREATOMATE_RATE_LIMIT_PER_10S).toBeLessThanOrEqual(30); // Creatomate's documented account limit
    } finally {
      await cm.close();
    }
  });
});
