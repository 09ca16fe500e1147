// HS256 bearer tokens. The subject is the user id; nothing else is trusted from the token.
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";

const ISSUER = "castad";
const AUDIENCE = "castad-api";

export interface TokenConfig {
  jwtSecret: string;
  JWT_TTL_SECONDS: number;
}

const keyCache = new Map<string, Uint8Array>();
const keyFor = (secret: string) => {
  let key = keyCache.get(secret);
  if (!key) keyCache.set(secret, (key = new TextEncoder().encode(secret)));
  return key;
};

export async function issueToken(config: TokenConfig, userId: string): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${config.JWT_TTL_SECONDS}s`)
    .sign(keyFor(config.jwtSecret));
}

export type TokenCheck = { ok: true; userId: string } | { ok: false; reason: "expired" | "invalid" };

export async function verifyToken(config: TokenConfig, token: string): Promise<TokenCheck> {
  try {
    const { payload } = await jwtVerify(token, keyFor(config.jwtSecret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ["HS256"],
    });
    if (typeof payload.sub !== "string") return { ok: false, reason: "invalid" };
    return { ok: true, userId: payload.sub };
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
