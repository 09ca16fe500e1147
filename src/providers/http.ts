// JSON over HTTP for the Suno and Creatomate clients: one keep-alive undici Agent per provider for
// the life of the process, an overall deadline per attempt, Bearer auth, strict JSON parsing, and
// retries with exponential backoff + jitter that honour `retry-after` — but only where repeating
// the request cannot do harm (see shouldRetry).
import { Agent, type Dispatcher } from "undici";
import type { Config, ProviderEndpoint } from "../config.js";
import type { Logger } from "../logger.js";
import { abortableSleep, type RateLimiter } from "../rate-limit.js";
import {
  ProviderError,
  ProviderErrorCode,
  errorForStatus,
  isRetryableStatus,
  parseRetryAfter,
  safeDetail,
  type ProviderName,
} from "./errors.js";

type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD";
type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface HttpClientOptions {
  provider: ProviderName;
  baseUrl: string;
  apiKey: string;
  connectTimeoutMs: number;
  /** Deadline for one attempt: connect + send + headers + whole body. */
  timeoutMs: number;
  /** Retries after the first attempt (0 = one attempt only). */
  maxRetries: number;
  /** First backoff step; doubles per retry. Default 250 ms. */
  retryBaseMs?: number;
  /** Cap of one backoff wait. Default 8 s. */
  retryMaxDelayMs?: number;
  /** A `retry-after` longer than this is not slept on in-process: the error is thrown with retryAfterMs. Default 30 s. */
  maxRetryAfterMs?: number;
  /** Response bodies above this size are refused (PROVIDER_BAD_RESPONSE). Default 5 MB. */
  maxResponseBytes?: number;
  /**
   * Some APIs (Suno) report errors inside a 200 body (`{code: 413, msg}`). Return the effective
   * status (and message) for a parsed body, or undefined to keep the HTTP status.
   */
  bodyStatus?: (body: unknown, httpStatus: number) => { status: number; message?: string } | undefined;
  logger?: Pick<Logger, "warn" | "debug">;
  /** Awaited before every attempt, retries included (an account-wide rate limiter). */
  beforeAttempt?: (signal?: AbortSignal) => Promise<void>;
  /** Injectable for tests (jitter). */
  random?: () => number;
  /** Use an existing dispatcher instead of creating an Agent (then close() leaves it alone). */
  dispatcher?: Dispatcher;
}

/** What a provider client accepts beyond its config (tests inject agents and faster backoff). */
export interface ProviderClientOptions {
  rateLimiter?: RateLimiter;
  logger?: Pick<Logger, "warn" | "debug">;
  dispatcher?: Dispatcher;
  retryBaseMs?: number;
}

/** The connect and retry settings every provider client shares (each endpoint has its own timeout). */
export type HttpTimeouts = Pick<Config, "PROVIDER_CONNECT_TIMEOUT_MS" | "PROVIDER_MAX_RETRIES">;

/** The JSON client of one provider, from its endpoint (with its own deadline) and the shared connect/retry settings. */
export function providerHttpClient(
  provider: ProviderName,
  endpoint: ProviderEndpoint,
  config: HttpTimeouts,
  opts: ProviderClientOptions,
  extra: Pick<HttpClientOptions, "bodyStatus" | "beforeAttempt"> = {},
): JsonHttpClient {
  return new JsonHttpClient({
    provider,
    baseUrl: endpoint.baseUrl,
    apiKey: endpoint.apiKey,
    connectTimeoutMs: config.PROVIDER_CONNECT_TIMEOUT_MS,
    timeoutMs: endpoint.timeoutMs,
    maxRetries: config.PROVIDER_MAX_RETRIES,
    ...extra,
    retryBaseMs: opts.retryBaseMs,
    logger: opts.logger,
    dispatcher: opts.dispatcher,
  });
}

interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** Serialized as JSON. */
  body?: unknown;
  timeoutMs?: number;
  maxRetries?: number;
  signal?: AbortSignal;
}

interface HttpResult<T = unknown> {
  status: number;
  headers: ResponseHeaders;
  body: T;
  attempts: number;
}

/** What one attempt ended in, as far as the retry policy is concerned. */
type AttemptOutcome =
  | { kind: "status"; status: number }
  /** `notSent`: the connection was never established, so the server cannot have seen the request. */
  | { kind: "network"; notSent: boolean }
  | { kind: "timeout" }
  | { kind: "malformed" };

