// HS256 access tokens. The subject is the user id and `sid` the session (auth/sessions.ts);
// nothing else is trusted from the token. They are short-lived: clients refresh them.
import { createSecretKey, type KeyObject } from "node:crypto";
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { LRUCache } from "lru-cache";
import { isUuid } from "../ids.js";

const ISSUER = "castad";
const AUDIENCE = "castad-api";

export interface TokenConfig {
  jwtSecret: string;
  JWT_TTL_SECONDS: number;
}

type Verified = Extract<TokenCheck, { ok: true }>;

// Per secret: a KeyObject, not raw bytes (with bytes jose imports a WebCrypto key on every
// verify), and the tokens already verified with it, until they expire. A client sends the same
// token with every request for its whole life, and jose's HMAC check (a crypto job per call)
// was a fifth of the CPU of a small request. Tokens are remembered by their exact string, so
// only bytes that passed the full check are answered from here; the one check that depends on
// time, expiry, is made again on every use. Revoked sessions are the caller's check, every request.
const keyrings = new Map<string, { key: KeyObject; verified: LRUCache<string, Verified> }>();
const VERIFIED_MAX = 10_000;
const keyringFor = (secret: string) => {
  let ring = keyrings.get(secret);
  if (!ring) keyrings.set(secret, (ring = { key: createSecretKey(Buffer.from(secret, "utf8")), verified: new LRUCache({ max: VERIFIED_MAX }) }));
  return ring;
};

/** An access token for `userId` and its exact expiry (the `exp` claim, whole seconds — clients
 *  compare against it, so it must not be rounded differently); `sessionId` (the `sid` claim) ties
 *  it to a revocable session. */
export async function issueAccessToken(config: TokenConfig, userId: string, sessionId?: string): Promise<{ token: string; expiresAt: Date }> {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + config.JWT_TTL_SECONDS;
  const token = await new SignJWT(sessionId ? { sid: sessionId } : {})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(keyringFor(config.jwtSecret).key);
  return { token, expiresAt: new Date(exp * 1000) };
}

export async function issueToken(config: TokenConfig, userId: string, sessionId?: string): Promise<string> {
  return (await issueAccessToken(config, userId, sessionId)).token;
}

export type TokenCheck =
  | { ok: true; userId: string; sessionId: string | null; expiresAt: number }
  | { ok: false; reason: "expired" | "invalid" };

export async function verifyToken(config: TokenConfig, token: string): Promise<TokenCheck> {
  const { key, verified } = keyringFor(config.jwtSecret);
  const known = verified.get(token);
  if (known) {
    if (known.expiresAt > Date.now()) return known;
    verified.delete(token);
    return { ok: false, reason: "expired" };
  }
  try {
    const { payload } = await jwtVerify(token, key, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ["HS256"],
    });
    // A subject that is not a user id (signed with our secret or not) is simply not valid.
    if (typeof payload.sub !== "string" || !isUuid(payload.sub)) return { ok: false, reason: "invalid" };
    const sessionId = typeof payload.sid === "string" ? payload.sid : null;
    const check: Verified = { ok: true, userId: payload.sub, sessionId, expiresAt: (payload.exp ?? 0) * 1000 };
    // Only a token that expires is kept (ours all do); it is dropped once expired.
    if (payload.exp !== undefined) verified.set(token, check);
    return check;
  } catch (err) {
    return { ok: false, reason: err instanceof joseErrors.JWTExpired ? "expired" : "invalid" };
  }
}

/** Reads `Bearer <token>` from an Authorization header (or connectionParams value). */
export function bearerToken(header: unknown): string | null {
  if (typeof header !== "string") return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
}
