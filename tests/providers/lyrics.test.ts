import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../sandbox/server.js";
import { createLyricsClient } from "../../src/providers/lyrics.js";
import { loadConfig, type Config } from "../../src/config.js";
import { providerError, startStub, testConfig, withKey } from "../helpers/providers.js";

let sb: Sandbox;
let config: Config;

beforeAll(async () => {
  sb = await startSandbox({ port: 0, apiKey: "sandbox-key", speed: 100 });
  config = testConfig(sb.url, { OPENAI_MODEL: "gpt-4o-mini", PROVIDER_MAX_RETRIES: "2" });
});
afterAll(async () => {
  await sb?.close();
});

const business = { storeName: "Cafe Moon", address: "12 Main St, Mapo-gu, Seoul", description: "A cozy coffee shop with home-made cakes" };

describe("lyrics client against the sandbox", () => {
  it.each([
    ["KO", /[\uac00-\ud7af]/],
    ["EN", /[A-Za-z]/],
    ["JA", /[\u3040-\u30ff]/],
  ] as const)("writes %s lyrics that name the store", async (language, script) => {
    const client = createLyricsClient(config);
    try {
      const r = await client.generate({ ...business, language });
      expect(r.model).toBe("gpt-4o-mini");
      expect(`${r.title}\n${r.lyrics}`).toContain("Cafe Moon");
      expect(r.lyrics).toMatch(script);
      const lines = r.lyrics.split("\n").filter((l) => l.trim() && !/^\[.*\]$/.test(l.trim()));
      expect(lines.length).toBeGreaterThanOrEqual(4);
      expect(lines.length).toBeLessThanOrEqual(40);
    } finally {
      await client.close();
    }
  });

  it("429 with retry-after is retried and then succeeds", async () => {
    const client = createLyricsClient(config);
    const before = sb.stats().openai.requests;
    const started = Date.now();
    try {
      const r = await client.generate({ ...business, language: "EN", extraPrompt: "[sandbox:fail=429x1]" });
      expect(r.lyrics).toContain("Cafe Moon");
      expect(sb.stats().openai.requests - before).toBe(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900); // waited for retry-after: 1
    } finally {
      await client.close();
    }
  });

  it("500x2 is retried to success; a persistent 500 is a retryable PROVIDER_UNAVAILABLE", async () => {
    const client = createLyricsClient(config);
    try {
      const ok = await client.generate({ ...business, language: "EN", extraPrompt: "[sandbox:fail=500x2]" });
      expect(ok.title.length).toBeGreaterThan(0);
      const err = await providerError(() => client.generate({ ...business, language: "EN", extraPrompt: "[sandbox:fail=500]" }));
      expect(err).toMatchObject({ provider: "openai", code: "PROVIDER_UNAVAILABLE", retryable: true, status: 500 });
    } finally {
      await client.close();
    }
  });

  it("hang → PROVIDER_TIMEOUT, malformed body → PROVIDER_BAD_RESPONSE (both retryable)", async () => {
    const client = createLyricsClient({ ...config, openai: { ...config.openai, timeoutMs: 300 } }, { maxRetries: 0 });
    try {
      const hang = await providerError(() => client.generate({ ...business, language: "EN", extraPrompt: "[sandbox:hang]" }));
      expect(hang).toMatchObject({ code: "PROVIDER_TIMEOUT", retryable: true });
      const bad = await providerError(() => client.generate({ ...business, language: "EN", extraPrompt: "[sandbox:malformed]" }));
      expect(bad).toMatchObject({ code: "PROVIDER_BAD_RESPONSE", retryable: true });
    } finally {
      await client.close();
    }
  });

  it("401 → permanent PROVIDER_AUTH that never contains the key", async () => {
    const key = "sk-test-WRONG-0123456789abcdef";
    const client = createLyricsClient(withKey(config, key));
    try {
      const err = await providerError(() => client.generate({ ...business, language: "EN" }));
      expect(err).toMatchObject({ code: "PROVIDER_AUTH", retryable: false, status: 401 });
      for (const text of [err.message, err.userMessage, JSON.stringify(err), String(err.stack)]) expect(text).not.toContain(key);
    } finally {
      await client.close();
    }
  });

  it("400/422 are permanent PROVIDER_REJECTED", async () => {
    const client = createLyricsClient(config);
    try {
      for (const s of [400, 422]) {
        const err = await providerError(() => client.generate({ ...business, language: "EN", extraPrompt: `[sandbox:fail=${s}]` }));
        expect(err).toMatchObject({ code: "PROVIDER_REJECTED", retryable: false, status: s });
      }
    } finally {
      await client.close();
    }
  });
});

