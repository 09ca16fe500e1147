// Two-layer TTL cache for Creatomate templates (they change rarely and every render needs one):
//   1. a small in-process map (bounded, LRU, short TTL) in front of
//   2. Redis, shared by every process, TTL TEMPLATE_CACHE_TTL_SECONDS (default 300 s).
// An in-process entry never outlives the Redis entry it was read from (its expiry is capped by
// the key's PTTL), so after the Redis key expires no process serves the old value.
// Concurrent misses for one id in one process share a single load. Redis failures degrade to
// "miss" (the loader is called) rather than failing the render.
import type { Config } from "../config.js";
import { redisKey, type Redis } from "../redis.js";
import type { Logger } from "../logger.js";

interface TemplateCacheOptions {
  /** Redis TTL; default config.TEMPLATE_CACHE_TTL_SECONDS. */
  ttlSeconds?: number;
  /** In-process TTL; default min(ttl, 30 s). Always capped at the Redis TTL. */
  localTtlMs?: number;
  /** In-process entries kept; default 100. */
  localMaxEntries?: number;
  /** Clock for the in-process layer (tests). */
  now?: () => number;
  logger?: Pick<Logger, "warn">;
  /** Redis key segment; default "template" (the account's template list uses its own). */
  namespace?: string;
}

export interface TemplateCacheStats {
  local: { hits: number; misses: number; size: number };
  redis: { hits: number; misses: number; errors: number };
  loads: number;
}

interface LocalEntry<T> {
  value: T;
  expiresAt: number;
}

export class TemplateCache<T = unknown> {
  private readonly ttlSeconds: number;
  private readonly localTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly local = new Map<string, LocalEntry<T>>();
  private readonly inflight = new Map<string, Promise<T>>();
  private readonly counters = { localHits: 0, localMisses: 0, redisHits: 0, redisMisses: 0, redisErrors: 0, loads: 0 };

  constructor(
    private readonly redis: Redis,
    private readonly config: Pick<Config, "REDIS_PREFIX" | "TEMPLATE_CACHE_TTL_SECONDS">,
    private readonly opts: TemplateCacheOptions = {},
  ) {
    this.ttlSeconds = Math.max(1, opts.ttlSeconds ?? config.TEMPLATE_CACHE_TTL_SECONDS ?? 300);
    this.localTtlMs = Math.min(this.ttlSeconds * 1000, opts.localTtlMs ?? 30_000);
    this.maxEntries = Math.max(1, opts.localMaxEntries ?? 100);
    this.now = opts.now ?? Date.now;
  }

  key(id: string): string {
    return redisKey(this.config, "creatomate", this.opts.namespace ?? "template", id);
  }

  stats(): TemplateCacheStats {
    const c = this.counters;
    return {
      local: { hits: c.localHits, misses: c.localMisses, size: this.local.size },
      redis: { hits: c.redisHits, misses: c.redisMisses, errors: c.redisErrors },
      loads: c.loads,
    };
  }

  /** Returns the cached value or calls `loader` (once per process for concurrent callers) and caches it. */
  async get(id: string, loader: (id: string) => Promise<T>): Promise<T> {
    const hit = this.local.get(id);
    if (hit && hit.expiresAt > this.now()) {
      this.counters.localHits++;
      this.local.delete(id); // re-insert: most recently used last
      this.local.set(id, hit);
      return hit.value;
    }
    if (hit) this.local.delete(id);
    this.counters.localMisses++;

    const pending = this.inflight.get(id);
    if (pending) return pending;
    const p = this.fill(id, loader).finally(() => this.inflight.delete(id));
    this.inflight.set(id, p);
    return p;
  }

  private async fill(id: string, loader: (id: string) => Promise<T>): Promise<T> {
    const key = this.key(id);
    try {
      const res = await this.redis.multi().get(key).pttl(key).exec();
      const raw = res?.[0]?.[1];
      const pttl = Number(res?.[1]?.[1] ?? -2);
      if (typeof raw === "string") {
        const value = JSON.parse(raw) as T;
        this.counters.redisHits++;
        this.remember(id, value, pttl > 0 ? Math.min(pttl, this.localTtlMs) : this.localTtlMs);
        return value;
      }
      this.counters.redisMisses++;
    } catch (err) {
      this.counters.redisErrors++;
      this.opts.logger?.warn({ err: String(err) }, "template cache: redis read failed, loading from the provider");
    }

    this.counters.loads++;
    const value = await loader(id);
    try {
      await this.redis.set(key, JSON.stringify(value), "EX", this.ttlSeconds);
    } catch (err) {
      this.counters.redisErrors++;
      this.opts.logger?.warn({ err: String(err) }, "template cache: redis write failed");
    }
    this.remember(id, value, this.localTtlMs);
    return value;
  }

  private remember(id: string, value: T, ttlMs: number) {
    this.local.set(id, { value, expiresAt: this.now() + ttlMs });
    while (this.local.size > this.maxEntries) {
      const oldest = this.local.keys().next().value;
      if (oldest === undefined) break;
      this.local.delete(oldest);
    }
  }

  /** Drops one id from both layers (e.g. after the template was edited). */
  async invalidate(id: string): Promise<void> {
    this.local.delete(id);
    await this.redis.del(this.key(id));
  }

  clearLocal(): void {
    this.local.clear();
  }
}
