// Contract tests: the providers' DOCUMENTED example payloads (fixtures/*.json, copied from
// docs.sunoapi.org and creatomate.com) parsed with our parsers, plus the pure helpers around them.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../sandbox/server.js";
import { startStub, testConfig } from "../helpers/providers.js";
import { startReceiver, type Receiver } from "../helpers/receiver.js";
import {
  ProviderError,
  errorForStatus,
  isRetryable,
  parseRetryAfter,
  redactUrl,
  safeDetail,
} from "../../src/providers/errors.js";
import {
  buildGenerateBody,
  createSunoClient,
  parseAlignedWords,
  parseCallback,
  parseRecordInfo,
  pickTrack,
  sunoBodyStatus,
  sunoTaskError,
} from "../../src/providers/suno.js";
import { truncateAt } from "../../src/providers/util.js";
import {
  buildModifications,
  parseCreateRenderResponse,
  parseTemplate,
  parseWebhook,
  planModifications,
  renderError,
} from "../../src/providers/creatomate.js";
import { buildLyricsMessages, createLyricsClient, validateLyrics } from "../../src/providers/lyrics.js";
import { shouldRetry } from "../../src/providers/http.js";

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));

describe("Suno documented payloads", () => {
  it("parses the record-info example (camelCase)", () => {
    const s = parseRecordInfo(fixture("suno-record-info.json"));
    expect(s).toMatchObject({ taskId: "5c79****be8e", state: "succeeded", providerStatus: "SUCCESS", progress: 100 });
    expect(s.tracks).toEqual([
      {
        id: "8551****662c",
        audioUrl: "https://example.cn/****.mp3",
        streamAudioUrl: "https://example.cn/****",
        imageUrl: "https://example.cn/****.jpeg",
        title: "钢铁侠",
        tags: "electrifying, rock",
        duration: 198.44,
      },
    ]);
    expect(pickTrack(s.tracks)?.id).toBe("8551****662c");
  });

  it("parses the complete callback example (snake_case) into the same shape", () => {
    const s = parseCallback(fixture("suno-callback-complete.json"));
    expect(s).toMatchObject({ taskId: "2fac****9f72", state: "succeeded", providerStatus: "SUCCESS", progress: 100 });
    expect(s.tracks).toHaveLength(2);
    expect(s.tracks[1]).toEqual({
      id: "bd15****1873",
      audioUrl: "https://example.cn/****.mp3",
      streamAudioUrl: "https://example.cn/****",
      imageUrl: "https://example.cn/****.jpeg",
      title: "Iron Man",
      tags: "electrifying, rock",
      duration: 228.28,
    });
    expect(pickTrack(s.tracks)?.id).toBe("8551****662c");
  });

  it("parses the failure callback (non-200 code) as a permanent failure", () => {
    const s = parseCallback(fixture("suno-callback-error.json"));
    expect(s.state).toBe("failed");
    expect(s.tracks).toEqual([]);
    const err = sunoTaskError(s)!;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: "SUNO_GENERATE_FAILED", retryable: false, provider: "suno" });
  });

  it("maps text/first callbacks to progress and never trusts garbage", () => {
    const base = fixture("suno-callback-complete.json") as { data: { callbackType: string } };
    const text = parseCallback({ ...base, data: { ...base.data, callbackType: "text", data: [] } });
    expect(text).toMatchObject({ state: "pending", providerStatus: "TEXT_SUCCESS", progress: 40 });
    const first = parseCallback({ ...base, data: { ...base.data, callbackType: "first" } });
    expect(first).toMatchObject({ state: "pending", providerStatus: "FIRST_SUCCESS", progress: 75 });
    const odd = parseCallback({ ...base, data: { ...base.data, callbackType: "something-new" } });
    expect(odd.state).toBe("pending");
    for (const junk of [null, 42, "x", {}, { code: 200 }, { code: 200, data: { callbackType: "complete" } }, { code: "abc", data: {} }]) {
      const err = (() => {
        try {
          parseCallback(junk);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ProviderError);
      expect(err).toMatchObject({ code: "PROVIDER_BAD_RESPONSE", retryable: false });
    }
  });

  it("record-info: unknown statuses are pending, failure statuses map to the right errors", () => {
    const rec = (status: string, errorMessage: string | null = null) => ({
      code: 200,
      msg: "success",
      data: { taskId: "t1", response: null, status, errorCode: null, errorMessage },
    });
    expect(parseRecordInfo(rec("PENDING"))).toMatchObject({ state: "pending", progress: 10, tracks: [] });
    expect(parseRecordInfo(rec("TEXT_SUCCESS")).progress).toBe(40);
    expect(parseRecordInfo(rec("FIRST_SUCCESS")).progress).toBe(75);
    expect(parseRecordInfo(rec("BRAND_NEW_STATUS"))).toMatchObject({ state: "pending", providerStatus: "BRAND_NEW_STATUS" });
    const sensitive = parseRecordInfo(rec("SENSITIVE_WORD_ERROR", "contains sensitive words"));
    expect(sensitive.state).toBe("failed");
    const err = sunoTaskError(sensitive)!;
    expect(err).toMatchObject({ code: "SUNO_SENSITIVE_WORD", retryable: false, providerStatus: "SENSITIVE_WORD_ERROR" });
    expect(err.userMessage).toMatch(/content filter/);
    for (const s of ["GENERATE_AUDIO_FAILED", "CREATE_TASK_FAILED", "CALLBACK_EXCEPTION"]) {
      expect(sunoTaskError(parseRecordInfo(rec(s)))).toMatchObject({ code: "SUNO_GENERATE_FAILED", retryable: false });
    }
  });

  it("pickTrack is deterministic and skips tracks without audio or duration", () => {
    const t = (id: string, audioUrl: string | null, duration: number | null) => ({
      id, audioUrl, duration, streamAudioUrl: null, imageUrl: null, title: null, tags: null,
    });
    expect(pickTrack([t("a", null, 10), t("b", "u", 0), t("c", "u", 5), t("d", "u", 9)])?.id).toBe("c");
    expect(pickTrack([t("a", null, null)])).toBeUndefined();
  });

  it("errors inside a 200 body are recognised (Suno `code`)", () => {
    expect(sunoBodyStatus({ code: 200, msg: "success", data: {} })).toBeUndefined();
    expect(sunoBodyStatus({ code: 413, msg: "too long" })).toEqual({ status: 413, message: "too long" });
    expect(sunoBodyStatus({ code: 430, msg: "frequency" })?.status).toBe(429);
    expect(sunoBodyStatus({ code: 455, msg: "maintenance" })?.status).toBe(503);
    // sunoapi.org: 429 = insufficient credits (whatever the message), 430 = rate limit.
    expect(sunoBodyStatus({ code: 429, msg: "Insufficient credits" })?.status).toBe(402);
    expect(sunoBodyStatus({ code: 429, msg: "anything" }, "sunoapi")?.status).toBe(402);
    // kie.ai: 402 = insufficient credits, 429 = rate limit.
    expect(sunoBodyStatus({ code: 429, msg: "rate" }, "kie")?.status).toBe(429);
    expect(sunoBodyStatus({ code: 402, msg: "credits" }, "kie")?.status).toBe(402);
    expect(errorForStatus("suno", 402, "")).toMatchObject({ code: "PROVIDER_QUOTA", retryable: false });
    expect(sunoBodyStatus([1, 2])).toBeUndefined();
  });

  it("enforces the documented per-model limits before sending", () => {
    const ok = { lyrics: "la la", title: "T", style: "pop", callBackUrl: "https://example.com/cb" };
    expect(buildGenerateBody(ok, "V4_5")).toMatchObject({ customMode: true, instrumental: false, model: "V4_5", prompt: "la la" });
    const long = (n: number) => "가".repeat(n);
    expect(() => buildGenerateBody({ ...ok, lyrics: long(3001) }, "V4")).toThrow(ProviderError);
    expect(buildGenerateBody({ ...ok, lyrics: long(3001) }, "V5").prompt).toHaveLength(3001);
    expect(() => buildGenerateBody({ ...ok, lyrics: long(5001) }, "V5")).toThrow(
      expect.objectContaining({ code: "SUNO_PROMPT_TOO_LONG", retryable: false }),
    );
    const title = "Cafe Moon ".repeat(20);
    const b4 = buildGenerateBody({ ...ok, title }, "V4");
    expect([...b4.title!].length).toBeLessThanOrEqual(80);
    expect(b4.title!.endsWith("Moon") || b4.title!.endsWith("Cafe")).toBe(true);
    expect([...buildGenerateBody({ ...ok, title }, "V5").title!].length).toBeLessThanOrEqual(100);
    // V4_5ALL takes V4_5's prompt and style lengths, but only 80 title characters.
    expect([...buildGenerateBody({ ...ok, title }, "V4_5ALL").title!].length).toBeLessThanOrEqual(80);
    expect([...buildGenerateBody({ ...ok, title }, "V4_5").title!].length).toBeGreaterThan(80);
    expect([...buildGenerateBody({ ...ok, style: "k-pop, ".repeat(60) }, "V4").style!].length).toBeLessThanOrEqual(200);
    for (const bad of [{ lyrics: "  " }, { title: "" }, { style: "" }, { callBackUrl: "" }, { callBackUrl: "ftp://x/y" }]) {
      expect(() => buildGenerateBody({ ...ok, ...bad }, "V4_5")).toThrow(/SUNO|empty|URL|http/);
    }
    expect(truncateAt("abc def ghi", 9)).toBe("abc def");
  });
});

