import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxMarker, sandboxMarkers, startSandbox, type Sandbox } from "../../sandbox/server.js";
import { bytes, get, getJson, headers, postJson } from "../helpers/sandbox-http.js";

let sb: Sandbox;

beforeAll(async () => {
  sb = await startSandbox({ speed: 100 });
});
afterAll(async () => {
  await sb.close();
});

describe("sandbox control and media", () => {
  it("reports stats over HTTP and programmatically, and resets them", async () => {
    await postJson(`${sb.url}/openai/v1/chat/completions`, {
      model: "m",
      messages: [{ role: "user", content: "Store name: X\nLanguage: English" }],
    });
    await getJson(`${sb.url}/creatomate/v1/templates`);
    const http = await getJson(`${sb.url}/_sandbox/stats`);
    expect(http.status).toBe(200);
    expect(http.json).toMatchObject({
      openai: { requests: 1, completions: 1 },
      suno: { generateRequests: 0, recordInfoRequests: 0, callbacksSent: 0, tasks: 0 },
      creatomate: { renderRequests: 0, getRequests: 0, webhooksSent: 0, renders: 0, templateRequests: 1 },
    });
    expect(sb.stats()).toEqual(http.json);
    const reset = await postJson(`${sb.url}/_sandbox/reset`, {});
    expect(reset.status).toBe(200);
    expect(sb.stats().openai.requests).toBe(0);
    sb.reset();
    expect(sb.stats().creatomate.templateRequests).toBe(0);
  });

  it("serves media with Content-Length, HEAD and Range", async () => {
    const head = await fetch(`${sb.url}/media/samples/song.wav?seconds=2`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBe(44 + 2 * 22050 * 2);
    expect(head.headers.get("accept-ranges")).toBe("bytes");
    const part = await bytes(`${sb.url}/media/samples/song.wav?seconds=2`, { headers: { range: "bytes=8-11" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 8-11/${44 + 2 * 22050 * 2}`);
    expect(part.body.toString("latin1")).toBe("WAVE");
    const bad = await fetch(`${sb.url}/media/samples/song.wav`, { headers: { range: "bytes=99999999-" } });
    expect(bad.status).toBe(416);
    const png = await bytes(`${sb.url}/media/samples/photo-3.png?w=32&h=16`);
    expect(png.body.readUInt32BE(16)).toBe(32);
    expect(png.body.readUInt32BE(20)).toBe(16);
    expect((await fetch(`${sb.url}/media/unknown/file.bin`)).status).toBe(404);
  });

  it("advance on an unknown task answers 404", async () => {
    expect((await postJson(`${sb.url}/_sandbox/suno/nope/advance`, {})).status).toBe(404);
    expect((await postJson(`${sb.url}/_sandbox/creatomate/nope/advance`, {})).status).toBe(404);
  });

  it("sandboxMarker builds marker strings", () => {
    expect(sandboxMarker("fail", 429)).toBe("[sandbox:fail=429]");
    expect(sandboxMarker("fail", "500x2")).toBe("[sandbox:fail=500x2]");
    expect(sandboxMarkers.fail(500, 2, "suno")).toBe("[sandbox:suno:fail=500x2]");
    expect(sandboxMarkers.hold()).toBe("[sandbox:hold]");
    expect(sandboxMarkers.status("SENSITIVE_WORD_ERROR")).toBe("[sandbox:status=SENSITIVE_WORD_ERROR]");
    expect(sandboxMarkers.audioBytes(1000)).toBe("[sandbox:suno:audio-bytes=1000]");
  });
});

describe("sandbox options", () => {
  it("errorRate 1 fails every provider request with the provider's 500; latencyMs delays answers", async () => {
    const s = await startSandbox({ errorRate: 1, latencyMs: 50, apiKey: "k2" });
    try {
      const started = Date.now();
      const r = await fetch(`${s.url}/creatomate/v1/templates`, { headers: headers("k2") });
      expect(Date.now() - started).toBeGreaterThanOrEqual(45);
      expect(r.status).toBe(500);
      expect(await r.json()).toHaveProperty("hint");
      const o = await postJson(`${s.url}/openai/v1/chat/completions`, { model: "m", messages: [] }, "k2");
      expect(o.status).toBe(500);
      expect(get(o.json, "error", "type")).toBe("server_error");
      expect(s.stats().faultsInjected).toBe(2);
    } finally {
      await s.close();
    }
  });

  it("close() returns promptly even with a hanging request, and publicUrl is used in media URLs", async () => {
    const s = await startSandbox({ speed: 100, publicUrl: "http://media.example:1234/" });
    const hang = fetch(`${s.url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: sandboxMarkers.hang() }] }),
    }).then(
      () => "answered",
      () => "dropped",
    );
    const r = await postJson(`${s.url}/creatomate/v1/renders`, {
      template_id: "4f1d8a52-6b3e-4c9a-9e27-5a0c1b7d3e10",
      metadata: sandboxMarkers.hold(),
    });
    expect(String(get(r.json, 0, "url"))).toMatch(/^http:\/\/media\.example:1234\/media\/creatomate\//);
    await s.close();
    expect(await hang).toBe("dropped");
  });
});
