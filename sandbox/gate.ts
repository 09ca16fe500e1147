/** Request pipeline shared by the three providers: latency, auth, random errors, marker faults. */
import type { ServerResponse } from "node:http";
import type { SandboxContext } from "./context.js";
import { contentHash, type MarkerSet, type SandboxProvider } from "./faults.js";
import { bearerToken, sendMalformed, type SandboxRequest } from "./http.js";

export type ErrorKind = "auth" | "invalid" | "not_found" | "rate_limit" | "server" | "unavailable" | "too_large";

export interface ProviderErrors {
  provider: SandboxProvider;
  /** Writes an error in the provider's own wire format. */
  send(res: ServerResponse, status: number, message: string, kind: ErrorKind, headers?: Record<string, string>): void;
  /** Start of a valid-looking body, cut off for [sandbox:malformed]. */
  malformedBody: string;
}

function kindForStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return "auth";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limit";
  if (status === 503) return "unavailable";
  if (status === 413) return "too_large";
  if (status >= 500) return "server";
  return "invalid";
}

function defaultMessage(status: number): string {
  switch (status) {
    case 401:
      return "Invalid API key (sandbox)";
    case 429:
      return "Too many requests, please slow down (sandbox)";
    case 500:
      return "Internal server error (sandbox)";
    case 503:
      return "Service temporarily unavailable (sandbox)";
    default:
      return `Injected error ${status} (sandbox)`;
  }
}

function sendStatusError(errors: ProviderErrors, res: ServerResponse, status: number, message?: string): void {
  // 430 is sunoapi.org's "call frequency too high".
  const headers: Record<string, string> = status === 429 || status === 430 ? { "retry-after": "1" } : {};
  errors.send(res, status, message ?? defaultMessage(status), kindForStatus(status), headers);
}

/** Latency, bearer auth and `errorRate`. Returns false when a response was already sent. */
export async function gate(ctx: SandboxContext, r: SandboxRequest, errors: ProviderErrors): Promise<boolean> {
  if (ctx.opts.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, ctx.opts.latencyMs));
  if (ctx.closed) return false;
  const token = bearerToken(r.req);
  if (token !== ctx.opts.apiKey) {
    errors.send(
      r.res,
      401,
      token ? "Incorrect API key provided." : "Missing API key: send an 'Authorization: Bearer <key>' header.",
      "auth",
    );
    return false;
  }
  if (ctx.opts.errorRate > 0 && Math.random() < ctx.opts.errorRate) {
    ctx.stats.faultsInjected++;
    sendStatusError(errors, r.res, 500, "Injected random server error (sandbox errorRate)");
    return false;
  }
  return true;
}

/** Applies fail / hang / malformed markers found in a request's content. True = response handled. */
export function applyContentFaults(
  ctx: SandboxContext,
  r: SandboxRequest,
  errors: ProviderErrors,
  endpoint: string,
  content: string,
  markers: MarkerSet,
): boolean {
  if (markers.hang) {
    ctx.stats.faultsInjected++;
    ctx.hanging.add(r.res);
    r.res.on("close", () => ctx.hanging.delete(r.res));
    ctx.log(`${errors.provider} ${endpoint}: hanging on purpose`);
    return true;
  }
  if (markers.fail) {
    const key = `${errors.provider}|${endpoint}|${markers.fail.raw}|${contentHash(content)}`;
    if (ctx.faults.shouldFail(key, markers.fail)) {
      ctx.stats.faultsInjected++;
      sendStatusError(errors, r.res, markers.fail.status);
      return true;
    }
  }
  if (markers.malformed) {
    ctx.stats.faultsInjected++;
    sendMalformed(r.res, errors.malformedBody);
    return true;
  }
  return false;
}

/** Applies [sandbox:poll-fail=...] for a polled task. True = response handled. */
export function applyPollFaults(
  ctx: SandboxContext,
  res: ServerResponse,
  errors: ProviderErrors,
  endpoint: string,
  id: string,
  markers: MarkerSet,
): boolean {
  if (!markers.pollFail) return false;
  const key = `${errors.provider}|${endpoint}|${markers.pollFail.raw}|${id}`;
  if (!ctx.faults.shouldFail(key, markers.pollFail)) return false;
  ctx.stats.faultsInjected++;
  sendStatusError(errors, res, markers.pollFail.status);
  return true;
}
