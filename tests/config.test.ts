import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.js";

describe("loadConfig", () => {
  it("with no settings: local services, Azurite and the provider sandbox", () => {
    const c = loadConfig({});
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
    expect(c.openai).toEqual({ apiKey: "sk-x", baseUrl: "http://localhost:11434/v1", model: "llama3" });
    expect(c.suno).toMatchObject({ apiKey: "suno-x", baseUrl: "https://api.sunoapi.org" });
    expect(c.creatomate).toMatchObject({ apiKey: "cm-x", baseUrl: "https://api.creatomate.com" });
    expect(loadConfig({ SUNO_API_KEY: "suno-x", SANDBOX: "on" }).suno.baseUrl).toBe("http://127.0.0.1:4010/suno");
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

  it("names the setting that is wrong", () => {
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(/PORT/);
    expect(() => loadConfig({ SUNO_MODEL: "V9" })).toThrow(/SUNO_MODEL/);
  });
});
