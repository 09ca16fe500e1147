// The one error type every provider client throws. Two audiences:
//   - `message` is for logs: scrubbed of credentials and signed URLs, may quote the provider.
//   - `userMessage` is for end users: short, fixed text chosen by `code`, never provider text,
//     keys, URLs or stacks.
// `retryable` tells the job layer whether trying the same call again later can succeed.
import { scrubSecrets } from "../logger.js";

export type ProviderName = "openai" | "suno" | "creatomate" | "storage";

export const ProviderErrorCode = {
  // generic, any provider
  PROVIDER_RATE_LIMITED: "PROVIDER_RATE_LIMITED",
  PROVIDER_UNAVAILABLE: "PROVIDER_UNAVAILABLE",
  PROVIDER_TIMEOUT: "PROVIDER_TIMEOUT",
  PROVIDER_BAD_RESPONSE: "PROVIDER_BAD_RESPONSE",
  PROVIDER_AUTH: "PROVIDER_AUTH",
  PROVIDER_REJECTED: "PROVIDER_REJECTED",
  PROVIDER_NOT_FOUND: "PROVIDER_NOT_FOUND",
  PROVIDER_QUOTA: "PROVIDER_QUOTA",
  // OpenAI / lyrics
  LYRICS_REFUSED: "LYRICS_REFUSED",
  LYRICS_MALFORMED: "LYRICS_MALFORMED",
  // Suno
  SUNO_SENSITIVE_WORD: "SUNO_SENSITIVE_WORD",
  SUNO_CONTENT_REJECTED: "SUNO_CONTENT_REJECTED",
  SUNO_GENERATE_FAILED: "SUNO_GENERATE_FAILED",
  SUNO_PROMPT_TOO_LONG: "SUNO_PROMPT_TOO_LONG",
  SUNO_INVALID_REQUEST: "SUNO_INVALID_REQUEST",
  SUNO_NO_TRACK: "SUNO_NO_TRACK",
  SUNO_DOWNLOAD_FAILED: "SUNO_DOWNLOAD_FAILED",
  // Creatomate
  VIDEO_TEMPLATE_NOT_FOUND: "VIDEO_TEMPLATE_NOT_FOUND",
  VIDEO_TEMPLATE_INCOMPATIBLE: "VIDEO_TEMPLATE_INCOMPATIBLE",
  VIDEO_NO_IMAGES: "VIDEO_NO_IMAGES",
  VIDEO_RENDER_FAILED: "VIDEO_RENDER_FAILED",
  VIDEO_RENDER_CANCELLED: "VIDEO_RENDER_CANCELLED",
  // media copy
  MEDIA_NOT_FOUND: "MEDIA_NOT_FOUND",
  MEDIA_TOO_LARGE: "MEDIA_TOO_LARGE",
  MEDIA_DOWNLOAD_FAILED: "MEDIA_DOWNLOAD_FAILED",
  STORAGE_FAILED: "STORAGE_FAILED",
} as const;
export type ProviderErrorCode = (typeof ProviderErrorCode)[keyof typeof ProviderErrorCode];

const USER_MESSAGES: Record<ProviderErrorCode, string> = {
  PROVIDER_RATE_LIMITED: "The service is busy right now. Please try again in a moment.",
  PROVIDER_UNAVAILABLE: "The service is temporarily unavailable. Please try again later.",
  PROVIDER_TIMEOUT: "The service took too long to answer. Please try again.",
  PROVIDER_BAD_RESPONSE: "The service returned an unexpected answer. Please try again.",
  PROVIDER_AUTH: "The service rejected our credentials. Please contact support.",
  PROVIDER_REJECTED: "The service rejected the request.",
  PROVIDER_NOT_FOUND: "The requested item no longer exists at the service.",
  PROVIDER_QUOTA: "The service account has run out of credits. Please contact support.",
  LYRICS_REFUSED: "The lyrics could not be written for this business description.",
  LYRICS_MALFORMED: "The lyrics came back incomplete. Please try again.",
  SUNO_SENSITIVE_WORD: "The lyrics were rejected by the music service's content filter. Please change them and try again.",
  SUNO_CONTENT_REJECTED: "The music service rejected the lyrics or style. Please change them and try again.",
  SUNO_GENERATE_FAILED: "The music service could not create the song.",
  SUNO_PROMPT_TOO_LONG: "The lyrics are too long for the music service. Please shorten them.",
  SUNO_INVALID_REQUEST: "The song request was incomplete.",
  SUNO_NO_TRACK: "The music service finished without a playable song.",
  SUNO_DOWNLOAD_FAILED: "The music service could not fetch a file it needed. Please try again.",
  VIDEO_TEMPLATE_NOT_FOUND: "The selected video template does not exist.",
  VIDEO_TEMPLATE_INCOMPATIBLE: "The selected video template cannot be used (it needs image and music slots).",
  VIDEO_NO_IMAGES: "At least one photo is needed to make the video.",
  VIDEO_RENDER_FAILED: "The video could not be rendered.",
  VIDEO_RENDER_CANCELLED: "The video render was cancelled.",
  MEDIA_NOT_FOUND: "A generated file could no longer be found at the service.",
  MEDIA_TOO_LARGE: "A generated file is larger than allowed.",
  MEDIA_DOWNLOAD_FAILED: "A generated file could not be downloaded. Please try again.",
  STORAGE_FAILED: "The file could not be saved. Please try again.",
};

