// HS256 access tokens. The subject is the user id and `sid` the session (auth/sessions.ts);
// nothing else is trusted from the token. They are short-lived: clients refresh them.
import { createSecretKey, type KeyObject } from "node:crypto";
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { isUuid } from "../ids.js";

const ISSUER = "castad";
const AUDIENCE = "castad-api";

export interface TokenConfig {
  jwtSecret: string;
  JWT_TTL_SECONDS: number;
}

// A KeyObject, not raw bytes: with bytes jose imports a WebCrypto key on every verify, which
// cost more CPU than the rest of a small request.
const keyCache = new Map<string, KeyObject>();
const keyFor = (secret: string) => {
  let key = keyCache.get(secret);
  if (!key) keyCache.set(secret, (key = createSecretKey(Buffer.from(secret, "utf8"))));
  return key;
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
    .sign(keyFor(config.jwtSecret));
  return { token, expiresAt: new Date(exp * 1000) };
}

export async function issueToken(config: TokenConfig, userId: string, sessionId?: string): Promise<string> {
  return (await issueAccessToken(config, userId, sessionId)).token;
}

export type TokenCheck =
  | { ok: true; userId: string; sessionId: string | null; expiresAt: number }
  | { ok: false; reason: "expired" | "invalid" };

export async function verifyToken(config: TokenConfig, token: string): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, keyFor(config.jwtSecret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ["HS256"],
    });
    // A subject that is not a user id (signed with our secret or not) is simply not valid.
    if (typeof payload.sub !== "string" || !isUuid(payload.sub)) return { ok: false, reason: "invalid" };
    const sessionId = typeof payload.sid === "string" ? payload.sid : null;
    return { ok: true, userId: payload.sub, sessionId, expiresAt: (payload.exp ?? 0) * 1000 };
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