/**
 * Whether the helper may repeat a request after this outcome.
 *
 * GET (and HEAD) are safe to repeat: 408/425/429/5xx, network errors, timeouts and malformed bodies
 * are all retried.
 *
 * POST creates something billable (a Suno task, a Creatomate render). It is only repeated when the
 * provider surely did not act on it:
 *   - 429 (and 425 Too Early): the request was refused before processing;
 *   - connect-phase failures (ECONNREFUSED, DNS failure, connect timeout, unreachable host): no
 *     byte of the request reached the server.
 * It is NOT repeated after a timeout, a reset connection or a 5xx, because the provider may have
 * created the task/render before failing to answer; repeating would create (and bill) a duplicate.
 * Those errors are still `retryable` for the job layer, which can reconcile (e.g. by metadata)
 * before submitting again.
 */
export function shouldRetry(method: HttpMethod, outcome: AttemptOutcome): boolean {
  const idempotent = method === "GET" || method === "HEAD";
  switch (outcome.kind) {
    case "status":
      if (idempotent) return isRetryableStatus(outcome.status);
      return outcome.status === 429 || outcome.status === 425;
    case "network":
      return idempotent || outcome.notSent;
    case "timeout":
    case "malformed":
      return idempotent;
  }
}

/** Error codes meaning "the TCP connection was never established". */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 5 && e && typeof e === "object"; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    const errors = (e as { errors?: unknown }).errors; // AggregateError (happy eyeballs)
    if (Array.isArray(errors)) for (const x of errors) codes.push(...errorCodes(x));
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

function isNotSentError(err: unknown): boolean {
  const codes = errorCodes(err);
  return codes.length > 0 && codes.some((c) => NOT_SENT_CODES.has(c));
}

function createProviderAgent(connectTimeoutMs: number): Agent {
  return new Agent({
    connect: { timeout: connectTimeoutMs },
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
  });
}

/** Extracts a human-readable message from a provider error body (OpenAI, Suno and Creatomate shapes). */
function messageFromBody(body: unknown, text: string): string {
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const err = b.error;
    if (err && typeof err === "object" && typeof (err as { message?: unknown }).message === "string") {
      return (err as { message: string }).message;
    }
    for (const k of ["msg", "hint", "message", "error"]) if (typeof b[k] === "string") return b[k] as string;
  }
  return text.slice(0, 200);
}

class TimeoutMarker extends Error {}

export class JsonHttpClient {
  readonly provider: ProviderName;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly base: string;
  private readonly counters = { requests: 0, attempts: 0, retries: 0 };
  private closed = false;

  constructor(private readonly opts: HttpClientOptions) {
    this.provider = opts.provider;
    this.base = opts.baseUrl.replace(/\/+$/, "");
    this.ownsDispatcher = !opts.dispatcher;
    this.dispatcher = opts.dispatcher ?? createProviderAgent(opts.connectTimeoutMs);
  }

  get agent(): Dispatcher {
    return this.dispatcher;
  }

  stats() {
    return { ...this.counters };
  }

  get<T = unknown>(path: string, opts: RequestOptions = {}) {
    return this.request<T>("GET", path, opts);
  }

  post<T = unknown>(path: string, body: unknown, opts: RequestOptions = {}) {
    return this.request<T>("POST", path, { ...opts, body });
  }

