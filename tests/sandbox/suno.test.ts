import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxMarkers, startSandbox, type Sandbox } from "../../sandbox/server.js";
import { bytes, get, getJson, postJson } from "../helpers/sandbox-http.js";
import { startReceiver, type Receiver } from "../helpers/receiver.js";

let sb: Sandbox;
let rx: Receiver;

beforeAll(async () => {
  // HTTP status = body code here, so every error is also visible by status; the documented
  // HTTP-200 transport (the default) is checked under "Suno options".
  sb = await startSandbox({ speed: 100, sunoGenerateLimitPer10s: 0, sunoErrorHttpStatus: "mirror" });
  rx = await startReceiver();
});
afterAll(async () => {
  await sb.close();
  await rx.close();
});

let n = 0;
function body(extra: Partial<Record<string, unknown>> = {}, marker = ""): Record<string, unknown> {
  n++;
  return {
    prompt: `[Verse]\nCome on down ${n} ${marker}`,
    style: "upbeat pop",
    title: `Jingle ${n}`,
    customMode: true,
    instrumental: false,
    model: "V4_5",
    callBackUrl: `${rx.url}/suno/cb`,
    ...extra,
  };
}

async function generate(b: Record<string, unknown>): Promise<string> {
  const r = await postJson(`${sb.url}/suno/api/v1/generate`, b);
  expect(r.status).toBe(200);
  expect(get(r.json, "code")).toBe(200);
  expect(get(r.json, "msg")).toBe("success");
  const taskId = get(r.json, "data", "taskId");
  expect(typeof taskId).toBe("string");
  return String(taskId);
}

const forTask = (taskId: string, type?: string) => (r: { body: unknown }) =>
  get(r.body, "data", "task_id") === taskId && (type === undefined || get(r.body, "data", "callbackType") === type);

async function recordInfo(taskId: string): Promise<{ status: number; json: unknown }> {
  return getJson(`${sb.url}/suno/api/v1/generate/record-info?taskId=${taskId}`);
}

async function advance(taskId: string): Promise<string> {
  const r = await postJson(`${sb.url}/_sandbox/suno/${taskId}/advance`, {});
  expect(r.status).toBe(200);
  return String(get(r.json, "status"));
}

