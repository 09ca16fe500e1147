import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

describe("loadConfig", () => {
  it("with no settings: local services, Azurite and the provider sandbox", () => {
    const c = loadConfig({ NODE_ENV: "test" });
    expect(c.PORT).toBe(4000);
    expect(c.DATABASE_URL).toBe("postgresql://postgres@127.0.0.1:5432/castad");
    expect(c.useSandbox).toBe(true);
    expect(c.usesAzurite).toBe(true);
    expect(c.openai.baseUrl).toBe("http://127.0.0.1:4010/openai/v1");
    expect(c.suno).toMatchObject({ baseUrl: "http://127.0.0.1:4010/suno", apiKey: "sandbox-key" });
    expect(c.creatomate.baseUrl).toBe("http://127.0.0.1:4010/creatomate");
    expect(c.storageConnectionString).toContain("BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1");
  });

  it("real keys switch every client to the real services, with no code change", () => {
    const c = loadConfig({ OPENAI_API_KEY: "sk-x", SUNO_API_KEY: "suno-x", CREATOMATE_API_KEY: "cm-x", OPENAI_BASE_URL: "http://localhost:11434/v1", OPENAI_MODEL: "llama3" });
    expect(c.useSandbox).toBe(false);
    expect(c.openai).toMatchObject({ mode: "real", apiKey: "sk-x", baseUrl: "http://localhost:11434/v1", model: "llama3", flavor: "openai" });
    expect(c.suno).toMatchObject({ apiKey: "suno-x", baseUrl: "https://api.sunoapi.org" });
    expect(c.creatomate).toMatchObject({ apiKey: "cm-x", baseUrl: "https://api.creatomate.com" });
    expect(loadConfig({ SUNO_API_KEY: "suno-x", SANDBOX: "on" }).suno.baseUrl).toBe("http://127.0.0.1:4010/suno");
  });

  it("each provider is real or sandboxed on its own; SANDBOX=on|off forces all", () => {
    const keys = { OPENAI_API_KEY: "sk-x", SUNO_API_KEY: "suno-x", CREATOMATE_API_KEY: "cm-x" } as const;
    const names = ["openai", "suno", "creatomate"] as const;
    for (let mask = 0; mask < 8; mask++) {
      const env: Record<string, string> = {};
      names.forEach((n, i) => {
        if (mask & (1 << i)) env[`${n.toUpperCase()}_API_KEY`] = keys[`${n.toUpperCase()}_API_KEY` as keyof typeof keys];
      });
      const c = loadConfig(env);
      names.forEach((n, i) => {
        const real = Boolean(mask & (1 << i));
        expect(c[n].mode, `${n} in mix ${mask}`).toBe(real ? "real" : "sandbox");
        expect(c[n].apiKey).toBe(real ? env[`${n.toUpperCase()}_API_KEY`] : "sandbox-key");
        expect(c[n].baseUrl.startsWith("http://127.0.0.1:4010/")).toBe(!real);
      });
      expect(c.useSandbox).toBe(mask !== 7);
      expect(c.anyRealProvider).toBe(mask !== 0);
    }
    expect(loadConfig({ ...keys, SANDBOX: "on" }).anyRealProvider).toBe(false);
    const off = loadConfig({ SANDBOX: "off" });
    expect([off.openai.mode, off.suno.mode, off.creatomate.mode]).toEqual(["real", "real", "real"]);
  });

  it("a keyless OpenAI-compatible server is real by its base URL; classic Azure by its endpoint; timeouts per provider", () => {
    const ollama = loadConfig({ OPENAI_BASE_URL: "http://gpu-box:11434/v1", OPENAI_MODEL: "llama3" });
    expect(ollama.openai).toMatchObject({ mode: "real", apiKey: "", baseUrl: "http://gpu-box:11434/v1", flavor: "openai" });
    expect(ollama.suno.mode).toBe("sandbox");
    const azure = loadConfig({ AZURE_OPENAI_ENDPOINT: "https://res.openai.azure.com", AZURE_OPENAI_API_KEY: "az", OPENAI_MODEL: "my-deployment" });
    expect(azure.openai).toMatchObject({ mode: "real", flavor: "azure", apiKey: "az", baseUrl: "https://res.openai.azure.com", apiVersion: "2024-10-21" });
    const t = loadConfig({ PROVIDER_TIMEOUT_MS: "1000", SUNO_TIMEOUT_MS: "2000", CREATOMATE_TIMEOUT_MS: "3000" });
    expect([t.openai.timeoutMs, t.suno.timeoutMs, t.creatomate.timeoutMs]).toEqual([1000, 2000, 3000]);
  });

  it("a storage connection string means real Azure: no Azurite", () => {
    expect(loadConfig({ AZURE_STORAGE_CONNECTION_STRING: "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=b" }).usesAzurite).toBe(false);
  });

  it("production refuses to start without real secrets", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/JWT_SECRET/);
    const ok = loadConfig({ NODE_ENV: "production", JWT_SECRET: "x".repeat(32), WEBHOOK_SECRET: "y".repeat(16) });
    expect(ok.jwtSecret).toBe("x".repeat(32));
  });

  it("no constant secret: development creates random ones once under .data/, tests get their own; binds 127.0.0.1", async () => {
    const { mkdtempSync, readFileSync, statSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const file = join(mkdtempSync(join(tmpdir(), "castad-secrets-")), "secrets.json");
    const first = loadConfig({ DEV_SECRETS_FILE: file });
    const again = loadConfig({ DEV_SECRETS_FILE: file });
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(again.jwtSecret).toBe(first.jwtSecret); // api and worker processes agree
    expect(again.webhookSecret).toBe(first.webhookSecret);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ jwtSecret: first.jwtSecret, webhookSecret: first.webhookSecret });
    expect(statSync(file).mode & 0o077).toBe(0);
    const other = loadConfig({ DEV_SECRETS_FILE: `${file}.other` });
    expect(other.jwtSecret).not.toBe(first.jwtSecret);
    expect(loadConfig({ NODE_ENV: "test" }).jwtSecret).not.toBe(loadConfig({ NODE_ENV: "test" }).jwtSecret);
    expect(first.HOST).toBe("127.0.0.1");
    expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: "x".repeat(32), WEBHOOK_SECRET: "y".repeat(16) }).HOST).toBe("0.0.0.0");
  });

  it("names the setting that is wrong", () => {
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(/PORT/);
    expect(() => loadConfig({ SUNO_MODEL: "V9" })).toThrow(/SUNO_MODEL/);
  });
});
