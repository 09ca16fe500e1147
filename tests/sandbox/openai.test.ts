import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxMarker, sandboxMarkers, startSandbox, type Sandbox } from "../../sandbox/server.js";
import { get, getJson, headers, postJson } from "../helpers/sandbox-http.js";

let sb: Sandbox;
let base: string;

beforeAll(async () => {
  sb = await startSandbox({ speed: 100 });
  base = `${sb.url}/openai/v1`;
});
afterAll(async () => {
  await sb.close();
});

const songSchema = {
  name: "jingle",
  strict: true,
  schema: {
    type: "object",
    properties: {
      title: { type: "string" },
      lyrics: { type: "string" },
      tags: { type: "array", items: { type: "string" } },
      mood: { type: "string", enum: ["happy", "calm"] },
      bpm: { type: "integer", minimum: 80, maximum: 140 },
      note: { anyOf: [{ type: "string" }, { type: "null" }] },
    },
    required: ["title", "lyrics", "tags", "mood", "bpm", "note"],
    additionalProperties: false,
  },
};

function userMessage(store: string, language: string, extra = ""): { role: string; content: string } {
  return {
    role: "user",
    content: `Write a jingle.\nStore name: ${store}\nLanguage: ${language}\nAddress: 12 Main St\nDescription: Cozy place${extra}`,
  };
}

function content(json: unknown): string {
  return String(get(json, "choices", 0, "message", "content"));
}