describe("lyrics client against a scripted OpenAI-compatible server", () => {
  const completion = (message: Record<string, unknown>, finish = "stop") =>
    JSON.stringify({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1,
      model: "local-llama",
      choices: [{ index: 0, message: { role: "assistant", content: null, refusal: null, ...message }, finish_reason: finish }],
    });
  const good = JSON.stringify({ title: "Cafe Moon Song", lyrics: "[Verse]\nCafe Moon a\nCafe Moon b\nc\nd\n[Chorus]\ne\nf" });
  const answers: Record<string, string> = {
    good: completion({ content: good }),
    refusal: completion({ refusal: "I can't help with that." }),
    notjson: completion({ content: "Sure! Here are your lyrics: la la la" }),
    wrongshape: completion({ content: JSON.stringify({ song: "x" }) }),
    length: completion({ content: '{"title": "Cafe' }, "length"),
    filtered: completion({ content: null }, "content_filter"),
    korean: completion({ content: good }),
  };

  it("maps refusals, bad content and finish reasons; model and baseURL are configurable", async () => {
    const seen: Array<{ path: string; auth: string | undefined; body: Record<string, unknown> }> = [];
    const stub = await startStub((req, res, body) => {
      const parsed = JSON.parse(body) as { messages: Array<{ content: string }> };
      seen.push({ path: req.url ?? "", auth: req.headers.authorization, body: parsed as unknown as Record<string, unknown> });
      const which = /Additional wishes: (\w+)/.exec(parsed.messages.map((m) => m.content).join("\n"))?.[1] ?? "good";
      res.writeHead(200, { "content-type": "application/json" });
      res.end(answers[which]);
    });
    const cfg = { ...config, openai: { ...config.openai, apiKey: "local-key", baseUrl: `${stub.url}/v1`, model: "local-llama" } };
    const client = createLyricsClient(cfg, { maxRetries: 0 });
    try {
      const r = await client.generate({ ...business, language: "EN" });
      expect(r).toEqual({ title: "Cafe Moon Song", lyrics: "[Verse]\nCafe Moon a\nCafe Moon b\nc\nd\n[Chorus]\ne\nf", model: "local-llama" });
      expect(seen[0]!.path).toBe("/v1/chat/completions");
      expect(seen[0]!.auth).toBe("Bearer local-key");
      expect(seen[0]!.body.model).toBe("local-llama");
      expect(seen[0]!.body.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "jingle_lyrics", strict: true } });
      const user = (seen[0]!.body.messages as Array<{ role: string; content: string }>).find((m) => m.role === "user")!.content;
      expect(user).toContain("Store name: Cafe Moon");
      expect(user).toContain("Address: 12 Main St, Mapo-gu, Seoul");
      expect(user).toContain("Description: A cozy coffee shop");
      expect(user).toContain("Language: English");

      const cases: Array<[string, string, boolean, LyricsLang]> = [
        ["refusal", "LYRICS_REFUSED", false, "EN"],
        ["filtered", "LYRICS_REFUSED", false, "EN"],
        ["notjson", "LYRICS_MALFORMED", true, "EN"],
        ["wrongshape", "LYRICS_MALFORMED", true, "EN"],
        ["length", "LYRICS_MALFORMED", true, "EN"],
        ["korean", "LYRICS_MALFORMED", true, "KO"], // English answer to a Korean request
      ];
      for (const [which, code, retryable, language] of cases) {
        const err = await providerError(() => client.generate({ ...business, language, extraPrompt: which }));
        expect(err, which).toMatchObject({ code, retryable, provider: "openai" });
      }
    } finally {
      await client.close();
      await stub.close();
    }
  });

  it("keyless OpenAI-compatible servers get no Authorization header; classic Azure gets api-key, api-version and the deployment path", async () => {
    const seen: Array<{ path: string; auth: string | undefined; apiKey: string | undefined }> = [];
    const stub = await startStub((req, res) => {
      seen.push({ path: req.url ?? "", auth: req.headers.authorization, apiKey: req.headers["api-key"] as string | undefined });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(answers.good);
    });
    const keyless = createLyricsClient(loadConfig({ SANDBOX: "auto", OPENAI_BASE_URL: `${stub.url}/v1`, OPENAI_MODEL: "llama3" }), { maxRetries: 0 });
    const azure = createLyricsClient(
      loadConfig({ SANDBOX: "auto", AZURE_OPENAI_ENDPOINT: `${stub.url}/`, AZURE_OPENAI_API_KEY: "az-key", OPENAI_MODEL: "jingles", OPENAI_API_VERSION: "2024-10-21" }),
      { maxRetries: 0 },
    );
    try {
      expect((await keyless.generate({ ...business, language: "EN" })).title).toBe("Cafe Moon Song");
      expect(seen[0]).toEqual({ path: "/v1/chat/completions", auth: undefined, apiKey: undefined });
      await azure.generate({ ...business, language: "EN" });
      expect(seen[1]).toEqual({ path: "/openai/deployments/jingles/chat/completions?api-version=2024-10-21", auth: undefined, apiKey: "az-key" });
    } finally {
      await Promise.all([keyless.close(), azure.close(), stub.close()]);
    }
  });

  it("connection refused → retryable PROVIDER_UNAVAILABLE", async () => {
    const stub = await startStub((_req, res) => res.end());
    const url = stub.url;
    await stub.close();
    const client = createLyricsClient({ ...config, openai: { ...config.openai, baseUrl: `${url}/v1` } }, { maxRetries: 0 });
    try {
      const err = await providerError(() => client.generate({ ...business, language: "EN" }));
      expect(err).toMatchObject({ code: "PROVIDER_UNAVAILABLE", retryable: true });
    } finally {
      await client.close();
    }
  });
});

type LyricsLang = "KO" | "EN" | "JA" | "ZH";
