import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../sandbox/server.js";
import { createSunoClient, parseCallback, pickTrack, sunoTaskError, type SunoTaskState } from "../../src/providers/suno.js";
import { RedisRateLimiter } from "../../src/rate-limit.js";
import { waitFor } from "../helpers/pipeline-tools.js";
import type { Config } from "../../src/config.js";
import type { Redis } from "ioredis";
import { dropPrefix, newRedis, providerError, randomPrefix, testConfig, withKey } from "../helpers/providers.js";
import { startReceiver, type Receiver } from "../helpers/receiver.js";

let sb: Sandbox;
let sb200: Sandbox; // answers Suno errors as HTTP 200 + body code
let rx: Receiver;
let config: Config;
let redis: Redis;
const prefix = randomPrefix();

beforeAll(async () => {
  [sb, sb200, rx] = await Promise.all([
    startSandbox({ port: 0, apiKey: "sandbox-key", speed: 100 }),
    startSandbox({ port: 0, apiKey: "sandbox-key", speed: 100, sunoErrorHttpStatus: "200" }),
    startReceiver(),
  ]);
  config = testConfig(sb.url, { REDIS_PREFIX: prefix, PROVIDER_MAX_RETRIES: "2" });
  redis = newRedis();
});
afterAll(async () => {
  await Promise.all([sb?.close(), sb200?.close(), rx?.close()]);
  if (redis) {
    await dropPrefix(redis, prefix);
    redis.disconnect();
  }
});

let n = 0;
const song = (marker = "") => ({
  lyrics: `[Verse]\nCafe Moon, coffee and cake\nCome by any time ${marker}\n[Chorus]\nCafe Moon, Cafe Moon`,
  title: "Cafe Moon Song",
  style: "k-pop, upbeat, jingle",
  callBackUrl: `${rx.url}/suno/${++n}`,
});
const callbacksFor = (taskId: string) => (r: { body: unknown }) => {
  const d = (r.body as { data?: { task_id?: string } } | null)?.data;
  return d?.task_id === taskId;
};

