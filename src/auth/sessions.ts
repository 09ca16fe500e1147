// Sessions: a short-lived access token (JWT with the session id) plus a refresh token that
// rotates on every use. Only SHA-256 hashes of refresh tokens are stored; the previous hash is
// kept, so a replayed (stolen) old token revokes the whole session. Revocation is immediate for
// access tokens too: a revoked session id is remembered in Redis until its last access token
// expires, and every request checks it (one EXISTS).
import { createHash, randomBytes } from "node:crypto";
import type { Services } from "../services.js";
import { redisKey } from "../redis.js";
import { issueAccessToken } from "./tokens.js";

type Deps = Pick<Services, "prisma" | "config" | "redis">;

export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: Date;
}

const hash = (token: string) => createHash("sha256").update(token).digest("hex");
const newRefreshToken = () => randomBytes(32).toString("base64url");
const revokedKey = (deps: Deps, sessionId: string) => redisKey(deps.config, "session-revoked", sessionId);

async function tokensFor(deps: Deps, userId: string, sessionId: string, refreshToken: string): Promise<SessionTokens> {
  const access = await issueAccessToken(deps.config, userId, sessionId);
  return { accessToken: access.token, refreshToken, accessTokenExpiresAt: access.expiresAt };
}

export async function startSession(deps: Deps, userId: string): Promise<SessionTokens> {
  const refreshToken = newRefreshToken();
  const session = await deps.prisma.session.create({
    data: { userId, refreshTokenHash: hash(refreshToken), expiresAt: new Date(Date.now() + deps.config.REFRESH_TOKEN_TTL_SECONDS * 1000) },
  });
  return tokensFor(deps, userId, session.id, refreshToken);
}

export type RefreshResult = { ok: true; userId: string; tokens: SessionTokens } | { ok: false; reason: "invalid" | "expired" | "revoked" | "reused" };

/** Exchanges a refresh token for new tokens; the old refresh token stops working. */
export async function refreshSession(deps: Deps, refreshToken: string): Promise<RefreshResult> {
  const presented = hash(refreshToken);
  const session = await deps.prisma.session.findFirst({ where: { OR: [{ refreshTokenHash: presented }, { previousTokenHash: presented }] } });
  if (!session) return { ok: false, reason: "invalid" };
  if (session.revokedAt) return { ok: false, reason: "revoked" };
  if (session.previousTokenHash === presented) {
    // Someone used a refresh token that was already exchanged: one of the two holders is not
    // the user. End the session for both.
    await revokeSession(deps, session.id);
    return { ok: false, reason: "reused" };
  }
  if (session.expiresAt.getTime() <= Date.now()) return { ok: false, reason: "expired" };
  const next = newRefreshToken();
  // Guarded on the hash: of two concurrent refreshes with the same token only one wins.
  const { count } = await deps.prisma.session.updateMany({
    where: { id: session.id, refreshTokenHash: presented, revokedAt: null },
    data: {
      refreshTokenHash: hash(next),
      previousTokenHash: presented,
      lastUsedAt: new Date(),
      expiresAt: new Date(Date.now() + deps.config.REFRESH_TOKEN_TTL_SECONDS * 1000),
    },
  });
  if (count === 0) return { ok: false, reason: "reused" };
  return { ok: true, userId: session.userId, tokens: await tokensFor(deps, session.userId, session.id, next) };
}

async function markRevoked(deps: Deps, sessionIds: string[]) {
  if (sessionIds.length === 0) return;
  const ttl = deps.config.JWT_TTL_SECONDS + 60;
  const multi = deps.redis.multi();
  for (const id of sessionIds) multi.set(revokedKey(deps, id), "1", "EX", ttl);
  await multi.exec();
}

export async function revokeSession(deps: Deps, sessionId: string): Promise<void> {
  await deps.prisma.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
  await markRevoked(deps, [sessionId]);
}

/** Ends every session of the user (a password change); returns how many were open. */
export async function revokeAllSessions(deps: Deps, userId: string): Promise<number> {
  const open = await deps.prisma.session.findMany({ where: { userId, revokedAt: null }, select: { id: true } });
  await deps.prisma.session.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
  await markRevoked(deps, open.map((s) => s.id));
  return open.length;
}

/** The session id a refresh token belongs to (for signOut by refresh token), or null. */
export async function sessionOfRefreshToken(deps: Deps, refreshToken: string): Promise<{ id: string; userId: string } | null> {
  return deps.prisma.session.findUnique({ where: { refreshTokenHash: hash(refreshToken) }, select: { id: true, userId: true } });
}

export async function isSessionRevoked(deps: Pick<Services, "config" | "redis">, sessionId: string): Promise<boolean> {
  return (await deps.redis.exists(revokedKey(deps as Deps, sessionId))) === 1;
}
