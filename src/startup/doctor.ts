// Start-up checks (`npm run doctor`, and logged by `npm start`): for every real provider one cheap
// authenticated call — OpenAI's model list, Suno's remaining credits, Creatomate's template list —
// plus the reachability and storage checks, each with a verdict a person can act on.
import type { Config } from "../config.js";
import { createCreatomateClient, chooseDefaultTemplate } from "../providers/creatomate.js";
import { isProviderError, ProviderErrorCode } from "../providers/errors.js";
import { createLyricsClient } from "../providers/lyrics.js";
import { createSunoClient } from "../providers/suno.js";
import { reachabilityProblems } from "./reachability.js";
import { checkStorage } from "./storage-check.js";
import type { Check } from "./check.js";

export type { Check } from "./check.js";

const KEY_NAME = { openai: "OPENAI_API_KEY", suno: "SUNO_API_KEY", creatomate: "CREATOMATE_API_KEY" } as const;

/** A provider error in plain language, naming the setting to look at. */
function verdictFor(provider: keyof typeof KEY_NAME, config: Config, err: unknown): string {
  const where = config[provider].baseUrl;
  if (!isProviderError(err)) return `unexpected error: ${String(err)}`;
  const key = provider === "openai" && config.openai.flavor === "azure" ? "AZURE_OPENAI_API_KEY" : KEY_NAME[provider];
  switch (err.code) {
    case ProviderErrorCode.PROVIDER_AUTH:
      return `the key was rejected by ${where}: check ${key}`;
    case ProviderErrorCode.PROVIDER_QUOTA:
      return "the account is out of credits: top it up before making ads";
    case ProviderErrorCode.PROVIDER_UNAVAILABLE:
    case ProviderErrorCode.PROVIDER_TIMEOUT:
      return `could not reach ${where}: check the address and the network (${err.message})`;
    case ProviderErrorCode.PROVIDER_NOT_FOUND:
      return `${where} does not offer this endpoint: check the base URL`;
    default:
      return `${err.code}: ${err.message}`;
  }
}

async function attempt(name: string, fn: () => Promise<string>, onError: (err: unknown) => string): Promise<Check> {
  try {
    return { name, ok: true, verdict: await fn() };
  } catch (err) {
    return { name, ok: false, verdict: onError(err) };
  }
}

export async function runChecks(config: Config, opts: { signal?: AbortSignal } = {}): Promise<Check[]> {
  const checks: Check[] = [];
  const problems = reachabilityProblems(config);
  checks.push(
    problems.length === 0
      ? { name: "public URLs", ok: true, verdict: config.anyRealProvider ? "real providers can reach PUBLIC_URL and storage" : "all providers are sandboxed: nothing needs to be public" }
      : { name: "public URLs", ok: config.ALLOW_PRIVATE_URLS, verdict: `${problems.join(" ")}${config.ALLOW_PRIVATE_URLS ? " (allowed by ALLOW_PRIVATE_URLS=true)" : ""}` },
  );
  checks.push(await checkStorage(config));
  // One quick attempt each: a check should answer in seconds, not retry for a minute.
  const quick = { ...config, PROVIDER_MAX_RETRIES: 0 };
  const { signal } = opts;

  if (config.openai.mode === "real") {
    const lyrics = createLyricsClient(quick, { maxRetries: 0 });
    checks.push(
      await attempt(
        "OpenAI",
        async () => {
          const models = await lyrics.listModels(signal);
          const flavor = config.openai.flavor === "azure" ? `Azure OpenAI (api-version ${config.openai.apiVersion})` : config.openai.baseUrl;
          if (config.openai.flavor === "azure") return `${flavor} accepted the key; deployment "${config.openai.model}" will be used`;
          const has = models.includes(config.openai.model);
          return `${flavor} accepted the ${config.openai.apiKey ? "key" : "request (no key)"}; ${models.length} models${has ? `, including ${config.openai.model}` : `; ${config.openai.model} is NOT listed — check OPENAI_MODEL`}`;
        },
        (err) => verdictFor("openai", config, err),
      ),
    );
    await lyrics.close();
  }
  if (config.suno.mode === "real") {
    const suno = createSunoClient(quick);
    checks.push(
      await attempt(
        "Suno",
        async () => {
          const credits = await suno.getCredits(signal);
          if (credits <= 0) throw Object.assign(new Error("no credits"), { noCredits: true });
          return `key accepted; ${credits} credits left`;
        },
        (err) => ((err as { noCredits?: boolean }).noCredits ? "key accepted, but 0 credits left: songs will fail until you top up" : verdictFor("suno", config, err)),
      ),
    );
    await suno.close();
  }
  if (config.creatomate.mode === "real") {
    const creatomate = createCreatomateClient(quick);
    checks.push(
      await attempt(
        "Creatomate",
        async () => {
          const templates = await creatomate.listTemplates(signal);
          const chosen = chooseDefaultTemplate(templates, config.creatomate);
          if (!chosen) {
            throw Object.assign(new Error("no default"), {
              verdict: `key accepted; ${templates.length} templates, but none tagged "${config.creatomate.templateTag}": tag one in Creatomate or set CREATOMATE_TEMPLATE_ID`,
            });
          }
          return `key accepted; ${templates.length} templates; default: ${chosen.name || chosen.id}`;
        },
        (err) => (err as { verdict?: string }).verdict ?? verdictFor("creatomate", config, err),
      ),
    );
    await creatomate.close();
  }
  for (const p of ["openai", "suno", "creatomate"] as const) {
    if (config[p].mode === "sandbox") checks.push({ name: p === "openai" ? "OpenAI" : p === "suno" ? "Suno" : "Creatomate", ok: true, verdict: `sandboxed (set ${KEY_NAME[p]} for the real service)` });
  }
  return checks;
}

export function formatChecks(checks: readonly Check[]): string {
  return checks.map((c) => `${c.ok ? "ok  " : "FAIL"}  ${c.name.padEnd(12)} ${c.verdict}`).join("\n");
}