describe("suno client against the sandbox", () => {
  it("submit → callbacks text/first/complete → record SUCCESS → pick a track (with the shared rate limiter)", async () => {
    const rateLimiter = new RedisRateLimiter(redis, config);
    const suno = createSunoClient(config, { rateLimiter });
    try {
      const taskId = await suno.submit(song());
      expect(taskId).toMatch(/^\w+$/);
      const bodies = await rx.waitForCount(callbacksFor(taskId), 3);
      const states = bodies.map((b) => parseCallback(b.body));
      expect(states.map((s) => s.providerStatus)).toEqual(["TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS"]);
      expect(states.map((s) => s.progress)).toEqual([40, 75, 100]);
      expect(pickTrack(states[1]!.tracks)).toBeUndefined(); // stream only, no download yet
      const fromCallback = pickTrack(states[2]!.tracks)!;

      const record = await suno.getRecord(taskId);
      expect(record).toMatchObject({ taskId, state: "succeeded", providerStatus: "SUCCESS", progress: 100 });
      expect(record.tracks).toHaveLength(2);
      const track = pickTrack(record.tracks)!;
      expect(track.id).toBe(fromCallback.id); // deterministic: same choice from both sources
      expect(track.audioUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/media\//);
      expect(track.duration).toBeGreaterThan(0);
      expect(rateLimiter.stats().acquired).toBeGreaterThanOrEqual(2);
      expect(await redis.exists(`${prefix}:ratelimit:suno:generate`)).toBe(1);
    } finally {
      await suno.close();
    }
  });

  it("held task: progress advances one step per advance call", async () => {
    const suno = createSunoClient(config);
    try {
      const taskId = await suno.submit(song("[sandbox:hold]"));
      const seen: SunoTaskState[] = [await suno.getRecord(taskId)];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${sb.url}/_sandbox/suno/${taskId}/advance`, { method: "POST" });
        expect(res.status).toBe(200);
        seen.push(await suno.getRecord(taskId));
      }
      expect(seen.map((s) => [s.providerStatus, s.state, s.progress])).toEqual([
        ["PENDING", "pending", 10],
        ["TEXT_SUCCESS", "pending", 40],
        ["FIRST_SUCCESS", "pending", 75],
        ["SUCCESS", "succeeded", 100],
      ]);
      expect(seen[0]!.tracks).toEqual([]);
    } finally {
      await suno.close();
    }
  });

  it("unknown provider status is reported as pending; no-webhook tasks complete by polling", async () => {
    const suno = createSunoClient(config);
    try {
      const taskId = await suno.submit(song("[sandbox:hold] [sandbox:status=QUEUED_SOMEWHERE] [sandbox:no-webhook]"));
      await fetch(`${sb.url}/_sandbox/suno/${taskId}/advance`, { method: "POST" });
      await fetch(`${sb.url}/_sandbox/suno/${taskId}/advance`, { method: "POST" });
      const odd = await suno.getRecord(taskId);
      expect(odd).toMatchObject({ providerStatus: "QUEUED_SOMEWHERE", state: "pending" });

      const free = await suno.submit(song("[sandbox:no-webhook]"));
      // No callback will ever come: polling is the only signal.
      const done = await waitFor("the task to finish", async () => {
        const s = await suno.getRecord(free);
        return s.state === "pending" ? null : s;
      }, { everyMs: 400, timeoutMs: 10_000 });
      expect(done.state).toBe("succeeded");
      expect(rx.received.filter(callbacksFor(free))).toHaveLength(0);
    } finally {
      await suno.close();
    }
  });

  it("SENSITIVE_WORD_ERROR → failed task → permanent SUNO_SENSITIVE_WORD (callback and record agree)", async () => {
    const suno = createSunoClient(config);
    try {
      const taskId = await suno.submit(song("[sandbox:status=SENSITIVE_WORD_ERROR]"));
      const cb = await rx.waitFor(callbacksFor(taskId));
      const fromCallback = parseCallback(cb!.body);
      expect(fromCallback.state).toBe("failed");
      const record = await suno.getRecord(taskId);
      expect(record).toMatchObject({ state: "failed", providerStatus: "SENSITIVE_WORD_ERROR" });
      for (const s of [fromCallback, record]) {
        const err = sunoTaskError(s)!;
        expect(err).toMatchObject({ code: "SUNO_SENSITIVE_WORD", retryable: false });
        expect(err.userMessage).toBe("The lyrics were rejected by the music service's content filter. Please change them and try again.");
      }
    } finally {
      await suno.close();
    }
  });

  it("GENERATE_AUDIO_FAILED / CREATE_TASK_FAILED → permanent SUNO_GENERATE_FAILED", async () => {
    const suno = createSunoClient(config);
    try {
      for (const status of ["GENERATE_AUDIO_FAILED", "CREATE_TASK_FAILED"]) {
        const taskId = await suno.submit(song(`[sandbox:status=${status}]`));
        const failure = await rx.waitFor((r) => callbacksFor(taskId)(r) && (r.body as { code: number }).code !== 200);
        const cbErr = sunoTaskError(parseCallback(failure.body))!;
        const recErr = sunoTaskError(await suno.getRecord(taskId))!;
        expect(recErr, status).toMatchObject({ code: "SUNO_GENERATE_FAILED", retryable: false, providerStatus: status });
        expect(cbErr.retryable, status).toBe(false);
      }
    } finally {
      await suno.close();
    }
  });

  it("CALLBACK_EXCEPTION with finished tracks is a success (only the callback failed)", async () => {
    const suno = createSunoClient(config);
    try {
      const taskId = await suno.submit(song("[sandbox:status=CALLBACK_EXCEPTION]"));
      // No callback arrives (delivering it is what failed): poll, as the job does.
      const state = await waitFor("CALLBACK_EXCEPTION", async () => {
        const s = await suno.getRecord(taskId);
        return s.providerStatus === "CALLBACK_EXCEPTION" ? s : null;
      }, { everyMs: 100 });
      expect(state.state).toBe("succeeded");
      expect(pickTrack(state.tracks)?.audioUrl).toBeTruthy();
    } finally {
      await suno.close();
    }
  });

  it("code 451 (the provider could not download a file) is a retryable SUNO_DOWNLOAD_FAILED, never 'change the lyrics'", async () => {
    const suno = createSunoClient(config);
    try {
      const taskId = await suno.submit(song("[sandbox:download-fail]"));
      const failure = await rx.waitFor((r) => callbacksFor(taskId)(r) && (r.body as { code: number }).code === 451);
      expect(sunoTaskError(parseCallback(failure.body))).toMatchObject({ code: "SUNO_DOWNLOAD_FAILED", retryable: true });
      expect(sunoTaskError(await suno.getRecord(taskId))).toMatchObject({ code: "SUNO_DOWNLOAD_FAILED", retryable: true, providerStatus: "GENERATE_AUDIO_FAILED" });
    } finally {
      await suno.close();
    }
  });

  it("out of credits is a permanent PROVIDER_QUOTA, sent once (sunoapi.org 429, kie.ai 402); credits are readable", async () => {
    const suno = createSunoClient(config);
    const kieSb = await startSandbox({ port: 0, apiKey: "sandbox-key", speed: 100, sunoErrorCodes: "kie", sunoCredits: 0 });
    const kie = createSunoClient({ ...config, suno: { ...config.suno, baseUrl: `${kieSb.url}/suno`, errorCodes: "kie" } });
    try {
      expect(await suno.getCredits()).toBeGreaterThan(0);
      const before = sb.stats().suno.generateRequests;
      expect(await providerError(() => suno.submit(song("[sandbox:no-credits]")))).toMatchObject({ code: "PROVIDER_QUOTA", retryable: false });
      expect(sb.stats().suno.generateRequests - before).toBe(1);
      expect(await kie.getCredits()).toBe(0);
      expect(await providerError(() => kie.submit(song("")))).toMatchObject({ code: "PROVIDER_QUOTA", retryable: false, status: 402 });
      expect(kieSb.stats().suno.generateRequests).toBe(1);
    } finally {
      await Promise.all([suno.close(), kie.close()]);
      await kieSb.close();
    }
  });

  it("generate: a rate limit (sunoapi.org 430, retry-after) is retried; 500 is retryable but NOT re-sent (POST)", async () => {
    const suno = createSunoClient(config);
    try {
      let before = sb.stats().suno.generateRequests;
      const started = Date.now();
      const taskId = await suno.submit(song("[sandbox:fail=430x1]"));
      expect(taskId).toBeTruthy();
      expect(sb.stats().suno.generateRequests - before).toBe(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);

      before = sb.stats().suno.generateRequests;
      const err = await providerError(() => suno.submit(song("[sandbox:fail=500x2]")));
      expect(err).toMatchObject({ code: "PROVIDER_UNAVAILABLE", retryable: true, status: 500 });
      expect(sb.stats().suno.generateRequests - before).toBe(1);
    } finally {
      await suno.close();
    }
  });

  it("record-info: poll-fail 500x2 is retried to success (GET)", async () => {
    const suno = createSunoClient(config, { retryBaseMs: 50 });
    try {
      const taskId = await suno.submit(song("[sandbox:poll-fail=500x2]"));
      const before = sb.stats().suno.recordInfoRequests;
      const s = await suno.getRecord(taskId);
      expect(s.taskId).toBe(taskId);
      expect(sb.stats().suno.recordInfoRequests - before).toBe(3);
      expect(suno.http.stats().retries).toBe(2);
    } finally {
      await suno.close();
    }
  });

  it("hang → PROVIDER_TIMEOUT; malformed → PROVIDER_BAD_RESPONSE; unknown task → permanent not found", async () => {
    const suno = createSunoClient({ ...config, suno: { ...config.suno, timeoutMs: 300 } });
    try {
      const before = sb.stats().suno.generateRequests;
      const hang = await providerError(() => suno.submit(song("[sandbox:hang]")));
      expect(hang).toMatchObject({ code: "PROVIDER_TIMEOUT", retryable: true });
      expect(sb.stats().suno.generateRequests - before).toBe(1); // a POST that timed out is not re-sent
      const bad = await providerError(() => suno.submit(song("[sandbox:malformed]")));
      expect(bad).toMatchObject({ code: "PROVIDER_BAD_RESPONSE", retryable: true });
      const missing = await providerError(() => suno.getRecord("no-such-task"));
      expect(missing).toMatchObject({ code: "PROVIDER_NOT_FOUND", retryable: false, status: 404 });
    } finally {
      await suno.close();
    }
  });

  it("401 → permanent PROVIDER_AUTH without the key anywhere", async () => {
    const key = "suno-live-key-5a4b3c2d1e0f";
    const suno = createSunoClient(withKey(config, key));
    try {
      const err = await providerError(() => suno.submit(song()));
      expect(err).toMatchObject({ code: "PROVIDER_AUTH", retryable: false, status: 401 });
      for (const text of [err.message, err.userMessage, JSON.stringify(err), String(err.stack)]) expect(text).not.toContain(key);
    } finally {
      await suno.close();
    }
  });

  it.each([
    ["mirrored HTTP status", () => sb],
    ["HTTP 200 + body code", () => sb200],
  ])("server-side validation (%s): missing callBackUrl 422 and prompt too long 413 are permanent", async (_label, which) => {
    const suno = createSunoClient(testConfig(which().url));
    try {
      const base = { prompt: "la la", style: "pop", title: "T", customMode: true, instrumental: false, model: "V4" as const };
      const noCb = await providerError(() => suno.submitRequest(base));
      expect(noCb).toMatchObject({ code: "PROVIDER_REJECTED", retryable: false, status: 422 });
      expect(noCb.message).toContain("callBackUrl");
      const tooLong = await providerError(() => suno.submitRequest({ ...base, callBackUrl: rx.url, prompt: "x".repeat(3001) }));
      expect(tooLong).toMatchObject({ code: "SUNO_PROMPT_TOO_LONG", retryable: false, status: 413 });
      const wrong = createSunoClient(withKey(testConfig(which().url), "nope-nope"));
      const auth = await providerError(() => wrong.submitRequest(base)).finally(() => wrong.close());
      expect(auth).toMatchObject({ code: "PROVIDER_AUTH", retryable: false });
    } finally {
      await suno.close();
    }
  });

  it("client-side limits: too-long lyrics fail before any request; long titles are shortened", async () => {
    const suno = createSunoClient(testConfig(sb.url, { SUNO_MODEL: "V4" }));
    try {
      const before = sb.stats().suno.generateRequests;
      const err = await providerError(() => suno.submit({ ...song(), lyrics: "라".repeat(3001) }));
      expect(err).toMatchObject({ code: "SUNO_PROMPT_TOO_LONG", retryable: false });
      expect(sb.stats().suno.generateRequests).toBe(before);
      const taskId = await suno.submit({ ...song(), title: "Cafe Moon Jingle ".repeat(10) });
      expect(taskId).toBeTruthy(); // accepted: the title was cut to <= 80 characters
    } finally {
      await suno.close();
    }
  });
});
