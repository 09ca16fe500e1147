// What a request body may be, decided before it is read:
// - JSON (and every other non-multipart) body: at most JSON_MAX_BODY_BYTES;
// - multipart: only with a valid bearer token (checked from the headers, before a byte of the
//   body is read), at most the upload limits allow, at most UPLOAD_MAX_CONCURRENT_PER_USER large
//   ones (over 1 MB, or of unknown length) at a time per user across every API process (a
//   Redis semaphore, redis-semaphore, whose leases expire if a process dies mid-upload), only
//   for the upload mutation, and only with a preflight
//   header (graphql-require-preflight, the CSRF convention: a browser cannot send it
//   cross-site without a CORS preflight).
// yoga's own maxRequestBodySize is one number for every request, so the per-type limit is
// written here (the same content-length check plus a counting stream as yoga's own plugin).
import type { IncomingMessage, ServerResponse } from "node:http";
import { Semaphore } from "redis-semaphore";
import { Kind, GraphQLError, getOperationAST, type ValidationRule } from "graphql";
import { createGraphQLError, type Plugin } from "graphql-yoga";
import type { Config } from "../config.js";
import { ErrorCode } from "../errors.js";
import { bearerToken, verifyToken } from "../auth/tokens.js";
import { redisKey, type Redis } from "../redis.js";
import { isInfrastructureError, RETRY_AFTER_SECONDS } from "../unavailable.js";

type Limits = Pick<Config, "JSON_MAX_BODY_BYTES" | "UPLOAD_MAX_FILES" | "UPLOAD_MAX_FILE_BYTES" | "UPLOAD_MAX_CONCURRENT_PER_USER">;

/** An upload's slot lives this long unless renewed; the holder renews it every 80 % of that. */
const UPLOAD_LEASE_MS = 60_000;

export const UPLOAD_FIELD = "uploadProjectImages";

const isMultipart = (contentType: string | null | undefined) => (contentType ?? "").toLowerCase().startsWith("multipart/form-data");

/** Form overhead allowed on top of the files themselves. */
const FORM_OVERHEAD = 1024 * 1024;
export const multipartMaxBytes = (config: Limits) => config.UPLOAD_MAX_FILES * config.UPLOAD_MAX_FILE_BYTES + FORM_OVERHEAD;

const tooLarge = (limit: number) =>
  createGraphQLError(`the request body is larger than ${limit} bytes`, { extensions: { code: ErrorCode.PAYLOAD_TOO_LARGE, limit, http: { status: 413 } } });

/** The body limit per content type, for yoga (replaces maxRequestBodySize). */
export function useBodyLimits(config: Limits): Plugin[] {
  return [
    {
      onRequestParse({ request, requestParser, setRequestParser }) {
        const limit = isMultipart(request.headers.get("content-type")) ? multipartMaxBytes(config) : config.JSON_MAX_BODY_BYTES;
        const length = request.headers.get("content-length");
        if (length !== null && (!/^\d+$/.test(length) || Number(length) > limit)) throw tooLarge(limit);
        // With a Content-Length, node's HTTP parser reads exactly that many bytes as the body
        // (and refuses a request that also says chunked), so the check above is the whole limit.
        // Only a body of unknown length is counted as it arrives; wrapping every body in a
        // counting stream and a new Request was a seventh of the CPU of a small request.
        if (length !== null || !requestParser || !request.body) return;
        let read = 0;
        const counted = request.body.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              read += chunk.byteLength;
              if (read > limit) controller.error(tooLarge(limit));
              else controller.enqueue(chunk);
            },
          }),
        );
        const limited = new Request(request.url, { method: request.method, headers: request.headers, signal: request.signal, body: counted, duplex: "half" } as RequestInit);
        setRequestParser((req) => requestParser(req === request ? limited : req));
      },
      // Multipart is for uploads only: any other operation sent that way is refused.
      onValidate({ addValidationRule, context }) {
        const request = (context as { request?: Request }).request;
        if (request && isMultipart(request.headers.get("content-type"))) addValidationRule(onlyUploads);
      },
    },
  ];
}

