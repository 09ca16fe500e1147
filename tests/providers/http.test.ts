// The JSON-over-HTTP helper against scripted servers: what is retried, what is not, and why.
import { describe, expect, it } from "vitest";
import { JsonHttpClient, type HttpClientOptions } from "../../src/providers/http.js";
import { providerError, startStub } from "../helpers/providers.js";

const KEY = "test-key-00aa11bb22cc";

function client(baseUrl: string, extra: Partial<HttpClientOptions> = {}) {
  return new JsonHttpClient({
    provider: "creatomate",
    baseUrl,
    apiKey: KEY,
    connectTimeoutMs: 1_000,
    timeoutMs: 2_000,
    maxRetries: 2,
    retryBaseMs: 20,
    ...extra,
  });
}

describe("JsonHttpClient", () => {
  it("sends Bearer auth and JSON, parses JSON answers", async () => {
    const stub = await startStub((req, res, body) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ auth: req.headers.authorization, type: req.headers["content-type"], echo: JSON.parse(body), url: req.url }));
    });
    const http = client(`${stub.url}/prefix/`);
    try {
      const res = await http.post<{ auth: string; type: string; echo: unknown; url: string }>("/v1/things", { a: 1 }, { query: { x: "1 2" } });
      expect(res.body).toEqual({ auth: `Bearer ${KEY}`, type: "application/json", echo: { a: 1 }, url: "/prefix/v1/things?x=1+2" });
      expect(res.attempts).toBe(1);
    } finally {
      await http.close();
      await stub.close();
    }
  });

  it("GET: 503, malformed JSON and a reset connection are retried; then succeeds", async () => {
    const stub = await startStub((req, res, _body, n) => {
      if (n === 1) {
        res.writeHead(503, { "content-type": "application/json" });
        res.end('{"message":"busy"}');
      } else if (n === 2) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"id": "trunc');
      } else if (n === 3) {
        req.socket.destroy();
      } else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"ok":true}');
      }
    });
    const http = client(stub.url, { maxRetries: 3 });
    try {
      const res = await http.get("/x");
      expect(res).toMatchObject({ body: { ok: true }, attempts: 4 });
      expect(http.stats()).toMatchObject({ requests: 1, attempts: 4, retries: 3 });
    } finally {
      await http.close();
      await stub.close();
    }
  });

  it("POST: 5xx, a reset after sending and a timeout are NOT re-sent; errors stay retryable for the job layer", async () => {
    let mode = "500";
    const stub = await startStub((req, res) => {
      if (mode === "500") {
        res.writeHead(500, { "content-type": "application/json" });
        res.end('{"hint":"boom"}');
      } else if (mode === "reset") {
        req.socket.destroy();
      } // "hang": never answer
    });
    const http = client(stub.url, { timeoutMs: 200 });
    try {
      const e500 = await providerError(() => http.post("/renders", {}));
      expect(e500).toMatchObject({ code: "PROVIDER_UNAVAILABLE", retryable: true, status: 500 });
      expect(e500.message).toContain("boom");
      expect(stub.requests()).toBe(1);

      mode = "reset";
      const reset = await providerError(() => http.post("/renders", {}));
      expect(reset).toMatchObject({ code: "PROVIDER_UNAVAILABLE", retryable: true });
      expect(stub.requests()).toBe(2);

      mode = "hang";
      const hang = await providerError(() => http.post("/renders", {}));
      expect(hang).toMatchObject({ code: "PROVIDER_TIMEOUT", retryable: true });
      expect(stub.requests()).toBe(3);
    } finally {
      await http.close();
      await stub.close();
    }
  });

  it("POST: ECONNREFUSED (never sent) is retried", async () => {
    const stub = await startStub((_req, res) => res.end());
    const url = stub.url;
    await stub.close();
    const http = client(url, { maxRetries: 2 });
    try {
      const err = await providerError(() => http.post("/renders", {}));
      expect(err).toMatchObject({ code: "PROVIDER_UNAVAILABLE", retryable: true });
      expect(err.message).toContain("ECONNREFUSED");
      expect(http.stats().attempts).toBe(3);
    } finally {
      await http.close();
    }
  });

  it("429: honours retry-after given as an HTTP date; a retry-after beyond the cap is handed to the caller", async () => {
    let mode = "date";
    const stub = await startStub((_req, res, _body, n) => {
      if (mode === "date" && n === 1) {
        res.writeHead(429, { "content-type": "application/json", "retry-after": new Date(Date.now() + 1500).toUTCString() });
        res.end('{"message":"slow down"}');
      } else if (mode === "long") {
        res.writeHead(429, { "retry-after": "3600" });
        res.end();
      } else {
        res.writeHead(202, { "content-type": "application/json" });
        res.end("[]");
      }
    });
    const http = client(stub.url);
    try {
      const started = Date.now();
      const res = await http.post("/renders", {});
      expect(res.status).toBe(202);
      expect(Date.now() - started).toBeGreaterThanOrEqual(400); // HTTP dates have 1 s resolution
      mode = "long";
      const t0 = Date.now();
      const err = await providerError(() => http.post("/renders", {}));
      expect(err).toMatchObject({ code: "PROVIDER_RATE_LIMITED", retryable: true, retryAfterMs: 3_600_000 });
      // Refused at once rather than after the hour (a generous bound: the machine may be busy).
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      await http.close();
      await stub.close();
    }
  });

  it("4xx are permanent and not retried; the key never appears in the error; huge bodies are refused", async () => {
    let mode = "401";
    const stub = await startStub((_req, res) => {
      if (mode === "401") {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `Invalid key ${KEY}` } }));
      } else {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(`"${"x".repeat(2000)}"`);
      }
    });
    const http = client(stub.url, { maxResponseBytes: 1000 });
    try {
      const err = await providerError(() => http.get("/x"));
      expect(err).toMatchObject({ code: "PROVIDER_AUTH", retryable: false, status: 401 });
      expect(stub.requests()).toBe(1);
      expect(JSON.stringify(err) + err.message + String(err.stack)).not.toContain(KEY);
      mode = "huge";
      const huge = await providerError(() => http.get("/x", { maxRetries: 0 }));
      expect(huge).toMatchObject({ code: "PROVIDER_BAD_RESPONSE" });
    } finally {
      await http.close();
      await stub.close();
    }
  });

  it("a caller abort stops at once with the caller's reason, also during a backoff wait", async () => {
    const stub = await startStub((_req, res) => {
      res.writeHead(503);
      res.end();
    });
    const http = client(stub.url, { retryBaseMs: 5_000 });
    try {
      const ac = new AbortController();
      const p = http.get("/x", { signal: ac.signal });
      setTimeout(() => ac.abort(new Error("shutting down")), 100);
      await expect(p).rejects.toThrow("shutting down");
      expect(stub.requests()).toBe(1);
    } finally {
      await http.close();
      await stub.close();
    }
  });
});