  url(path: string, query?: RequestOptions["query"]): URL {
    const u = new URL(this.base + (path.startsWith("/") ? path : `/${path}`));
    if (query) for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  async request<T = unknown>(method: HttpMethod, path: string, opts: RequestOptions = {}): Promise<HttpResult<T>> {
    if (this.closed) throw new Error(`${this.provider} http client is closed`);
    this.counters.requests++;
    const url = this.url(path, opts.query);
    const maxRetries = opts.maxRetries ?? this.opts.maxRetries;
    const baseMs = this.opts.retryBaseMs ?? 250;
    const capMs = this.opts.retryMaxDelayMs ?? 8_000;
    const maxRetryAfter = this.opts.maxRetryAfterMs ?? 30_000;
    const random = this.opts.random ?? Math.random;

    for (let attempt = 0; ; attempt++) {
      await this.opts.beforeAttempt?.(opts.signal);
      this.counters.attempts++;
      const { outcome, error, result } = await this.attempt<T>(method, url, opts);
      if (result) return { ...result, attempts: attempt + 1 };
      if (opts.signal?.aborted) throw opts.signal.reason ?? error;

      const canRetry = attempt < maxRetries && shouldRetry(method, outcome!);
      if (!canRetry) throw error!;
      let delay = error!.retryAfterMs;
      if (delay !== undefined && delay > maxRetryAfter) throw error!; // let the job layer wait that long
      if (delay === undefined) {
        const step = Math.min(capMs, baseMs * 2 ** attempt);
        delay = Math.round(step / 2 + random() * (step / 2)); // "equal jitter": never 0, never > step
      }
      this.counters.retries++;
      this.opts.logger?.warn(
        { provider: this.provider, method, path: url.pathname, attempt: attempt + 1, delayMs: delay, code: error!.code, status: error!.status },
        "provider request failed, retrying",
      );
      await abortableSleep(delay, opts.signal);
    }
  }

  private async attempt<T>(
    method: HttpMethod,
    url: URL,
    opts: RequestOptions,
  ): Promise<{ outcome?: AttemptOutcome; error?: ProviderError; result?: Omit<HttpResult<T>, "attempts"> }> {
    const provider = this.provider;
    /** A failed attempt that may succeed when tried again; `what` follows "METHOD /path". */
    const retryable = (code: ProviderErrorCode, what: string, cause?: unknown) =>
      new ProviderError({ provider, code, retryable: true, message: `${method} ${url.pathname}${what}`, cause });
    const timeoutMs = opts.timeoutMs ?? this.opts.timeoutMs;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new TimeoutMarker("timeout")), timeoutMs);
    const signal = opts.signal ? AbortSignal.any([timeout.signal, opts.signal]) : timeout.signal;
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": "castad/0.1",
    };
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers["content-type"] = "application/json";
    }

    let status: number;
    let resHeaders: ResponseHeaders;
    let text: string;
    try {
      const res = await this.dispatcher.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method,
        headers,
        body: payload ?? null,
        signal,
      });
      status = res.statusCode;
      resHeaders = res.headers as ResponseHeaders;
      text = await readCapped(res.body, this.opts.maxResponseBytes ?? 5 * 1024 * 1024);
    } catch (err) {
      if (timeout.signal.aborted) {
        return { outcome: { kind: "timeout" }, error: retryable(ProviderErrorCode.PROVIDER_TIMEOUT, ` got no complete answer within ${timeoutMs} ms`) };
      }
      if (opts.signal?.aborted) return { outcome: { kind: "network", notSent: false }, error: abortedError(provider, method, url) };
      if (err instanceof ResponseTooLarge) {
        return { outcome: { kind: "malformed" }, error: retryable(ProviderErrorCode.PROVIDER_BAD_RESPONSE, `: response body larger than ${err.limit} bytes`) };
      }
      const notSent = isNotSentError(err);
      const codes = errorCodes(err);
      const detail = safeDetail(err instanceof Error ? err.message : String(err), [this.opts.apiKey], 120);
      return {
        outcome: { kind: "network", notSent },
        error: retryable(ProviderErrorCode.PROVIDER_UNAVAILABLE, ` failed: ${codes[0] ?? "network error"} ${detail}`, err),
      };
    } finally {
      clearTimeout(timer);
    }

    let body: unknown = undefined;
    let parsed = true;
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        parsed = false;
      }
    }
    const retryAfterMs = parseRetryAfter(resHeaders["retry-after-ms"] as string | undefined) ??
      parseRetryAfter(resHeaders["retry-after"]);
    const fromBody = parsed && body !== undefined ? this.opts.bodyStatus?.(body, status) : undefined;
    const effective = fromBody?.status ?? status;

    if (effective >= 200 && effective < 300) {
      if (!parsed) {
        return {
          outcome: { kind: "malformed" },
          error: new ProviderError({
            provider,
            code: ProviderErrorCode.PROVIDER_BAD_RESPONSE,
            retryable: true,
            status,
            message: `${method} ${url.pathname}: HTTP ${status} with a body that is not valid JSON (${text.length} bytes)`,
          }),
        };
      }
      return { result: { status, headers: resHeaders, body: body as T } };
    }

    const detail = safeDetail(fromBody?.message ?? messageFromBody(body, parsed ? "" : text), [this.opts.apiKey]);
    const error = errorForStatus(provider, effective, `${method} ${url.pathname}${detail ? ` — ${detail}` : ""}`, { retryAfterMs });
    return { outcome: { kind: "status", status: effective }, error };
  }

  /** Closes the agent (and its keep-alive sockets). Call once at shutdown. Waits for requests
   *  in flight unless `force`, which aborts them (a shutdown past its deadline). */
  async close(force = false): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsDispatcher) await (force ? this.dispatcher.destroy() : this.dispatcher.close());
  }
}

function abortedError(provider: ProviderName, method: string, url: URL) {
  return new ProviderError({
    provider,
    code: ProviderErrorCode.PROVIDER_UNAVAILABLE,
    retryable: true,
    message: `${method} ${url.pathname} aborted by caller`,
  });
}

class ResponseTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`response larger than ${limit} bytes`);
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy?: (err?: Error) => void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy?.();
      throw new ResponseTooLarge(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
