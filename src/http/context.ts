// What every resolver receives, and the one factory that builds it: for HTTP and SSE from the
// request's Authorization header, for graphql-ws from the connection's connectionParams.
import type { Services } from "../services.js";
import { unauthenticated } from "../errors.js";
import { bearerToken, verifyToken } from "../auth/tokens.js";
import { isSessionRevoked } from "../auth/sessions.js";
import { Loaders } from "../loaders/index.js";

export interface Viewer {
  id: string;
  /** The session the access token belongs to (null for tokens issued without one). */
  sessionId?: string | null;
  /** When the access token expires (ms since the epoch). */
  tokenExpiresAt?: number;
}

export type AuthFailure = "expired" | "invalid" | "revoked";

export interface Context {
  services: Services;
  /** Batches lookups that plugin-prisma's relations do not cover (src/loaders). */
  loaders: Loaders;
  viewer: Viewer | null;
  /** Why a presented token was not accepted; lets errors say "expired" instead of "sign in". */
  authFailure: AuthFailure | null;
  /** The client's address (for per-client limits such as sign-in); "unknown" when not known. */
  clientIp: string;
  /** The last event sequence the client has seen, per project (global id), sent again on every
   *  (re)connect: graphql-ws `connectionParams.lastSequences` or the SSE/HTTP header
   *  `x-castad-last-sequences` (JSON). Subscriptions resume from it when it is past their `after`. */
  lastSequences?: Readonly<Record<string, number>>;
}

/** How HTTP errors (extensions.reason) and WebSocket close reasons name an auth failure. */
export const AUTH_REASON: Record<AuthFailure | "missing", string> = {
  missing: "TOKEN_MISSING",
  expired: "TOKEN_EXPIRED",
  invalid: "TOKEN_INVALID",
  revoked: "SESSION_REVOKED",
};

export const AUTH_MESSAGE: Record<AuthFailure, string> = {
  expired: "your session has expired: refresh the access token (refreshToken) or sign in again",
  invalid: "the bearer token is not valid: sign in again",
  revoked: "this session was signed out: sign in again",
};

/** The context of a field that requires a signed-in user (scope-auth's `signedIn` scope). */
export type SignedInContext = Context & { viewer: Viewer };

/** The error for a field that needs a signed-in user: says whether the token expired, was
 *  not valid, or was missing. */
export function unauthenticatedFor(ctx: Pick<Context, "authFailure">) {
  if (ctx.authFailure) return unauthenticated(AUTH_MESSAGE[ctx.authFailure], AUTH_REASON[ctx.authFailure]);
  return unauthenticated(undefined, AUTH_REASON.missing);
}

/** The client's address: the socket's peer, or with TRUST_PROXY the first X-Forwarded-For hop. */
export function clientIpOf(config: Pick<Services["config"], "TRUST_PROXY">, req: { headers: { [k: string]: unknown }; socket?: { remoteAddress?: string | undefined } } | undefined): string {
  const forwarded = req?.headers["x-forwarded-for"];
  if (config.TRUST_PROXY && typeof forwarded === "string" && forwarded.trim()) return forwarded.split(",")[0]!.trim();
  return req?.socket?.remoteAddress ?? "unknown";
}

export async function createContext(services: Services, authorization: unknown, lastSequences?: unknown, clientIp = "unknown"): Promise<Context> {
  const context = await contextFor(services, authorization, clientIp);
  const seen = parseLastSequences(lastSequences);
  return seen ? { ...context, lastSequences: seen } : context;
}

async function contextFor(services: Services, authorization: unknown, clientIp: string): Promise<Context> {
  const base = { services, clientIp, loaders: new Loaders(services.prisma) };
  const token = bearerToken(authorization);
  if (authorization !== undefined && authorization !== null && authorization !== "" && !token) {
    return { ...base, viewer: null, authFailure: "invalid" };
  }
  if (!token) return { ...base, viewer: null, authFailure: null };
  const check = await verifyToken(services.config, token);
  if (!check.ok) return { ...base, viewer: null, authFailure: check.reason };
  if (check.sessionId && (await isSessionRevoked(services, check.sessionId))) return { ...base, viewer: null, authFailure: "revoked" };
  return { ...base, viewer: { id: check.userId, sessionId: check.sessionId, tokenExpiresAt: check.expiresAt }, authFailure: null };
}

/** Reads `{ "<projectId>": <sequence> }` from connectionParams or a header value (JSON text);
 *  anything malformed is ignored (the subscription's own `after` still applies). */
export function parseLastSequences(value: unknown): Record<string, number> | undefined {
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  const out: Record<string, number> = {};
  for (const [key, seq] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof seq === "number" && Number.isSafeInteger(seq) && seq >= 0) out[key] = seq;
  }
  return out;
}