describe("Creatomate documented payloads", () => {
  it("parses the Render object (GET / webhook)", () => {
    const r = parseWebhook(fixture("creatomate-render.json"));
    expect(r).toEqual({
      id: "a862048b-e983-4f4e-9a5b-1bf2c0f6c2a4",
      state: "succeeded",
      providerStatus: "succeeded",
      progress: 100,
      url: "https://f002.backblazeb2.com/file/creatomate-c8xg3hsxdu/a862048b-e983-4f4e-9a5b-1bf2c0f6c2a4.mp4",
      snapshotUrl: "https://f002.backblazeb2.com/file/creatomate-c8xg3hsxdu/a862048b-e983-4f4e-9a5b-1bf2c0f6c2a4-snapshot.jpg",
      duration: 15.5,
      width: 1280,
      height: 720,
      fileSize: 2617284,
      errorMessage: null,
      metadata: '{"videoId":"vid_123"}',
      templateId: "087d94b5-cef6-44b7-96d4-4c651beec61d",
      outputFormat: "mp4",
    });
  });

  it("POST /v1/renders: 202 + array (v1) and a single object (v2) both work; url hidden until succeeded", () => {
    const doc = fixture("creatomate-render.json") as Record<string, unknown>;
    const planned = { ...doc, status: "planned", duration: null, file_size: null };
    const fromArray = parseCreateRenderResponse([planned]);
    const fromObject = parseCreateRenderResponse(planned);
    expect(fromArray).toEqual(fromObject);
    expect(fromArray).toMatchObject({ state: "pending", progress: 5, url: null, snapshotUrl: null });
    expect(() => parseCreateRenderResponse([])).toThrow(ProviderError);
  });

  it("maps every status; unknown is pending; failed/cancelled give permanent errors", () => {
    const doc = fixture("creatomate-render.json") as Record<string, unknown>;
    const at = (status: string, extra: Record<string, unknown> = {}) => parseWebhook({ ...doc, status, ...extra });
    expect([at("planned"), at("waiting"), at("transcribing"), at("rendering"), at("succeeded")].map((r) => r.progress)).toEqual([5, 10, 20, 50, 100]);
    expect(at("queued-in-the-future")).toMatchObject({ state: "pending" });
    const failed = at("failed", { error_message: "The source file couldn't be downloaded" });
    expect(renderError(failed)).toMatchObject({ code: "VIDEO_RENDER_FAILED", retryable: false });
    expect(renderError(at("cancelled"))).toMatchObject({ code: "VIDEO_RENDER_CANCELLED", retryable: false });
    expect(renderError(at("succeeded"))).toBeUndefined();
    expect(() => parseWebhook({ status: "succeeded" })).toThrow(ProviderError);
  });

  it("the documented template (empty source) is parsed and refused as incompatible", () => {
    const t = parseTemplate(fixture("creatomate-template.json"));
    expect(t).toMatchObject({ id: "087d94b5-cef6-44b7-96d4-4c651beec61d", name: "My Template", tags: ["My", "Assigned", "Tags"] });
    expect(() => buildModifications(t, { imageUrls: ["https://x/1.jpg"], audioUrl: "https://x/a.mp3" })).toThrow(
      expect.objectContaining({ code: "VIDEO_TEMPLATE_INCOMPATIBLE", retryable: false }),
    );
  });

  it("buildModifications uses the element names the source has", () => {
    const source = {
      elements: [
        { name: "Logo", type: "image" },
        { name: "Image-2", type: "image" },
        { type: "composition", elements: [{ name: "Image-1", type: "image" }, { name: "Image-3", type: "image" }] },
        { name: "Background Music", type: "audio" },
        { name: "Text-1", type: "text" },
        { name: "Lyrics", type: "text" },
        { name: "Store Name", type: "text" },
        { name: "Address", type: "text" },
      ],
    };
    const plan = planModifications({ id: "t", source }, {
      imageUrls: ["u1", "u2"],
      audioUrl: "song",
      lyrics: "[Verse]\nla la\n\n[Chorus]\nCafe Moon",
      storeName: "Cafe Moon",
      address: "1 Main St",
    });
    expect(plan.slots).toEqual({ images: ["Image-1", "Image-2", "Image-3"], music: "Background Music", lyrics: "Lyrics", storeName: "Store Name", address: "Address" });
    expect(plan.modifications).toEqual({
      "Image-1": "u1",
      "Image-2": "u2",
      "Image-3": "u1", // cycled
      "Background Music": "song",
      Lyrics: "la la\n\nCafe Moon", // no section tags on screen; generic Text-1 left alone
      "Store Name": "Cafe Moon",
      Address: "1 Main St",
    });
    // more photos than slots: extras left out
    expect(Object.keys(buildModifications({ id: "t", source }, { imageUrls: ["a", "b", "c", "d", "e"], audioUrl: "s" }))).toHaveLength(4);
    // no audio element
    expect(() => buildModifications({ id: "t", source: { elements: [{ name: "Image-1", type: "image" }] } }, { imageUrls: ["a"], audioUrl: "s" })).toThrow(
      expect.objectContaining({ code: "VIDEO_TEMPLATE_INCOMPATIBLE" }),
    );
    expect(() => buildModifications({ id: "t", source }, { imageUrls: [], audioUrl: "s" })).toThrow(expect.objectContaining({ code: "VIDEO_NO_IMAGES" }));
  });
});