const onlyUploads: ValidationRule = (context) => ({
  Document(document) {
    const operation = getOperationAST(document);
    const fields = operation?.selectionSet.selections ?? [];
    const uploadOnly =
      operation?.operation === "mutation" && fields.length > 0 && fields.every((s) => s.kind === Kind.FIELD && s.name.value === UPLOAD_FIELD);
    if (!uploadOnly) {
      context.reportError(
        new GraphQLError(`multipart requests are accepted only for the ${UPLOAD_FIELD} mutation; send other operations as JSON`, {
          extensions: { code: ErrorCode.UNSUPPORTED_MEDIA_TYPE },
        }),
      );
    }
  },
});

const LARGE_UPLOAD_BYTES = 1024 * 1024;

export interface UploadGate {
  /** Called before yoga sees a multipart request. Answers and returns false when it is refused
   *  (the body is never read); otherwise returns true and releases its slot when the response ends. */
  admit(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

export function createUploadGate(config: Limits & Parameters<typeof verifyToken>[0] & Pick<Config, "REDIS_PREFIX">, redis: Redis): UploadGate {
  const refuse = (req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
    res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
    // The body is discarded as it arrives (never buffered: memory stays flat), so the client can
    // read the answer instead of meeting a reset; a body past twice the upload cap, or one still
    // coming after 10 s, ends with the connection.
    let discarded = 0;
    const cap = multipartMaxBytes(config);
    const timer = setTimeout(() => req.destroy(), 10_000);
    req.on("data", (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > 4 * cap) req.destroy();
    });
    req.once("close", () => clearTimeout(timer));
    req.resume();
    return false;
  };
  return {
    admit: async (req, res) => {
      if (!isMultipart(req.headers["content-type"])) return true;
      const token = bearerToken(req.headers.authorization);
      const check = token ? await verifyToken(config, token) : null;
      if (!check?.ok) {
        return refuse(req, res, 401, ErrorCode.UNAUTHENTICATED, "uploads need a valid bearer token: send Authorization: Bearer <token>");
      }
      // An announced size over the cap is refused by useBodyLimits, also before the body is read.
      const length = Number(req.headers["content-length"] ?? 0);
      // Small uploads are cheap to hold; large or unannounced (chunked) ones are bounded.
      if (req.headers["content-length"] !== undefined && length <= LARGE_UPLOAD_BYTES) return true;
      const max = Math.max(1, config.UPLOAD_MAX_CONCURRENT_PER_USER);
      const slot = new Semaphore(redis, redisKey(config, "uploads", check.userId), max, {
        lockTimeout: UPLOAD_LEASE_MS,
        acquireAttemptsLimit: 1,
        // A lease that could not be renewed (Redis unreachable for a while) is let go quietly:
        // the upload itself goes on; the limit is a guard, not a lock anything relies on.
        onLockLost: () => {},
      });
      let admitted: boolean;
      try {
        admitted = await slot.tryAcquire();
      } catch (err) {
        if (!isInfrastructureError(err)) throw err;
        return refuse(req, res, 503, ErrorCode.SERVICE_UNAVAILABLE, "the service is unavailable right now; try again in a few seconds", {
          "retry-after": String(RETRY_AFTER_SECONDS),
        });
      }
      if (!admitted) {
        return refuse(req, res, 429, ErrorCode.RATE_LIMITED, `at most ${max} large uploads at a time; try again when one has finished`, { "retry-after": "5" });
      }
      const release = () => void slot.release().catch(() => slot.stopRefresh());
      // The client may have gone while we asked Redis: then 'close' has already fired.
      if (res.closed || req.socket.destroyed) {
        release();
        return false;
      }
      res.once("close", release);
      return true;
    },
  };
}
