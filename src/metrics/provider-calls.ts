// Counts and times provider API calls from undici's diagnostics channels rather than inside
// each client: the OpenAI SDK (global fetch) and the Suno/Creatomate JSON clients (undici
// agents) all publish there, so every call is seen without touching the clients. A request is
// attributed to a provider by its URL starting with that provider's configured base URL.
import diagnostics from "node:diagnostics_channel";
import type { Config } from "../config.js";
import type { Metrics } from "./registry.js";

interface UndiciRequest {
  origin?: string | URL;
  path?: string;
}

export function observeProviderCalls(config: Pick<Config, "openai" | "suno" | "creatomate">, metrics: Metrics): () => void {
  const bases = (["openai", "suno", "creatomate"] as const).map((provider) => ({
    provider,
    base: config[provider].baseUrl.replace(/\/+$/, ""),
  }));
  const started = new WeakMap<object, { provider: string; at: bigint }>();
  const providerOf = (req: UndiciRequest) => {
    const url = `${String(req.origin ?? "").replace(/\/+$/, "")}${req.path ?? ""}`;
    return bases.find((b) => url.startsWith(b.base))?.provider;
  };
  const onCreate = (msg: unknown) => {
    const { request } = msg as { request: UndiciRequest & object };
    const provider = providerOf(request);
    if (provider) started.set(request, { provider, at: process.hrtime.bigint() });
  };
  const onHeaders = (msg: unknown) => {
    const { request, response } = msg as { request: object; response: { statusCode: number } };
    const s = started.get(request);
    if (!s) return;
    started.delete(request);
    const code = response.statusCode;
    metrics.providerLatency.observe({ provider: s.provider }, Number(process.hrtime.bigint() - s.at) / 1e9);
    metrics.providerRequests.inc({ provider: s.provider, outcome: code === 429 ? "429" : `${Math.floor(code / 100)}xx` });
  };
  const onError = (msg: unknown) => {
    const { request } = msg as { request: object };
    const s = started.get(request);
    if (!s) return;
    started.delete(request);
    metrics.providerRequests.inc({ provider: s.provider, outcome: "error" });
  };
  diagnostics.subscribe("undici:request:create", onCreate);
  diagnostics.subscribe("undici:request:headers", onHeaders);
  diagnostics.subscribe("undici:request:error", onError);
  return () => {
    diagnostics.unsubscribe("undici:request:create", onCreate);
    diagnostics.unsubscribe("undici:request:headers", onHeaders);
    diagnostics.unsubscribe("undici:request:error", onError);
  };
}
