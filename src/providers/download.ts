// Copies a provider's media file (song, video, cover) into our blob storage. The body is piped
// from the socket straight into BlobStorage.upload (block upload), so memory stays flat whatever
// the file size; no temp files. Media hosts get no Authorization header: provider keys are never
// sent to CDNs.
import { Readable } from "node:stream";
import { Agent, interceptors, type Dispatcher } from "undici";
import { RestError } from "@azure/storage-blob";
import { BlobTooLargeError, BodyLengthError, type BlobStorage } from "../storage/blob-storage.js";
import { ProviderError, ProviderErrorCode, isRetryableStatus, redactUrl, type ProviderName } from "./errors.js";

export interface CopyUrlToBlobOptions {
  url: string;
  storage: Pick<BlobStorage, "upload">;
  key: string;
  /** Defaults to the response's content-type, else application/octet-stream. */
  contentType?: string;
  maxBytes: number;
  /** Deadline for the whole copy. */
  timeoutMs: number;
  onProgress?: (bytes: number) => void;
  /** Which provider the URL came from (for errors). Default "suno". */
  provider?: ProviderName;
  /** Defaults to a shared module-level agent (see createDownloadDispatcher). */
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
}

export interface CopyResult {
  bytes: number;
  contentType: string;
}

/** An agent for media downloads: keep-alive, follows up to 5 redirects (CDNs redirect). */
export function createDownloadDispatcher(connectTimeoutMs = 10_000): Dispatcher {
  return new Agent({ connect: { timeout: connectTimeoutMs }, keepAliveTimeout: 10_000 }).compose(
    interceptors.redirect({ maxRedirections: 5 }),
  );
}

let sharedDispatcher: Dispatcher | undefined;
function defaultDispatcher(): Dispatcher {
  sharedDispatcher ??= createDownloadDispatcher();
  return sharedDispatcher;
}

class CopyTimeout extends Error {}

export async function copyUrlToBlob(opts: CopyUrlToBlobOptions): Promise<CopyResult> {
  const provider = opts.provider ?? "suno";
  const safeUrl = redactUrl(opts.url);
  const fail = (code: ProviderErrorCode, retryable: boolean, message: string, extra: { status?: number; cause?: unknown; provider?: ProviderName } = {}) =>
    new ProviderError({ provider: extra.provider ?? provider, code, retryable, message, status: extra.status, cause: extra.cause });

  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw fail(ProviderErrorCode.PROVIDER_BAD_RESPONSE, false, "media URL is not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw fail(ProviderErrorCode.PROVIDER_BAD_RESPONSE, false, `media URL has unsupported scheme ${url.protocol}`);
  }

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new CopyTimeout(`copy did not finish within ${opts.timeoutMs} ms`)), opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline.signal, opts.signal]) : deadline.signal;
  const timedOut = () => fail(ProviderErrorCode.PROVIDER_TIMEOUT, true, `copy of ${safeUrl} did not finish within ${opts.timeoutMs} ms`);

  try {
    let res: Dispatcher.ResponseData;
    try {
      res = await (opts.dispatcher ?? defaultDispatcher()).request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: "GET",
        headers: { accept: "*/*", "user-agent": "castad/0.1" },
        signal,
        // Idle limits between chunks; the overall deadline is the signal above.
        headersTimeout: Math.min(opts.timeoutMs, 60_000),
        bodyTimeout: Math.min(opts.timeoutMs, 60_000),
      });
    } catch (err) {
      if (deadline.signal.aborted) throw timedOut();
      if (opts.signal?.aborted) throw opts.signal.reason;
      throw fail(ProviderErrorCode.MEDIA_DOWNLOAD_FAILED, true, `GET ${safeUrl} failed: ${(err as { code?: string }).code ?? "network error"}`, { cause: err });
    }

    const { statusCode, headers, body } = res;
    if (statusCode < 200 || statusCode >= 300) {
      body.resume(); // discard (keeps the socket reusable)
      body.on("error", () => {});
      if (statusCode === 404 || statusCode === 410) throw fail(ProviderErrorCode.MEDIA_NOT_FOUND, false, `GET ${safeUrl}: HTTP ${statusCode}`, { status: statusCode });
      throw fail(ProviderErrorCode.MEDIA_DOWNLOAD_FAILED, isRetryableStatus(statusCode), `GET ${safeUrl}: HTTP ${statusCode}`, { status: statusCode });
    }
    const declared = Number(headers["content-length"]);
    if (Number.isFinite(declared) && declared > opts.maxBytes) {
      body.destroy();
      throw fail(ProviderErrorCode.MEDIA_TOO_LARGE, false, `${safeUrl} is ${declared} bytes; limit ${opts.maxBytes}`);
    }
    const headerType = typeof headers["content-type"] === "string" ? headers["content-type"].split(";")[0]!.trim() : "";
    const contentType = opts.contentType ?? (headerType || "application/octet-stream");

    let bytes: number;
    try {
      bytes = await opts.storage.upload(opts.key, body as Readable, {
        contentType,
        maxBytes: opts.maxBytes,
        onProgress: opts.onProgress,
        size: Number.isFinite(declared) && declared >= 0 ? declared : undefined,
      });
    } catch (err) {
      body.destroy();
      if (deadline.signal.aborted) throw timedOut();
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (err instanceof BlobTooLargeError) throw fail(ProviderErrorCode.MEDIA_TOO_LARGE, false, `${safeUrl} exceeds ${opts.maxBytes} bytes`);
      if (err instanceof BodyLengthError) throw fail(ProviderErrorCode.MEDIA_DOWNLOAD_FAILED, true, `${safeUrl}: more than the declared ${declared} bytes`);
      if (err instanceof RestError) {
        const status = err.statusCode ?? 0;
        throw fail(ProviderErrorCode.STORAGE_FAILED, status === 0 || isRetryableStatus(status), `blob upload failed: HTTP ${status} ${err.code ?? ""}`.trim(), {
          provider: "storage",
          status: status || undefined,
        });
      }
      // Source stream errors (reset, idle timeout) surface here too.
      const code = (err as { code?: string }).code;
      if (code && /^UND_ERR|^ECONN|^EPIPE|^ETIMEDOUT/.test(code)) {
        throw fail(ProviderErrorCode.MEDIA_DOWNLOAD_FAILED, true, `reading ${safeUrl} failed: ${code}`, { cause: err });
      }
      throw fail(ProviderErrorCode.STORAGE_FAILED, true, `copy of ${safeUrl} failed: ${err instanceof Error ? err.name : "error"}`, { provider: "storage", cause: err });
    }
    if (Number.isFinite(declared) && declared >= 0 && bytes !== declared) {
      throw fail(ProviderErrorCode.MEDIA_DOWNLOAD_FAILED, true, `${safeUrl}: got ${bytes} of ${declared} bytes`);
    }
    return { bytes, contentType };
  } finally {
    clearTimeout(timer);
  }
}
