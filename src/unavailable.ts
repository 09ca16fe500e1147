// Telling an outage from a bug: errors that mean PostgreSQL or Redis cannot be reached (refused,
// closed, timed out, shutting down) become SERVICE_UNAVAILABLE with a Retry-After, so a client
// knows to retry later, and callers (sign-in limits, the job runner) can tell them apart from
// a wrong password or a failed step.
import { AppError, ErrorCode } from "./errors.js";
import type { Redis } from "./redis.js";

export const RETRY_AFTER_SECONDS = 5;

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN", "ECONNABORTED"]);
// Prisma: can't reach / timed out / closed / pool timeout; PostgreSQL: admin shutdown, crash
// shutdown, cannot connect now (starting up or shutting down), too many connections.
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
const PG_CODES = new Set(["57P01", "57P02", "57P03", "53300", "08000", "08001", "08003", "08004", "08006"]);
const MESSAGES = [
  /Connection is closed/i, // ioredis
  /Stream isn't writeable/i, // ioredis, offline queue disabled
  /Command timed out/i, // ioredis commandTimeout
  /Reached the max retries per request limit/i, // ioredis MaxRetriesPerRequestError
  /Connection terminated/i, // pg
  /timeout exceeded when trying to connect/i, // pg pool connectionTimeoutMillis
  /Can't reach database server/i, // prisma
  /the database system is (?:shutting down|starting up|in recovery mode)/i,
  /DatabaseNotReachable|ConnectionClosed|SocketTimeout/, // prisma driver-adapter error kinds
];

/** Whether an error (or anything in its cause chain) means a database or Redis outage. */
export function isInfrastructureError(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const e = current as { code?: unknown; name?: unknown; message?: unknown; kind?: unknown; cause?: unknown; originalError?: unknown; errors?: unknown };
    if (e instanceof AppError) return e.code === ErrorCode.SERVICE_UNAVAILABLE;
    if (typeof e.code === "string" && (NETWORK_CODES.has(e.code) || PRISMA_CODES.has(e.code) || PG_CODES.has(e.code))) return true;
    if (e.name === "MaxRetriesPerRequestError" || e.name === "PrismaClientInitializationError") return true;
    if (typeof e.kind === "string" && MESSAGES[MESSAGES.length - 1]!.test(e.kind)) return true;
    if (typeof e.message === "string" && MESSAGES.some((re) => re.test(e.message as string))) return true;
    if (Array.isArray(e.errors) && e.errors.some((inner) => isInfrastructureError(inner))) return true; // AggregateError
    current = e.originalError ?? e.cause;
  }
  return false;
}

export const serviceUnavailable = (what: "database" | "redis" | "service" = "service") =>
  new AppError(ErrorCode.SERVICE_UNAVAILABLE, `the ${what === "service" ? "service" : what} is unavailable right now; try again in a few seconds`, {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    // yoga answers 503 with a Retry-After header for this (and drops `http` from the body).
    http: { status: 503, headers: { "Retry-After": String(RETRY_AFTER_SECONDS) } },
  });

/** Refuses up front (before anything is written) while the Redis connection is down. */
export function requireRedis(redis: Pick<Redis, "status">): void {
  if (redis.status !== "ready") throw serviceUnavailable("redis");
}