describe("Suno generate + record-info + callbacks", () => {
  it("progresses to SUCCESS with snake_case callbacks and camelCase record-info", async () => {
    const b = body();
    const taskId = await generate(b);
    const complete = await rx.waitFor(forTask(taskId, "complete"));
    const text = await rx.waitFor(forTask(taskId, "text"));
    const first = await rx.waitFor(forTask(taskId, "first"));
    const order = rx.received.filter(forTask(taskId)).map((r) => get(r.body, "data", "callbackType"));
    expect(order).toEqual(["text", "first", "complete"]);

    expect(get(text.body, "code")).toBe(200);
    const textTracks = get(text.body, "data", "data") as Array<Record<string, unknown>>;
    expect(textTracks).toHaveLength(2);
    expect(textTracks[0]?.audio_url).toBe("");
    const firstTracks = get(first.body, "data", "data") as Array<Record<string, unknown>>;
    expect(String(firstTracks[0]?.stream_audio_url)).toMatch(/^http/);
    expect(firstTracks[0]?.audio_url).toBe("");
    const tracks = get(complete.body, "data", "data") as Array<Record<string, unknown>>;
    expect(tracks).toHaveLength(2);
    for (const t of tracks) {
      expect(Object.keys(t).sort()).toEqual(
        ["audio_url", "createTime", "duration", "id", "image_url", "model_name", "prompt", "source_audio_url", "source_image_url", "source_stream_audio_url", "stream_audio_url", "tags", "title"].sort(),
      );
      expect(t.title).toBe(b.title);
      expect(t.tags).toBe(b.style);
      expect(t.prompt).toBe(b.prompt);
      expect(t.duration).toBeGreaterThanOrEqual(60); // songs of realistic length, 1-4 minutes
      expect(t.duration).toBeLessThanOrEqual(240);
    }

    const info = await recordInfo(taskId);
    expect(info.status).toBe(200);
    expect(get(info.json, "code")).toBe(200);
    expect(get(info.json, "data", "status")).toBe("SUCCESS");
    expect(get(info.json, "data", "type")).toBe("GENERATE");
    expect(get(info.json, "data", "errorCode")).toBeNull();
    expect(JSON.parse(String(get(info.json, "data", "param")))).toEqual(b);
    const sunoData = get(info.json, "data", "response", "sunoData") as Array<Record<string, unknown>>;
    expect(sunoData).toHaveLength(2);
    expect(Object.keys(sunoData[0] ?? {}).sort()).toEqual(
      ["audioUrl", "createTime", "duration", "id", "imageUrl", "modelName", "prompt", "streamAudioUrl", "tags", "title"].sort(),
    );
    for (const t of sunoData) {
      const wav = await bytes(String(t.audioUrl));
      expect(wav.status).toBe(200);
      expect(wav.headers.get("content-type")).toBe("audio/wav");
      expect(Number(wav.headers.get("content-length"))).toBe(wav.body.length);
      expect(wav.body.subarray(0, 4).toString("latin1")).toBe("RIFF");
      expect(wav.body.subarray(8, 12).toString("latin1")).toBe("WAVE");
      expect(wav.body.readUInt32LE(40)).toBe(wav.body.length - 44);
      const img = await bytes(String(t.imageUrl));
      expect(img.body.subarray(1, 4).toString("latin1")).toBe("PNG");
      const stream = await bytes(String(t.streamAudioUrl), { headers: { range: "bytes=0-11" } });
      expect(stream.status).toBe(206);
      expect(stream.body.subarray(0, 4).toString("latin1")).toBe("RIFF");
    }
  });

  it("record-info shows PENDING with response null, then each held step", async () => {
    const taskId = await generate(body({}, sandboxMarkers.hold()));
    const pending = await recordInfo(taskId);
    expect(get(pending.json, "data", "status")).toBe("PENDING");
    expect(get(pending.json, "data", "response")).toBeNull();
    const audioBefore = await bytes(`${sb.url}/media/suno/${taskId}/x.wav`);
    expect(audioBefore.status).toBe(404);
    expect(await advance(taskId)).toBe("TEXT_SUCCESS");
    await rx.waitFor(forTask(taskId, "text"));
    const text = await recordInfo(taskId);
    expect(get(text.json, "data", "response", "sunoData", 0, "audioUrl")).toBe("");
    expect(await advance(taskId)).toBe("FIRST_SUCCESS");
    expect(await advance(taskId)).toBe("SUCCESS");
    await rx.waitFor(forTask(taskId, "complete"));
    const done = await postJson(`${sb.url}/_sandbox/suno/${taskId}/advance`, {});
    expect(get(done.json, "advanced")).toBe(false);
  });

  it("missing callBackUrl → 422 'Please enter callBackUrl'", async () => {
    const b = body();
    delete b.callBackUrl;
    const r = await postJson(`${sb.url}/suno/api/v1/generate`, b);
    expect(r.status).toBe(422);
    expect(r.json).toEqual({ code: 422, msg: "Please enter callBackUrl", data: null });
  });

  it("validates required fields, lengths and model", async () => {
    const noStyle = await postJson(`${sb.url}/suno/api/v1/generate`, body({ style: "" }));
    expect(get(noStyle.json, "code")).toBe(422);
    const longV4 = await postJson(`${sb.url}/suno/api/v1/generate`, body({ model: "V4", prompt: "a".repeat(3001) }));
    expect(longV4.status).toBe(413);
    expect(get(longV4.json, "code")).toBe(413);
    const okV45 = await postJson(`${sb.url}/suno/api/v1/generate`, body({ model: "V4_5", prompt: "a".repeat(5000) }));
    expect(okV45.status).toBe(200);
    const longV5 = await postJson(`${sb.url}/suno/api/v1/generate`, body({ model: "V5", prompt: "a".repeat(5001) }));
    expect(longV5.status).toBe(413);
    const longStyle = await postJson(`${sb.url}/suno/api/v1/generate`, body({ model: "V4", style: "s".repeat(201) }));
    expect(longStyle.status).toBe(400);
    // V4_5ALL: V4_5's prompt length, but an 80-character title.
    expect((await postJson(`${sb.url}/suno/api/v1/generate`, body({ model: "V4_5ALL", title: "t".repeat(81) }))).status).toBe(400);
    expect((await postJson(`${sb.url}/suno/api/v1/generate`, body({ model: "V4_5ALL", title: "t".repeat(80), prompt: "a".repeat(5000) }))).status).toBe(200);
    const longTitle = await postJson(`${sb.url}/suno/api/v1/generate`, body({ model: "V4_5PLUS", title: "t".repeat(101) }));
    expect(longTitle.status).toBe(400);
    const badModel = await postJson(`${sb.url}/suno/api/v1/generate`, body({ model: "V9" }));
    expect(badModel.status).toBe(400);
    expect(get(badModel.json, "data")).toBeNull();
    const instrumental = await postJson(`${sb.url}/suno/api/v1/generate`, body({ instrumental: true, prompt: undefined }));
    expect(instrumental.status).toBe(200);
  });

  it("bad key → 401 {code:401,msg}", async () => {
    const r = await postJson(`${sb.url}/suno/api/v1/generate`, body(), "wrong");
    expect(r.status).toBe(401);
    expect(get(r.json, "code")).toBe(401);
    expect(typeof get(r.json, "msg")).toBe("string");
  });

  it("unknown taskId → code 404", async () => {
    const r = await recordInfo("does-not-exist");
    expect(r.status).toBe(404);
    expect(get(r.json, "code")).toBe(404);
  });

  it("[sandbox:status=SENSITIVE_WORD_ERROR] fails with an error callback", async () => {
    const taskId = await generate(body({}, sandboxMarkers.status("SENSITIVE_WORD_ERROR")));
    const cb = await rx.waitFor(forTask(taskId, "error"));
    expect(get(cb.body, "code")).not.toBe(200);
    const info = await recordInfo(taskId);
    expect(get(info.json, "data", "status")).toBe("SENSITIVE_WORD_ERROR");
    expect(get(info.json, "data", "errorCode")).toBe(400);
    expect(typeof get(info.json, "data", "errorMessage")).toBe("string");
  });

  it("[sandbox:status=GENERATE_AUDIO_FAILED] fails after TEXT_SUCCESS; unknown statuses are in-progress steps", async () => {
    const failing = await generate(body({}, sandboxMarkers.status("GENERATE_AUDIO_FAILED") + sandboxMarkers.hold()));
    expect(await advance(failing)).toBe("TEXT_SUCCESS");
    expect(await advance(failing)).toBe("GENERATE_AUDIO_FAILED");
    const cb = await rx.waitFor(forTask(failing, "error"));
    expect(get(cb.body, "code")).toBe(501);

    const odd = await generate(body({}, sandboxMarkers.status("QUEUED_SOMEWHERE") + sandboxMarkers.hold()));
    expect(await advance(odd)).toBe("TEXT_SUCCESS");
    expect(await advance(odd)).toBe("QUEUED_SOMEWHERE");
    expect(await advance(odd)).toBe("FIRST_SUCCESS");
    expect(await advance(odd)).toBe("SUCCESS");
  });

  it("[sandbox:webhook-twice] sends each callback twice; [sandbox:no-webhook] sends none", async () => {
    const silent = await generate(body({}, sandboxMarkers.noWebhook()));
    const twice = await generate(body({}, sandboxMarkers.webhookTwice()));
    await rx.waitForCount(forTask(twice, "complete"), 2);
    // the silent task started first and runs on the same schedule: it is complete by now
    const info = await recordInfo(silent);
    expect(get(info.json, "data", "status")).toBe("SUCCESS");
    expect(rx.received.filter(forTask(silent))).toHaveLength(0);
  });

  it("[sandbox:duration=NN] sets wall-clock seconds per step", async () => {
    const slow = await startSandbox({ speed: 1 });
    try {
      const r = await postJson(`${slow.url}/suno/api/v1/generate`, body({}, sandboxMarkers.duration(0.02)));
      const taskId = String(get(r.json, "data", "taskId"));
      await rx.waitFor(forTask(taskId, "complete"), 5000);
    } finally {
      await slow.close();
    }
  });

  it("[sandbox:audio-bytes=NNN] streams a WAV of that exact size", async () => {
    const size = 60_000_000;
    const taskId = await generate(body({}, sandboxMarkers.audioBytes(size)));
    const complete = await rx.waitFor(forTask(taskId, "complete"));
    const url = String(get(complete.body, "data", "data", 0, "audio_url"));
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Number(res.headers.get("content-length"))).toBe(size);
    const reader = res.body?.getReader();
    if (!reader) throw new Error("no body");
    let total = 0;
    let head: Uint8Array | null = null;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!head) head = value;
      total += value.length;
    }
    expect(total).toBe(size);
    expect(Buffer.from(head ?? []).subarray(0, 4).toString("latin1")).toBe("RIFF");
    const duration = get(complete.body, "data", "data", 0, "duration");
    expect(duration).toBeCloseTo((size - 44) / 44100, 1);
    const tail = await bytes(url, { headers: { range: `bytes=${size - 10}-` } });
    expect(tail.status).toBe(206);
    expect(tail.body.length).toBe(10);
  });

  it("[sandbox:poll-fail=500x2] fails record-info twice", async () => {
    const taskId = await generate(body({}, sandboxMarkers.pollFail(500, 2)));
    expect((await recordInfo(taskId)).status).toBe(500);
    expect((await recordInfo(taskId)).status).toBe(500);
    expect((await recordInfo(taskId)).status).toBe(200);
  });

  it("record-info is limited to 3 requests per second per task", async () => {
    const taskId = await generate(body({}, sandboxMarkers.hold()));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await recordInfo(taskId)).status);
    expect(statuses).toEqual([200, 200, 200, 430]); // sunoapi.org: 430 = call frequency too high
  });

  it("[sandbox:fail=429] / [sandbox:malformed] / [sandbox:hang] on generate", async () => {
    const limited = await postJson(`${sb.url}/suno/api/v1/generate`, body({}, sandboxMarkers.fail(429)));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(get(limited.json, "code")).toBe(429);
    const bad = await postJson(`${sb.url}/suno/api/v1/generate`, body({}, sandboxMarkers.malformed()));
    expect(bad.status).toBe(200);
    expect(bad.json).toBeUndefined();
    const hang = fetch(`${sb.url}/suno/api/v1/generate`, {
      method: "POST",
      headers: { authorization: "Bearer sandbox-key", "content-type": "application/json" },
      body: JSON.stringify(body({}, sandboxMarkers.hang())),
      signal: AbortSignal.timeout(200),
    });
    await expect(hang).rejects.toThrow();
  });
});

