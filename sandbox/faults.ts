/**
 * Failure injection for the provider sandbox.
 *
 * MARKERS — put one anywhere in a request's *content* and the sandbox misbehaves on purpose.
 * Content is: OpenAI → the `messages` array; Suno → `prompt`, `title`, `style`;
 * Creatomate → `metadata` and every string value inside `modifications` and `source`.
 * A marker may be scoped to one provider (`[sandbox:suno:fail=500]`); an unscoped marker applies
 * to whichever provider sees it. (Scoping matters because the OpenAI sandbox copies the store name
 * verbatim into the lyrics/title, so a marker in a store name travels on to Suno and Creatomate.)
 *
 *   [sandbox:fail=429]        → 429 in the provider's own error format, with `retry-after: 1`
 *   [sandbox:fail=500]        → 500 (also 401, 503, or any 4xx/5xx status)
 *   [sandbox:fail=500x2]      → the first 2 requests with this marker AND the same content fail, later
 *                               ones pass. Counter key = provider + endpoint + marker + sha1(content).
 *   [sandbox:hang]            → the request is never answered (socket held open until the client gives
 *                               up or the sandbox closes)
 *   [sandbox:accept-hang]     → Suno generate / Creatomate render: the task is accepted (and runs,
 *                               with callbacks/webhooks) but the answer carrying its id never comes
 *                               (a client killed or timed out in this window does not know the
 *                               task it paid for)
 *   [sandbox:malformed]       → 200 with a truncated, invalid JSON body
 *   [sandbox:status=X]        → the task is accepted and later ends in status X.
 *                               Suno: CREATE_TASK_FAILED | SENSITIVE_WORD_ERROR (fail after PENDING),
 *                               GENERATE_AUDIO_FAILED (after TEXT_SUCCESS), CALLBACK_EXCEPTION (after
 *                               FIRST_SUCCESS); any other value is shown as an extra, unknown
 *                               in-progress status between TEXT_SUCCESS and FIRST_SUCCESS.
 *                               Creatomate: `failed` (ends failed with error_message), `cancelled`;
 *                               any other value (e.g. `transcribing`) is an extra in-progress status
 *                               between `waiting` and `rendering`.
 *   [sandbox:no-webhook]      → never send the Suno callback / Creatomate webhook (client must poll)
 *   [sandbox:webhook-twice]   → send every callback/webhook twice
 *   [sandbox:hold]            → the task stays in its first status (Suno PENDING, Creatomate planned)
 *                               until `POST /_sandbox/suno/:taskId/advance` or
 *                               `POST /_sandbox/creatomate/:renderId/advance`; each call moves ONE step
 *                               (callbacks/webhooks are sent as usual) and the task stays held.
 *   [sandbox:duration=NN]     → Suno: each step takes NN seconds; Creatomate: the render takes NN
 *                               seconds in total. Wall-clock seconds, NOT divided by `speed`. Decimals ok.
 *   [sandbox:audio-bytes=NNN] → Suno: each track's audio file is a WAV of NNN bytes (rounded down to an
 *                               even number), generated on the fly while streaming, never held in memory.
 *                               Suffixes k/m (×1000, ×1000000) are accepted: `audio-bytes=60m`.
 *   [sandbox:no-credits]      → the account is out of credits: OpenAI 429 `insufficient_quota`; Suno code
 *                               429 (sunoapi.org) or 402 (kie.ai) in the body
 *   [sandbox:download-fail]   → Suno: the task fails with code 451 ("could not download the file"),
 *                               record-info GENERATE_AUDIO_FAILED with errorCode 451
 *   [sandbox:poll-fail=500x2] → Suno record-info / Creatomate GET render for that task fails the first
 *                               2 times (any status; without `xN` it always fails).
 */
import { createHash } from "node:crypto";

export type SandboxProvider = "openai" | "suno" | "creatomate";

export type MarkerName =
  | "fail"
  | "hang"
  | "accept-hang"
  | "malformed"
  | "status"
  | "no-webhook"
  | "webhook-twice"
  | "hold"
  | "duration"
  | "audio-bytes"
  | "poll-fail"
  | "no-credits"
  | "download-fail";

/**
 * Builds a marker string. Examples:
 *   sandboxMarker("fail", 429)            → "[sandbox:fail=429]"
 *   sandboxMarker("fail", "500x2")        → "[sandbox:fail=500x2]"
 *   sandboxMarker("hang")                 → "[sandbox:hang]"
 *   sandboxMarker("hold", undefined, "suno") → "[sandbox:suno:hold]"
 */
export function sandboxMarker(name: MarkerName, value?: string | number, provider?: SandboxProvider): string {
  const scope = provider ? `${provider}:` : "";
  const v = value === undefined ? "" : `=${String(value)}`;
  return `[sandbox:${scope}${name}${v}]`;
}

