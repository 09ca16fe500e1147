// Start-up checks: refusal of loopback/Azurite URLs when real providers would need them, and the
// doctor's verdicts against a second sandbox standing in for the real services.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { startSandbox, type Sandbox } from "../../sandbox/server.js";
import { azuriteConnectionString, ConfigError, loadConfig } from "../../src/config.js";
import { assertReachable, reachabilityProblems } from "../../src/startup/reachability.js";
import { formatChecks, runChecks } from "../../src/startup/doctor.js";
import { startTestApi } from "../helpers/app.js";

const PUBLIC_STORAGE = "DefaultEndpointsProtocol=https;AccountName=castadprod;AccountKey=a2V5;EndpointSuffix=core.windows.net";

function captured() {
  const warnings: Array<{ obj: unknown; msg: string }> = [];
  return { warnings, log: { warn: (obj: object, msg: string) => void warnings.push({ obj, msg }) } };
}

describe("refusal at start", () => {
  it("all sandboxed: loopback everything is fine", () => {
    expect(reachabilityProblems(loadConfig({}))).toEqual([]);
  });

  it("real Suno with PUBLIC_URL unset: says callbacks could never arrive and what to set", () => {
    const [problem, ...rest] = reachabilityProblems(loadConfig({ SUNO_API_KEY: "k" }));
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^PUBLIC_URL \(http:\/\/127\.0\.0\.1:4000\) is loopback \(it is not set\): suno could never call back\. Set PUBLIC_URL to the https address/);
  });

  it("real Creatomate on Azurite and a private PUBLIC_URL: both named, each with its setting", () => {
    const problems = reachabilityProblems(loadConfig({ CREATOMATE_API_KEY: "k", PUBLIC_URL: "http://10.0.0.5:4000" }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain("PUBLIC_URL (http://10.0.0.5:4000) is a private address: creatomate could never call back");
    expect(problems[1]).toContain("Storage is the local Azurite emulator: Creatomate could not download the photos and the song. Set AZURE_STORAGE_CONNECTION_STRING");
  });

  it("a storage endpoint on loopback (not Azurite's account) is refused too; real OpenAI alone needs nothing public", () => {
    const local = "DefaultEndpointsProtocol=http;AccountName=mine;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:9999/mine;";
    expect(reachabilityProblems(loadConfig({ CREATOMATE_API_KEY: "k", PUBLIC_URL: "https://ads.example.com", AZURE_STORAGE_CONNECTION_STRING: local }))[0]).toContain(
      "The storage endpoint (http://127.0.0.1:9999/mine) is loopback",
    );
    expect(reachabilityProblems(loadConfig({ OPENAI_API_KEY: "sk" }))).toEqual([]);
    expect(reachabilityProblems(loadConfig({ SUNO_API_KEY: "k", CREATOMATE_API_KEY: "k", PUBLIC_URL: "https://ads.example.com", AZURE_STORAGE_CONNECTION_STRING: PUBLIC_STORAGE }))).toEqual([]);
  });

  it("startApp refuses with the whole message; ALLOW_PRIVATE_URLS=true starts and logs why", async () => {
    const config = loadConfig({ SUNO_API_KEY: "k" });
    expect(() => assertReachable(config, captured().log)).toThrow(ConfigError);
    expect(() => assertReachable(config, captured().log)).toThrow(/castad will not start with real providers that cannot reach it:\n {2}- PUBLIC_URL[\s\S]*ALLOW_PRIVATE_URLS=true/);
    const allowed = captured();
    assertReachable(loadConfig({ SUNO_API_KEY: "k", ALLOW_PRIVATE_URLS: "true" }), allowed.log);
    expect(allowed.warnings[0]!.msg).toMatch(/ALLOW_PRIVATE_URLS=true/);
    await expect(startTestApi({ env: { SANDBOX: "auto", CREATOMATE_API_KEY: "k" } })).rejects.toThrow(/Azurite emulator/);
  });
});

describe("doctor", () => {
  let real: Sandbox;
  let broke: Sandbox;
  const storage = () => azuriteConnectionString("127.0.0.1", inject("azuritePort"));
  beforeAll(async () => {
    [real, broke] = await Promise.all([
      startSandbox({ port: 0, apiKey: "real-key", speed: 100 }),
      startSandbox({ port: 0, apiKey: "real-key", speed: 100, sunoCredits: 0 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([real?.close(), broke?.close()]);
  });
  const env = (s: Sandbox, extra: Record<string, string> = {}) => ({
    SANDBOX: "auto",
    ALLOW_PRIVATE_URLS: "true",
    AZURE_STORAGE_CONNECTION_STRING: storage(),
    AZURE_STORAGE_CONTAINER: "doctor",
    OPENAI_API_KEY: "real-key",
    OPENAI_BASE_URL: `${s.url}/openai/v1`,
    SUNO_API_KEY: "real-key",
    SUNO_BASE_URL: `${s.url}/suno`,
    CREATOMATE_API_KEY: "real-key",
    CREATOMATE_BASE_URL: `${s.url}/creatomate`,
    ...extra,
  });

  it("one cheap authenticated call per real provider, each with a plain verdict", async () => {
    const checks = await runChecks(loadConfig(env(real)));
    const by = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(by.OpenAI).toMatchObject({ ok: true, verdict: expect.stringContaining("including gpt-4o-mini") });
    expect(by.Suno).toMatchObject({ ok: true, verdict: "key accepted; 10000 credits left" });
    expect(by.Creatomate).toMatchObject({ ok: true, verdict: expect.stringContaining("default: Castad Jingle 30s") });
    expect(by["public URLs"]!.verdict).toContain("allowed by ALLOW_PRIVATE_URLS=true");
    expect(by.storage).toMatchObject({ ok: true });
    expect(formatChecks(checks)).toMatch(/^ok {4}public URLs/);
    expect(real.stats()).toMatchObject({ openai: { requests: 1 }, suno: { generateRequests: 0 }, creatomate: { templateRequests: 1 } });
  });

  it("a rejected key, an empty account, an unreachable host and a model that is not offered", async () => {
    const wrong = await runChecks(loadConfig(env(real, { SUNO_API_KEY: "nope", CREATOMATE_BASE_URL: "http://127.0.0.1:9/creatomate", OPENAI_MODEL: "gpt-9" })));
    const by = Object.fromEntries(wrong.map((c) => [c.name, c]));
    expect(by.Suno).toMatchObject({ ok: false, verdict: expect.stringMatching(/^the key was rejected by .*: check SUNO_API_KEY$/) });
    expect(by.Creatomate).toMatchObject({ ok: false, verdict: expect.stringContaining("could not reach http://127.0.0.1:9/creatomate") });
    expect(by.OpenAI!.verdict).toContain("gpt-9 is NOT listed — check OPENAI_MODEL");
    const empty = Object.fromEntries((await runChecks(loadConfig(env(broke)))).map((c) => [c.name, c]));
    expect(empty.Suno).toMatchObject({ ok: false, verdict: "key accepted, but 0 credits left: songs will fail until you top up" });
  });

  it("storage modes: SAS needs an account key; public needs anonymous access on the container", async () => {
    const sasOnly = `BlobEndpoint=http://127.0.0.1:${inject("azuritePort")}/devstoreaccount1;SharedAccessSignature=sv=2020-08-04&sig=x`;
    const sas = (await runChecks(loadConfig({ AZURE_STORAGE_CONNECTION_STRING: sasOnly }))).find((c) => c.name === "storage")!;
    expect(sas).toMatchObject({ ok: false, verdict: expect.stringContaining("use a connection string with AccountKey") });
    const { BlobServiceClient } = await import("@azure/storage-blob");
    await BlobServiceClient.fromConnectionString(storage()).getContainerClient("doctor-private").createIfNotExists();
    const pub = (await runChecks(loadConfig({ AZURE_STORAGE_CONNECTION_STRING: storage(), AZURE_STORAGE_CONTAINER: "doctor-private", STORAGE_URL_MODE: "public" }))).find((c) => c.name === "storage")!;
    expect(pub).toMatchObject({ ok: false, verdict: expect.stringContaining("does not allow anonymous reads") });
  });
});

describe("webhooks preferred over polling", () => {
  it("polls are a safety net when the provider's webhooks can reach us, a backoff when they cannot", async () => {
    const { pollDelay } = await import("../../src/jobs/runner.js");
    const base = { POLL_INITIAL_MS: "2000", POLL_MAX_MS: "30000", POLL_WITH_WEBHOOKS_MS: "45000" };
    const sandboxed = { config: loadConfig(base) };
    expect(pollDelay(sandboxed, 0, "creatomate")).toBe(45_000); // the sandbox reaches loopback
    const publicUrl = { config: loadConfig({ ...base, CREATOMATE_API_KEY: "k", PUBLIC_URL: "https://ads.example.com" }) };
    expect(pollDelay(publicUrl, 0, "creatomate")).toBe(45_000);
    const pollingOnly = { config: loadConfig({ ...base, CREATOMATE_API_KEY: "k" }) }; // loopback PUBLIC_URL: no webhook arrives
    // Each look is the initial delay plus half the stage's age after the one before: 1.5x apart.
    const looks: number[] = [];
    for (let waited = 0; looks.length < 5; waited += looks.at(-1)!) looks.push(pollDelay(pollingOnly, waited, "creatomate"));
    expect(looks).toEqual([2000, 3000, 4500, 6750, 10_125]);
    expect(pollDelay(pollingOnly, 10 * 60_000, "creatomate")).toBe(30_000);
    expect(pollDelay(pollingOnly, 0)).toBe(2000);
  });
});