describe("Suno options", () => {
  it("by default answers errors as documented (HTTP 200 + code); rate limit 430, credits 429 (sunoapi.org)", async () => {
    const s = await startSandbox({ speed: 100, sunoGenerateLimitPer10s: 2, sunoCredits: 24 });
    try {
      const b = body({ callBackUrl: "http://127.0.0.1:9/unused" }, sandboxMarkers.hold());
      expect(get((await getJson(`${s.url}/suno/api/v1/generate/credit`)).json, "data")).toBe(24);
      expect(get((await postJson(`${s.url}/suno/api/v1/generate`, b)).json, "code")).toBe(200);
      expect(get((await postJson(`${s.url}/suno/api/v1/generate`, b)).json, "code")).toBe(200);
      const third = await postJson(`${s.url}/suno/api/v1/generate`, b);
      expect(third.status).toBe(200);
      expect(get(third.json, "code")).toBe(429); // 24 credits = two tasks: now out of credits
      expect(get((await getJson(`${s.url}/suno/api/v1/generate/credit`)).json, "data")).toBe(0);
      const rich = await startSandbox({ speed: 100, sunoGenerateLimitPer10s: 2 });
      try {
        for (const want of [200, 200, 430]) expect(get((await postJson(`${rich.url}/suno/api/v1/generate`, b)).json, "code")).toBe(want);
      } finally {
        await rich.close();
      }
      const noCb = await postJson(`${s.url}/suno/api/v1/generate`, { ...b, callBackUrl: undefined }, "wrong");
      expect(noCb.status).toBe(200);
      expect(get(noCb.json, "code")).toBe(401);
    } finally {
      await s.close();
    }
  });
});

describe("Suno as kie.ai", () => {
  it("402 = insufficient credits, 429 = rate limit", async () => {
    const s = await startSandbox({ speed: 100, sunoGenerateLimitPer10s: 1, sunoErrorCodes: "kie" });
    try {
      const b = body({ callBackUrl: "http://127.0.0.1:9/unused" }, sandboxMarkers.hold());
      expect(get((await postJson(`${s.url}/suno/api/v1/generate`, b)).json, "code")).toBe(200);
      expect(get((await postJson(`${s.url}/suno/api/v1/generate`, b)).json, "code")).toBe(429);
      const broke = await postJson(`${s.url}/suno/api/v1/generate`, body({ callBackUrl: "http://127.0.0.1:9/unused" }, "[sandbox:no-credits]"));
      expect(get(broke.json, "code")).toBe(402);
    } finally {
      await s.close();
    }
  });
});