describe("OpenAI chat completions", () => {
  it("answers json_schema with a parsable object in the requested language using the store name", async () => {
    const r = await postJson(`${base}/chat/completions`, {
      model: "gpt-4o-mini",
      messages: [{ role: "system", content: "You write jingles." }, userMessage("카페 모카", "Korean")],
      response_format: { type: "json_schema", json_schema: songSchema },
    });
    expect(r.status).toBe(200);
    expect(get(r.json, "object")).toBe("chat.completion");
    expect(String(get(r.json, "id"))).toMatch(/^chatcmpl-/);
    expect(get(r.json, "choices", 0, "finish_reason")).toBe("stop");
    expect(get(r.json, "choices", 0, "message", "role")).toBe("assistant");
    expect(get(r.json, "choices", 0, "message", "refusal")).toBeNull();
    const usage = get(r.json, "usage") as { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    const parsed = JSON.parse(content(r.json)) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(["bpm", "lyrics", "mood", "note", "tags", "title"]);
    expect(parsed.title).toContain("카페 모카");
    expect(parsed.lyrics).toContain("카페 모카");
    expect(String(parsed.lyrics)).toMatch(/[가-힣]{2,}/);
    expect(String(parsed.lyrics).split("\n").length).toBeGreaterThan(4);
    expect(["happy", "calm"]).toContain(parsed.mood);
    expect(parsed.bpm).toBeGreaterThanOrEqual(80);
    expect(Array.isArray(parsed.tags)).toBe(true);
    expect(typeof parsed.note).toBe("string");
  });

  it.each([
    ["Japanese", /[\u3040-\u30ff]/],
    ["Chinese", /[\u4e00-\u9fff]/],
    ["English", /Come on down to/],
  ])("writes %s lyrics", async (language, re) => {
    const r = await postJson(`${base}/chat/completions`, {
      model: "any-local-model",
      messages: [userMessage("Blue Door", language)],
      response_format: { type: "json_schema", json_schema: songSchema },
    });
    const parsed = JSON.parse(content(r.json)) as { title: string; lyrics: string };
    expect(parsed.lyrics).toMatch(re);
    expect(parsed.lyrics).toContain("Blue Door");
    expect(parsed.title).toContain("Blue Door");
  });

  it("answers json_object and plain text", async () => {
    const j = await postJson(`${base}/chat/completions`, {
      model: "m",
      messages: [userMessage("Sun Bakery", "English")],
      response_format: { type: "json_object" },
    });
    const obj = JSON.parse(content(j.json)) as Record<string, unknown>;
    expect(obj.title).toContain("Sun Bakery");
    const t = await postJson(`${base}/chat/completions`, { model: "m", messages: [userMessage("Sun Bakery", "English")] });
    expect(content(t.json)).toContain("Sun Bakery");
    expect(content(t.json).split("\n").length).toBeGreaterThan(4);
  });

  it("streams SSE chunks when stream is true", async () => {
    const res = await fetch(`${base}/chat/completions`, {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({ model: "m", stream: true, messages: [userMessage("Sun Bakery", "English")] }),
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const text = await res.text();
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
    const joined = text
      .split("\n")
      .filter((l) => l.startsWith("data: {"))
      .map((l) => String(get(JSON.parse(l.slice(6)), "choices", 0, "delta", "content") ?? ""))
      .join("");
    expect(joined).toContain("Sun Bakery");
  });

  it("validates the body with invalid_request_error", async () => {
    const noModel = await postJson(`${base}/chat/completions`, { messages: [userMessage("x", "English")] });
    expect(noModel.status).toBe(400);
    expect(get(noModel.json, "error", "type")).toBe("invalid_request_error");
    expect(get(noModel.json, "error", "param")).toBe("model");
    const noMessages = await postJson(`${base}/chat/completions`, { model: "m", messages: [] });
    expect(noMessages.status).toBe(400);
    expect(get(noMessages.json, "error", "param")).toBe("messages");
    expect(get(noMessages.json, "error")).toHaveProperty("code");
  });

  it("rejects a wrong key with 401 in OpenAI's format", async () => {
    const r = await postJson(`${base}/chat/completions`, { model: "m", messages: [userMessage("x", "English")] }, "nope");
    expect(r.status).toBe(401);
    expect(get(r.json, "error", "code")).toBe("invalid_api_key");
    const models = await getJson(`${base}/models`);
    expect(models.status).toBe(200);
    expect(get(models.json, "object")).toBe("list");
  });

  it("[sandbox:fail=429] answers 429 with retry-after", async () => {
    const r = await postJson(`${base}/chat/completions`, {
      model: "m",
      messages: [userMessage(`Shop ${sandboxMarkers.fail(429)}`, "English")],
    });
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("1");
    expect(get(r.json, "error", "code")).toBe("rate_limit_exceeded");
  });

  it("[sandbox:fail=500x2] fails twice for the same content, then succeeds", async () => {
    const body = { model: "m", messages: [userMessage(`Twice ${sandboxMarker("fail", "500x2")}`, "English")] };
    expect((await postJson(`${base}/chat/completions`, body)).status).toBe(500);
    const other = { model: "m", messages: [userMessage(`Other ${sandboxMarker("fail", "500x2")}`, "English")] };
    expect((await postJson(`${base}/chat/completions`, other)).status).toBe(500);
    const second = await postJson(`${base}/chat/completions`, body);
    expect(second.status).toBe(500);
    expect(get(second.json, "error", "type")).toBe("server_error");
    expect((await postJson(`${base}/chat/completions`, body)).status).toBe(200);
    expect((await postJson(`${base}/chat/completions`, other)).status).toBe(500);
  });

  it("[sandbox:fail=503] and [sandbox:fail=401]", async () => {
    const a = await postJson(`${base}/chat/completions`, { model: "m", messages: [userMessage(`A ${sandboxMarkers.fail(503)}`, "English")] });
    expect(a.status).toBe(503);
    const b = await postJson(`${base}/chat/completions`, { model: "m", messages: [userMessage(`B ${sandboxMarkers.fail(401)}`, "English")] });
    expect(b.status).toBe(401);
  });

  it("[sandbox:malformed] returns 200 with invalid JSON", async () => {
    const r = await postJson(`${base}/chat/completions`, { model: "m", messages: [userMessage(`M ${sandboxMarkers.malformed()}`, "English")] });
    expect(r.status).toBe(200);
    expect(r.json).toBeUndefined();
    expect(() => JSON.parse(r.text)).toThrow();
  });

  it("[sandbox:hang] never answers", async () => {
    const req = fetch(`${base}/chat/completions`, {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({ model: "m", messages: [userMessage(`H ${sandboxMarkers.hang()}`, "English")] }),
      signal: AbortSignal.timeout(300),
    });
    await expect(req).rejects.toThrow();
  });

  it("ignores markers scoped to another provider and keeps them in the lyrics", async () => {
    const marker = sandboxMarkers.fail(500, undefined, "suno");
    const r = await postJson(`${base}/chat/completions`, {
      model: "m",
      messages: [userMessage(`Scoped ${marker}`, "English")],
      response_format: { type: "json_schema", json_schema: songSchema },
    });
    expect(r.status).toBe(200);
    expect((JSON.parse(content(r.json)) as { lyrics: string }).lyrics).toContain(marker);
  });
});