interface ProviderErrorInit {
  provider: ProviderName;
  code: ProviderErrorCode;
  retryable: boolean;
  /** Log-side detail. Scrubbed again here, but callers should not pass secrets in the first place. */
  message: string;
  userMessage?: string;
  retryAfterMs?: number;
  status?: number;
  /** Raw status reported by the provider (e.g. Suno `SENSITIVE_WORD_ERROR`). */
  providerStatus?: string;
  cause?: unknown;
}

export class ProviderError extends Error {
  readonly provider: ProviderName;
  readonly code: ProviderErrorCode;
  readonly retryable: boolean;
  readonly userMessage: string;
  readonly retryAfterMs?: number;
  readonly status?: number;
  readonly providerStatus?: string;

  constructor(init: ProviderErrorInit) {
    super(`${init.provider}: ${scrubSecrets(init.message)}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "ProviderError";
    this.provider = init.provider;
    this.code = init.code;
    this.retryable = init.retryable;
    this.userMessage = init.userMessage ?? USER_MESSAGES[init.code];
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    if (init.status !== undefined) this.status = init.status;
    if (init.providerStatus !== undefined) this.providerStatus = init.providerStatus;
  }

  /** What gets serialized into job results / logs: no stack, no cause (which may hold request objects). */
  toJSON() {
    return {
      name: this.name,
      provider: this.provider,
      code: this.code,
      retryable: this.retryable,
      message: this.message,
      userMessage: this.userMessage,
      // undefined ones are left out by JSON.stringify
      status: this.status,
      retryAfterMs: this.retryAfterMs,
      providerStatus: this.providerStatus,
    };
  }
}

export function isProviderError(err: unknown): err is ProviderError {
  return err instanceof ProviderError;
}

/** Whether trying again later can succeed. Anything that is not a ProviderError (a bug) is not. */
export function isRetryable(err: unknown): boolean {
  return err instanceof ProviderError && err.retryable;
}

/** 408, 425, 429 and 5xx may succeed later; every other 4xx will not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** Maps an HTTP (or HTTP-like, e.g. Suno body `code`) status to a generic ProviderError. */
export function errorForStatus(
  provider: ProviderName,
  status: number,
  detail: string,
  extra: { retryAfterMs?: number; providerStatus?: string } = {},
): ProviderError {
  let code: ProviderErrorCode;
  if (status === 401 || status === 403) code = ProviderErrorCode.PROVIDER_AUTH;
  else if (status === 402) code = ProviderErrorCode.PROVIDER_QUOTA;
  else if (status === 404 || status === 410) code = ProviderErrorCode.PROVIDER_NOT_FOUND;
  else if (status === 408) code = ProviderErrorCode.PROVIDER_TIMEOUT;
  else if (status === 425 || status === 429) code = ProviderErrorCode.PROVIDER_RATE_LIMITED;
  else if (status >= 500) code = ProviderErrorCode.PROVIDER_UNAVAILABLE;
  else code = ProviderErrorCode.PROVIDER_REJECTED;
  return new ProviderError({
    provider,
    code,
    retryable: isRetryableStatus(status),
    status,
    message: `HTTP ${status}${detail ? `: ${detail}` : ""}`,
    ...extra,
  });
}

/**
 * Parses a `retry-after` header: delta-seconds or an HTTP date. Returns milliseconds from now, or
 * undefined when absent or unparseable. Also accepts the non-standard `retry-after-ms`.
 */
export function parseRetryAfter(value: string | string[] | null | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v === null) return undefined;
  const s = v.trim();
  if (s === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const at = Date.parse(s);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * Makes provider-supplied text safe to put into an error message: scrubs bearer tokens, SAS
 * signatures and connection strings, removes every literal secret passed in, masks anything that
 * looks like an OpenAI key, and caps the length.
 */
export function safeDetail(text: string, secrets: readonly (string | undefined)[] = [], max = 300): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[redacted]");
  out = scrubSecrets(out).replace(/\bsk-[A-Za-z0-9_*.-]{6,}/g, "sk-[redacted]");
  out = out.replace(/\s+/g, " ").trim();
  return out.length > max ? `${out.slice(0, max)}…` : out;
}

/** A URL for logs: origin and path only; query strings often carry signatures. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? "?[redacted]" : ""}`;
  } catch {
    return "[invalid url]";
  }
}

/** The same error under a more specific code (e.g. a Suno 413 → SUNO_PROMPT_TOO_LONG). */
export function recode(
  err: ProviderError,
  code: ProviderErrorCode,
  overrides: { retryable?: boolean; userMessage?: string } = {},
): ProviderError {
  return new ProviderError({
    provider: err.provider,
    code,
    retryable: overrides.retryable ?? err.retryable,
    message: err.message.replace(new RegExp(`^${err.provider}: `), ""),
    userMessage: overrides.userMessage,
    retryAfterMs: err.retryAfterMs,
    status: err.status,
    providerStatus: err.providerStatus,
    cause: err.cause,
  });
}
