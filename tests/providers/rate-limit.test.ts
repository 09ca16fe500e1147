import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { RedisRateLimiter } from "../../src/rate-limit.js";
import { dropPrefix, newRedis, randomPrefix } from "../helpers/providers.js";

let r1: Redis;
let r2: Redis;
const prefix = randomPrefix();
const config = { REDIS_PREFIX: prefix };

beforeAll(() => {
  r1 = newRedis();
  r2 = newRedis(); // a second connection stands in for a second process
});
afterAll(async () => {
  await dropPrefix(r1, prefix);
  r1.disconnect();
  r2.disconnect();
});

describe("redis sliding-window rate limiter", () => {
  it("allows at most `max` per window across limiters sharing redis, waiting (not spinning) for a slot", async () => {
    const a = new RedisRateLimiter(r1, config);
    const b = new RedisRateLimiter(r2, config);
    const windowMs = 400;
    const started = Date.now();
    const times = await Promise.all(
      Array.from({ length: 7 }, async (_, i) => {
        await (i % 2 ? a : b).acquire("test:window", 3, windowMs);
        return Date.now() - started;
      }),
    );
    times.sort((x, y) => x - y);
    // any 4 consecutive acquisitions span at least one window
    for (let i = 0; i + 3 < times.length; i++) expect(times[i + 3]! - times[i]!).toBeGreaterThanOrEqual(windowMs - 30);
    expect(times[6]!).toBeGreaterThanOrEqual(2 * windowMs - 30);
    // waits are computed from the oldest entry: a handful of redis round trips, not a busy loop
    const waits = a.stats().waited + b.stats().waited;
    expect(waits).toBeGreaterThanOrEqual(4);
    expect(waits).toBeLessThan(20);
    expect(await r1.zcard(a.key("test:window"))).toBeLessThanOrEqual(3);
    expect(await r1.pttl(a.key("test:window"))).toBeGreaterThan(0); // the key cleans itself up
  });

  it("max <= 0 is unlimited; abort stops waiting", async () => {
    const a = new RedisRateLimiter(r1, config);
    for (let i = 0; i < 5; i++) await a.acquire("test:unlimited", 0, 1000);
    await a.acquire("test:full", 1, 10_000);
    const ac = new AbortController();
    const waiting = a.acquire("test:full", 1, 10_000, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error("shutdown")), 20);
    await expect(waiting).rejects.toThrow("shutdown");
  });
});