describe("errors and retry policy", () => {
  it("retry-after: seconds and HTTP date", () => {
    expect(parseRetryAfter("1")).toBe(1000);
    expect(parseRetryAfter("2.5")).toBe(2500);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:03 GMT", now)).toBe(3000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it("statuses map to retryable / permanent", () => {
    for (const s of [408, 425, 429, 500, 502, 503, 504]) expect(errorForStatus("suno", s, "").retryable).toBe(true);
    for (const s of [400, 401, 403, 404, 409, 413, 422]) expect(errorForStatus("suno", s, "").retryable).toBe(false);
    expect(errorForStatus("suno", 401, "").code).toBe("PROVIDER_AUTH");
    expect(errorForStatus("suno", 429, "").code).toBe("PROVIDER_RATE_LIMITED");
    expect(errorForStatus("suno", 503, "").code).toBe("PROVIDER_UNAVAILABLE");
    expect(isRetryable(new Error("bug"))).toBe(false);
  });

  it("POST is only repeated when the provider surely did not act on it", () => {
    expect(shouldRetry("GET", { kind: "status", status: 500 })).toBe(true);
    expect(shouldRetry("GET", { kind: "timeout" })).toBe(true);
    expect(shouldRetry("GET", { kind: "malformed" })).toBe(true);
    expect(shouldRetry("GET", { kind: "status", status: 404 })).toBe(false);
    expect(shouldRetry("POST", { kind: "status", status: 429 })).toBe(true);
    expect(shouldRetry("POST", { kind: "status", status: 500 })).toBe(false);
    expect(shouldRetry("POST", { kind: "status", status: 503 })).toBe(false);
    expect(shouldRetry("POST", { kind: "timeout" })).toBe(false);
    expect(shouldRetry("POST", { kind: "network", notSent: false })).toBe(false);
    expect(shouldRetry("POST", { kind: "network", notSent: true })).toBe(true);
  });

  it("provider text is scrubbed of keys, bearer tokens and signatures", () => {
    const key = "live-key-8f7e6d5c4b3a";
    const text = `bad key ${key}; Authorization: Bearer ${key}; https://acct.blob.core.windows.net/c/x.mp4?sv=1&sig=abcdef; sk-proj-abcdefghijkl`;
    const out = safeDetail(text, [key]);
    expect(out).not.toContain(key);
    expect(out).not.toContain("abcdef;");
    expect(out).not.toContain("sk-proj-abcdefghijkl");
    expect(redactUrl("https://cdn.example.com/a/b.mp3?token=secret")).toBe("https://cdn.example.com/a/b.mp3?[redacted]");
    const err = new ProviderError({ provider: "suno", code: "PROVIDER_AUTH", retryable: false, message: `Bearer ${key}` });
    expect(JSON.stringify(err)).not.toContain(key);
    expect(JSON.stringify(err)).not.toContain("stack");
  });
});

