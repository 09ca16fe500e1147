import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { startSandbox, SANDBOX_TEMPLATE_IDS, type Sandbox } from "../../sandbox/server.js";
import { createCreatomateClient, type CreatomateTemplate } from "../../src/providers/creatomate.js";
import { TemplateCache, type TemplateCacheStats } from "../../src/providers/template-cache.js";
import { dropPrefix, newRedis, randomPrefix, REDIS_URL, testConfig } from "../helpers/providers.js";

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL("./scripts/template-cache-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

let redis: Redis;
const prefix = randomPrefix();

beforeAll(() => {
  redis = newRedis();
});
afterAll(async () => {
  await dropPrefix(redis, prefix);
  redis.disconnect();
});

describe("template cache, one process", () => {
  const cfg = { REDIS_PREFIX: `${prefix}:unit`, TEMPLATE_CACHE_TTL_SECONDS: 300 };

  it("local hit / redis hit / miss, with an injected clock for the in-process TTL", async () => {
    let now = 1_000_000;
    let loads = 0;
    const loader = async (id: string) => ({ id, v: ++loads });
    const a = new TemplateCache<{ id: string; v: number }>(redis, cfg, { localTtlMs: 5_000, now: () => now });
    const b = new TemplateCache<{ id: string; v: number }>(redis, cfg, { localTtlMs: 5_000, now: () => now });

    expect(await a.get("t1", loader)).toEqual({ id: "t1", v: 1 }); // miss, miss, load
    expect(await a.get("t1", loader)).toEqual({ id: "t1", v: 1 }); // local hit
    expect(await b.get("t1", loader)).toEqual({ id: "t1", v: 1 }); // b: local miss, redis hit
    now += 5_001; // a's local entry expires; redis (300 s) still has it
    expect(await a.get("t1", loader)).toEqual({ id: "t1", v: 1 });
    expect(a.stats()).toEqual({ local: { hits: 1, misses: 2, size: 1 }, redis: { hits: 1, misses: 1, errors: 0 }, loads: 1 });
    expect(b.stats()).toMatchObject({ local: { hits: 0, misses: 1 }, redis: { hits: 1, misses: 0 }, loads: 0 });
    expect(await redis.ttl(a.key("t1"))).toBeGreaterThan(290);
    expect(a.key("t1")).toBe(`${prefix}:unit:creatomate:template:t1`);

    await a.invalidate("t1");
    expect(await a.get("t1", loader)).toEqual({ id: "t1", v: 2 });
  });

  it("the in-process layer is bounded (LRU) and never outlives the redis TTL", async () => {
    const c = new TemplateCache<string>(redis, { ...cfg, TEMPLATE_CACHE_TTL_SECONDS: 2 }, { localMaxEntries: 2, localTtlMs: 60_000 });
    for (const id of ["x", "y", "z"]) await c.get(id, async (i) => `v-${i}`);
    expect(c.stats().local.size).toBe(2);
    expect(await c.get("x", async () => "reloaded?")).toBe("v-x"); // evicted locally, still in redis
    expect(c.stats().redis.hits).toBe(1);
    expect(await redis.pttl(c.key("x"))).toBeLessThanOrEqual(2_000);
  });

  it("concurrent misses in one process share one load", async () => {
    const c = new TemplateCache<number>(redis, cfg);
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // The first load stays open until all ten calls have been made.
    const pending = Array.from({ length: 10 }, () => c.get("shared", async () => {
      loads++;
      await gate;
      return 7;
    }));
    release();
    const values = await Promise.all(pending);
    expect(values).toEqual(Array(10).fill(7));
    expect(loads).toBe(1);
  });

  it("a broken redis degrades to calling the loader", async () => {
    const dead = new Redis("redis://127.0.0.1:1", { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on("error", () => {});
    const c = new TemplateCache<number>(dead, cfg);
    expect(await c.get("a", async () => 1)).toBe(1);
    expect(c.stats().redis.errors).toBeGreaterThanOrEqual(1);
    dead.disconnect();
  });
});

describe("template cache across processes", () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ port: 0, apiKey: "sandbox-key", speed: 100 });
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("process B hits what process A loaded; after the redis key expires both reload", async () => {
    // A long TTL, and the expiry brought forward by hand below: a 2 s TTL raced the child
    // process' start-up on a busy machine. A's in-process clock is injected for the same reason.
    const env = { REDIS_PREFIX: `${prefix}:xproc`, TEMPLATE_CACHE_TTL_SECONDS: "300" };
    const config = testConfig(sb.url, env);
    const id = SANDBOX_TEMPLATE_IDS.landscape;
    let clock = Date.now();
    const cache = new TemplateCache<CreatomateTemplate>(redis, config, { now: () => clock });
    const cm = createCreatomateClient(config, { templateCache: cache });
    const child = async (): Promise<{ pid: number; id: string; same: boolean; stats: TemplateCacheStats }> => {
      const { stdout } = await run(process.execPath, ["--import", "tsx", CHILD], {
        cwd: ROOT,
        env: { ...process.env, ...env, REDIS_URL, CHILD_SANDBOX_URL: sb.url, CHILD_TEMPLATE_ID: id },
        timeout: 20_000,
      });
      return JSON.parse(stdout.trim().split("\n").pop()!);
    };
    const templateRequests = () => sb.stats().creatomate.templateRequests;
    try {
      const start = templateRequests();
      // A loads from the provider.
      await cm.getTemplate(id);
      expect(cache.stats()).toMatchObject({ redis: { misses: 1 }, loads: 1 });
      expect(templateRequests() - start).toBe(1);

      // B (another process) finds it in redis; its second read is an in-process hit.
      const b1 = await child();
      expect(b1.pid).not.toBe(process.pid);
      expect(b1).toMatchObject({ id, same: true, stats: { local: { hits: 1, misses: 1 }, redis: { hits: 1, misses: 0 }, loads: 0 } });
      expect(templateRequests() - start).toBe(1);

      // The redis key expires (now, rather than after waiting for it).
      const key = cache.key(id);
      await redis.pexpire(key, 1);
      while ((await redis.pttl(key)) !== -2) await sleep(5);

      // C (a third process) misses and reloads from the provider.
      const c = await child();
      expect(c.stats).toMatchObject({ redis: { hits: 0, misses: 1 }, loads: 1 });
      expect(templateRequests() - start).toBe(2);

      // A's in-process copy expires (its clock passes the local TTL): it goes back to redis,
      // refilled by C.
      clock += 31_000;
      await cm.getTemplate(id);
      expect(cache.stats()).toMatchObject({ local: { hits: 0, misses: 2 }, redis: { hits: 1, misses: 1 }, loads: 1 });
      expect(templateRequests() - start).toBe(2);
    } finally {
      await cm.close();
    }
  });
});