/** Convenience builders around {@link sandboxMarker}. */
export const sandboxMarkers = {
  fail: (status: number, times?: number, provider?: SandboxProvider) =>
    sandboxMarker("fail", times === undefined ? status : `${status}x${times}`, provider),
  pollFail: (status: number, times?: number, provider?: SandboxProvider) =>
    sandboxMarker("poll-fail", times === undefined ? status : `${status}x${times}`, provider),
  hang: (provider?: SandboxProvider) => sandboxMarker("hang", undefined, provider),
  malformed: (provider?: SandboxProvider) => sandboxMarker("malformed", undefined, provider),
  status: (status: string, provider?: SandboxProvider) => sandboxMarker("status", status, provider),
  noWebhook: (provider?: SandboxProvider) => sandboxMarker("no-webhook", undefined, provider),
  webhookTwice: (provider?: SandboxProvider) => sandboxMarker("webhook-twice", undefined, provider),
  hold: (provider?: SandboxProvider) => sandboxMarker("hold", undefined, provider),
  duration: (seconds: number, provider?: SandboxProvider) => sandboxMarker("duration", seconds, provider),
  audioBytes: (bytes: number) => sandboxMarker("audio-bytes", bytes, "suno"),
} as const;

interface FailSpec {
  status: number;
  /** null = always */
  times: number | null;
  raw: string;
}

export interface MarkerSet {
  fail: FailSpec | null;
  pollFail: FailSpec | null;
  hang: boolean;
  acceptHang: boolean;
  malformed: boolean;
  status: string | null;
  noWebhook: boolean;
  webhookTwice: boolean;
  hold: boolean;
  durationSec: number | null;
  audioBytes: number | null;
  noCredits: boolean;
  downloadFail: boolean;
}

const MARKER_RE = /\[sandbox:(?:(openai|suno|creatomate):)?([a-z-]+)(?:=([^\]\s]*))?\]/gi;

function parseFail(value: string | undefined, raw: string): FailSpec | null {
  const m = /^(\d{3})(?:x(\d+))?$/i.exec(value ?? "");
  if (!m || !m[1]) return null;
  const status = Number(m[1]);
  if (status < 400 || status > 599) return null;
  return { status, times: m[2] ? Number(m[2]) : null, raw };
}

function parseBytes(value: string | undefined): number | null {
  const m = /^(\d+(?:\.\d+)?)([km])?$/i.exec(value ?? "");
  if (!m || !m[1]) return null;
  const mult = m[2]?.toLowerCase() === "m" ? 1_000_000 : m[2]?.toLowerCase() === "k" ? 1000 : 1;
  return Math.floor(Number(m[1]) * mult);
}

export function readMarkers(text: string, provider: SandboxProvider): MarkerSet {
  const set: MarkerSet = {
    fail: null,
    pollFail: null,
    hang: false,
    acceptHang: false,
    malformed: false,
    status: null,
    noWebhook: false,
    webhookTwice: false,
    hold: false,
    durationSec: null,
    audioBytes: null,
    noCredits: false,
    downloadFail: false,
  };
  for (const m of text.matchAll(MARKER_RE)) {
    const scope = m[1]?.toLowerCase();
    if (scope && scope !== provider) continue;
    const name = (m[2] ?? "").toLowerCase();
    const value = m[3];
    const raw = m[0];
    switch (name) {
      case "fail":
        set.fail = parseFail(value, raw) ?? set.fail;
        break;
      case "poll-fail":
        set.pollFail = parseFail(value, raw) ?? set.pollFail;
        break;
      case "hang":
        set.hang = true;
        break;
      case "accept-hang":
        set.acceptHang = true;
        break;
      case "malformed":
        set.malformed = true;
        break;
      case "status":
        if (value) set.status = value;
        break;
      case "no-webhook":
        set.noWebhook = true;
        break;
      case "webhook-twice":
        set.webhookTwice = true;
        break;
      case "hold":
        set.hold = true;
        break;
      case "duration": {
        const n = Number(value);
        if (Number.isFinite(n) && n >= 0) set.durationSec = n;
        break;
      }
      case "no-credits":
        set.noCredits = true;
        break;
      case "download-fail":
        set.downloadFail = true;
        break;
      case "audio-bytes":
        set.audioBytes = parseBytes(value) ?? set.audioBytes;
        break;
      default:
        break;
    }
  }
  return set;
}

export function contentHash(content: string): string {
  return createHash("sha1").update(content).digest("hex").slice(0, 16);
}

/** Counters behind the `xN` variants. */
export class FaultCounters {
  private counts = new Map<string, number>();

  /** Returns true when this occurrence must fail (and records it). */
  shouldFail(key: string, spec: FailSpec): boolean {
    if (spec.times === null) return true;
    const n = this.counts.get(key) ?? 0;
    if (n >= spec.times) return false;
    this.counts.set(key, n + 1);
    return true;
  }

  clear(): void {
    this.counts.clear();
  }
}

/** Sliding-window rate limiter keyed by string. limit <= 0 disables it. */
export class RateLimiter {
  private windows = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Returns true if the request is allowed (and records it). */
  allow(key: string, now = Date.now()): boolean {
    if (this.limit <= 0) return true;
    const arr = (this.windows.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (arr.length >= this.limit) {
      this.windows.set(key, arr);
      return false;
    }
    arr.push(now);
    this.windows.set(key, arr);
    return true;
  }

  clear(): void {
    this.windows.clear();
  }
}