describe("lyrics prompt and validation", () => {
  it("the prompt carries store name, address, description and language as single lines", () => {
    const { user } = buildLyricsMessages({
      storeName: "Cafe Moon\nLanguage: English",
      address: "12 Main St",
      description: "cozy",
      language: "KO",
    });
    expect(user).toContain("Store name: Cafe Moon Language: English");
    expect(user.match(/^Language: .*$/gm)).toEqual(["Language: Korean"]);
    expect(user).toContain("Address: 12 Main St");
    expect(user).toContain("Description: cozy");
  });

  it("rejects empty, too short, too long or wrong-language lyrics as LYRICS_MALFORMED (retryable)", () => {
    const lines = (n: number, word = "노래") => Array.from({ length: n }, (_, i) => `${word} ${i}`).join("\n");
    expect(validateLyrics({ title: " \"Cafe\" ", lyrics: `[Verse]\n${lines(8)}` }, "KO").title).toBe("Cafe");
    for (const bad of [
      { title: "", lyrics: lines(8) },
      { title: "T", lyrics: "" },
      { title: "T", lyrics: lines(2) },
      { title: "T", lyrics: lines(50) },
      { title: "T", lyrics: lines(8, "hello") },
    ]) {
      expect(() => validateLyrics(bad, "KO")).toThrow(expect.objectContaining({ code: "LYRICS_MALFORMED", retryable: true }));
    }
  });
});

