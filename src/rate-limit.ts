// A sliding-window limiter in Redis, shared by every API and worker process: at most `max`
// acquisitions of `name` in any `windowMs`. One sorted set per name (member = one acquisition,
// score = Redis server time in ms); an atomic Lua script trims, counts and either records the
// acquisition or answers how long until the oldest one leaves the window. Redis' own clock is
// used so that processes with skewed clocks agree.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Config } from "./config.js";
import { redisKey, type Redis } from "./redis.js";

export interface AcquireOptions {
  signal?: AbortSignal | undefined;
}

/** setTimeout as a promise; an abort rejects with the signal's own reason (not a generic AbortError). */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return sleep(ms);
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    throw signal.aborted ? signal.reason : err;
  }
}

export interface RateLimiter {
  /** Resolves once a slot is taken. `max` <= 0 means unlimited. */
  acquire(name: string, max: number, windowMs: number, opts?: AcquireOptions): Promise<void>;
}

// KEYS[1] = zset; ARGV = windowMs, max, member. Returns 0 when acquired, else ms to wait (>= 1).
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < max then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then wait = 1 end
return wait
`;

type WithLimiter = Redis & { castadRateLimit(key: string, windowMs: number, max: number, member: string): Promise<number> };

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: WithLimiter;
  private readonly counters = { acquired: 0, waited: 0, waitedMs: 0 };

  constructor(
    redis: Redis,
    private readonly config: Pick<Config, "REDIS_PREFIX">,
  ) {
    if (!("castadRateLimit" in redis)) redis.defineCommand("castadRateLimit", { numberOfKeys: 1, lua: SCRIPT });
    this.redis = redis as WithLimiter;
  }

  key(name: string): string {
    return redisKey(this.config, "ratelimit", name);
  }

  stats() {
    return { ...this.counters };
  }

  /** One attempt: 0 if a slot was taken, otherwise the ms until one frees up. */
  async tryAcquire(name: string, max: number, windowMs: number): Promise<number> {
    if (max <= 0) return 0;
    return Number(await this.redis.castadRateLimit(this.key(name), windowMs, max, `${Date.now()}-${randomUUID()}`));
  }

  async acquire(name: string, max: number, windowMs: number, opts: AcquireOptions = {}): Promise<void> {
    for (;;) {
      opts.signal?.throwIfAborted();
      const wait = await this.tryAcquire(name, max, windowMs);
      if (wait === 0) {
        this.counters.acquired++;
        return;
      }
      this.counters.waited++;
      // Wait exactly until the oldest entry leaves the window, plus a little jitter so that
      // processes woken together do not all hit Redis in the same millisecond.
      const delay = wait + Math.floor(Math.random() * 20);
      this.counters.waitedMs += delay;
      await abortableSleep(delay, opts.signal);
    }
  }
}
