import { z } from "zod";
import type { Services } from "../services.js";
import { AppError, ErrorCode, badInput } from "../errors.js";
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from "../auth/password.js";
import { refreshSession, revokeAllSessions, revokeSession, sessionOfRefreshToken, startSession, type SessionTokens } from "../auth/sessions.js";
import type { Viewer } from "../http/context.js";
import type { User } from "../generated/prisma/client.js";
import { Prisma } from "../db/client.js";
import { parseInput } from "./validate.js";
import { beforeSignIn, beforeSignUp, signInFailed, signInSucceeded } from "../auth/sign-in-limits.js";

/** Input limits, also quoted in the schema's descriptions. */
export const AUTH_LIMITS = { email: 254, passwordMin: 8, passwordMax: 200, name: 100 } as const;

const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(AUTH_LIMITS.email, `must be at most ${AUTH_LIMITS.email} characters`)
  .pipe(z.email("must be a valid email address"));

export const SignUpInput = z.object({
  email,
  password: z
    .string()
    .min(AUTH_LIMITS.passwordMin, `must be at least ${AUTH_LIMITS.passwordMin} characters`)
    .max(AUTH_LIMITS.passwordMax, `must be at most ${AUTH_LIMITS.passwordMax} characters`),
  name: z.string().trim().max(AUTH_LIMITS.name, `must be at most ${AUTH_LIMITS.name} characters`).nullish(),
});

export const SignInInput = z.object({
  email,
  password: z.string().min(1, "is required").max(AUTH_LIMITS.passwordMax, `must be at most ${AUTH_LIMITS.passwordMax} characters`),
});

type Deps = Pick<Services, "prisma" | "config" | "redis">;

export async function signUp(deps: Deps, input: unknown, clientIp = "unknown") {
  const data = parseInput(SignUpInput, input);
  await beforeSignUp(deps, clientIp);
  const passwordHash = await hashPassword(data.password, deps.config.PASSWORD_HASH_CONCURRENCY);
  try {
    const user = await deps.prisma.user.create({
      data: { email: data.email, name: data.name || null, passwordHash },
    });
    return authPayload(await startSession(deps, user.id), user);
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw badInput("input.email", "is already registered; sign in instead");
    }
    throw err;
  }
}

export async function signIn(deps: Deps, input: unknown, clientIp = "unknown") {
  const data = parseInput(SignInInput, input);
  // Limits count wrong passwords only: an outage (Redis or the database down) throws before
  // anything is counted, so nobody is locked out by it.
  await beforeSignIn(deps, data.email, clientIp);
  const user = await deps.prisma.user.findUnique({ where: { email: data.email } });
  // Always run one scrypt so response time does not tell whether the email exists.
  const ok = await verifyPassword(data.password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE), deps.config.PASSWORD_HASH_CONCURRENCY);
  if (!user || !ok) {
    await signInFailed(deps, data.email, clientIp);
    throw new AppError(ErrorCode.UNAUTHENTICATED, "email or password is incorrect", { reason: "BAD_CREDENTIALS" });
  }
  await signInSucceeded(deps, data.email, clientIp);
  return authPayload(await startSession(deps, user.id), user);
}

export type AuthPayload = SessionTokens & { token: string; user: User };
const authPayload = (tokens: SessionTokens, user: User): AuthPayload => ({ ...tokens, token: tokens.accessToken, user });

const REFRESH_MESSAGES = {
  invalid: "the refresh token is not valid: sign in again",
  expired: "the session has expired: sign in again",
  revoked: "this session was signed out: sign in again",
  reused: "this refresh token was already used; the session has been ended for safety: sign in again",
} as const;

/** A new access token and a new refresh token for a valid refresh token (which stops working). */
export async function refresh(deps: Deps, refreshToken: string): Promise<AuthPayload> {
  const result = await refreshSession(deps, refreshToken);
  if (!result.ok) {
    throw new AppError(ErrorCode.UNAUTHENTICATED, REFRESH_MESSAGES[result.reason], { reason: result.reason === "reused" ? "REFRESH_TOKEN_REUSED" : "REFRESH_TOKEN_INVALID" });
  }
  const user = await deps.prisma.user.findUniqueOrThrow({ where: { id: result.userId } });
  return authPayload(result.tokens, user);
}

/** Ends the session of the access token used, and/or the one a refresh token belongs to. */
export async function signOut(deps: Deps, viewer: Viewer | null, refreshToken: string | null | undefined): Promise<boolean> {
  const ids = new Set<string>();
  if (viewer?.sessionId) ids.add(viewer.sessionId);
  if (refreshToken) {
    const session = await sessionOfRefreshToken(deps, refreshToken);
    if (session && (!viewer || session.userId === viewer.id)) ids.add(session.id);
  }
  if (ids.size === 0) throw new AppError(ErrorCode.UNAUTHENTICATED, "send the access token or the refresh token of the session to end", { reason: "TOKEN_MISSING" });
  for (const id of ids) await revokeSession(deps, id);
  return true;
}

export const ChangePasswordInput = z.object({
  currentPassword: z.string().min(1, "is required").max(200, "must be at most 200 characters"),
  newPassword: SignUpInput.shape.password,
});

/** Changes the password, ends every session of the user (all devices) and starts a new one. */
export async function changePassword(deps: Deps, viewer: Viewer, input: unknown): Promise<AuthPayload> {
  const data = parseInput(ChangePasswordInput, input);
  const user = await deps.prisma.user.findUniqueOrThrow({ where: { id: viewer.id } });
  // Wrong current passwords count like wrong sign-ins (keyed on the account and this user).
  const client = `user:${viewer.id}`;
  await beforeSignIn(deps, user.email, client);
  if (!(await verifyPassword(data.currentPassword, user.passwordHash, deps.config.PASSWORD_HASH_CONCURRENCY))) {
    await signInFailed(deps, user.email, client);
    throw badInput("input.currentPassword", "is not the current password");
  }
  const updated = await deps.prisma.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(data.newPassword, deps.config.PASSWORD_HASH_CONCURRENCY) } });
  await revokeAllSessions(deps, user.id);
  return authPayload(await startSession(deps, user.id), updated);
}