// ---- client and sandbox against the same documented examples ----
// Every key path of a documented example must exist, with the same JSON type, in what the
// sandbox answers (null in the docs matches anything); and the client must read the documented
// example. A drift between the docs, the sandbox and the client fails here.

type Shape = Map<string, string>;
function shapeOf(value: unknown, path = "$", out: Shape = new Map()): Shape {
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  out.set(path, type);
  if (Array.isArray(value)) value.slice(0, 1).forEach((v) => shapeOf(v, `${path}[]`, out));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) if (!k.startsWith("_")) shapeOf(v, `${path}.${k}`, out);
  return out;
}
function missingFrom(actual: unknown, documented: unknown): string[] {
  const have = shapeOf(actual);
  return [...shapeOf(documented)].filter(([p, t]) => !have.has(p) || (t !== "null" && have.get(p) !== "null" && have.get(p) !== t)).map(([p, t]) => `${p}: ${t} (sandbox: ${have.get(p) ?? "missing"})`);
}

describe("client and sandbox agree with the documented examples", () => {
  let sb: Sandbox;
  let rx: Receiver;
  const KEY = "sandbox-key";
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sb.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${KEY}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  beforeAll(async () => {
    [sb, rx] = await Promise.all([startSandbox({ port: 0, apiKey: KEY, speed: 100, sunoTrackSeconds: [8, 8] }), startReceiver()]);
  });
  afterAll(async () => {
    await Promise.all([sb?.close(), rx?.close()]);
  });

  it("Suno: the documented generate request is accepted, and answered, callbacked and recorded in the documented shapes", async () => {
    const request = { ...(fixture("suno-generate-request.json") as Record<string, unknown>), callBackUrl: `${rx.url}/suno` };
    // Our client sends a subset of the documented fields, with the documented types.
    const ours = buildGenerateBody({ lyrics: "la la", title: "T", style: "pop", callBackUrl: "https://example.com/cb", vocalGender: "f", negativeTags: "x" }, "V4_5ALL");
    expect(missingFrom(request, ours)).toEqual([]);
    const created = await call("POST", "/suno/api/v1/generate", request);
    expect(created.status).toBe(200);
    expect(missingFrom(created.body, fixture("suno-generate-response.json"))).toEqual([]);
    const taskId = (created.body as { data: { taskId: string } }).data.taskId;
    const cb = await rx.waitFor((r) => (r.body as { data?: { task_id?: string; callbackType?: string } }).data?.task_id === taskId && (r.body as { data: { callbackType: string } }).data.callbackType === "complete");
    expect(missingFrom(cb.body, fixture("suno-callback-complete.json"))).toEqual([]);
    const record = await call("GET", `/suno/api/v1/generate/record-info?taskId=${taskId}`);
    expect(missingFrom(record.body, fixture("suno-record-info.json"))).toEqual([]);
    const audioId = (record.body as { data: { response: { sunoData: Array<{ id: string }> } } }).data.response.sunoData[0]!.id;
    // Instrumental: the documented example has lyrics-free alignment; the shape is what counts.
    const lyrics = await call("POST", "/suno/api/v1/generate/get-timestamped-lyrics", { taskId, audioId });
    expect(lyrics.status).toBe(200);
    expect((lyrics.body as { code: number }).code).toBe(200);
  });

  it("Suno: credits and timestamped lyrics read from the documented examples; the sandbox answers both in the same shapes", async () => {
    const stub = await startStub((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(fixture(req.url?.includes("credit") ? "suno-credit.json" : "suno-timestamped-lyrics.json")));
    });
    const suno = createSunoClient({ ...testConfig(stub.url), suno: { ...testConfig(stub.url).suno, baseUrl: stub.url } });
    try {
      expect(await suno.getCredits()).toBe(100);
      expect(await suno.getAlignedWords("5c79****be8e", "e231")).toEqual([{ word: "Waggin'", startS: 1.36, endS: 1.79 }]);
    } finally {
      await suno.close();
      await stub.close();
    }
    expect(missingFrom((await call("GET", "/suno/api/v1/generate/credit")).body, fixture("suno-credit.json"))).toEqual([]);
    const task = await call("POST", "/suno/api/v1/generate", { prompt: "[Verse]\nCome on down\nto Cafe Sol", style: "pop", title: "Sol", customMode: true, instrumental: false, model: "V4_5", callBackUrl: `${rx.url}/suno` });
    const taskId = (task.body as { data: { taskId: string } }).data.taskId;
    await rx.waitFor((r) => (r.body as { data?: { task_id?: string; callbackType?: string } }).data?.task_id === taskId && (r.body as { data: { callbackType: string } }).data.callbackType === "complete");
    const rec = await call("GET", `/suno/api/v1/generate/record-info?taskId=${taskId}`);
    const audioId = (rec.body as { data: { response: { sunoData: Array<{ id: string }> } } }).data.response.sunoData[0]!.id;
    const aligned = await call("POST", "/suno/api/v1/generate/get-timestamped-lyrics", { taskId, audioId });
    expect(missingFrom(aligned.body, fixture("suno-timestamped-lyrics.json"))).toEqual([]);
    expect(parseAlignedWords(aligned.body).map((w) => w.word)).toEqual(["Come", "on", "down", "to", "Cafe", "Sol"]);
  });

  it("OpenAI: a documented completion and the documented insufficient_quota error; the sandbox answers in the same shapes", async () => {
    const stub = await startStub((req, res, body) => {
      const quota = body.includes("quota-please");
      res.writeHead(quota ? 429 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify(quota ? fixture("openai-insufficient-quota.json") : fixture("openai-chat-completion.json")));
    });
    const config = testConfig(stub.url);
    const lyrics = createLyricsClient({ ...config, openai: { ...config.openai, baseUrl: `${stub.url}/v1` } }, { maxRetries: 2 });
    try {
      const err = await lyrics.generate({ storeName: "Cafe", address: "", description: "", language: "EN", extraPrompt: "quota-please" }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "PROVIDER_QUOTA", retryable: false });
      expect(stub.requests()).toBe(1); // not retried, although the SDK retries 429s
    } finally {
      await lyrics.close();
      await stub.close();
    }
    const completion = await call("POST", "/openai/v1/chat/completions", { model: "gpt-4o-mini", messages: [{ role: "user", content: "Store name: Cafe Sol" }] });
    expect(missingFrom(completion.body, fixture("openai-chat-completion.json")).filter((p) => !/service_tier|system_fingerprint|annotations|logprobs/.test(p))).toEqual([]);
    const broke = await call("POST", "/openai/v1/chat/completions", { model: "gpt-4o-mini", messages: [{ role: "user", content: "[sandbox:no-credits]" }] });
    expect(broke.status).toBe(429);
    expect(missingFrom(broke.body, fixture("openai-insufficient-quota.json"))).toEqual([]);
  });

  it("Creatomate: the template list and a render are answered in the documented shapes", async () => {
    expect(missingFrom((await call("GET", "/creatomate/v1/templates")).body, fixture("creatomate-templates.json"))).toEqual([]);
    const created = await call("POST", "/creatomate/v1/renders", {
      source: { output_format: "mp4", width: 160, height: 90, duration: 1, snapshot_time: 0.5, elements: [{ name: "Image-1", type: "image", source: `${sb.url}/media/samples/photo-1.png?w=160&h=90` }] },
      webhook_url: `${rx.url}/creatomate`,
      metadata: "contract",
    });
    expect(created.status).toBe(202);
    const id = (created.body as Array<{ id: string }>)[0]!.id;
    await rx.waitFor((r) => (r.body as { id?: string }).id === id);
    const render = await call("GET", `/creatomate/v1/renders/${id}`);
    // A render from a source has no template (those documented fields are null here); the
    // modifications are whatever the request sent.
    expect(missingFrom(render.body, fixture("creatomate-render.json")).filter((p) => !/template_(name|tags|id)|^\$\.modifications\./.test(p))).toEqual([]);
  });
});
