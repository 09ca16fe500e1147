import { z } from "zod";
import type { Services } from "../context.js";
import { AppError, ErrorCode, badInput } from "../errors.js";
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from "../auth/password.js";
import { issueToken } from "../auth/tokens.js";
import { Prisma } from "../db/client.js";
import { parseInput } from "./validate.js";
import { createHash } from "node:crypto";
import { RedisRateLimiter } from "../providers/rate-limit.js";

const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, "must be at most 254 characters")
  .pipe(z.email("must be a valid email address"));

export const SignUpInput = z.object({
  email,
  password: z.string().min(8, "must be at least 8 characters").max(200, "must be at most 200 characters"),
  name: z.string().trim().max(100, "must be at most 100 characters").nullish(),
});

export const SignInInput = z.object({
  email,
  password: z.string().min(1, "is required").max(200, "must be at most 200 characters"),
});

type Deps = Pick<Services, "prisma" | "config" | "redis">;

const SIGNIN_WINDOW_MS = 15 * 60 * 1000;

/** Slows password guessing: a bounded number of sign-in attempts per email address. */
async function limitSignIn(deps: Deps, email: string) {
  const limiter = new RedisRateLimiter(deps.redis, deps.config);
  const key = `signin:${createHash("sha256").update(email).digest("hex").slice(0, 32)}`;
  const waitMs = await limiter.tryAcquire(key, deps.config.SIGNIN_ATTEMPTS_PER_15MIN, SIGNIN_WINDOW_MS);
  if (waitMs > 0) {
    throw new AppError(ErrorCode.RATE_LIMITED, `too many sign-in attempts for this email; try again in ${Math.ceil(waitMs / 60_000)} minute(s)`, {
      retryAfterSeconds: Math.ceil(waitMs / 1000),
    });
  }
}

export async function signUp(deps: Deps, input: unknown) {
  const data = parseInput(SignUpInput, input);
  const passwordHash = await hashPassword(data.password);
  try {
    const user = await deps.prisma.user.create({
      data: { email: data.email, name: data.name || null, passwordHash },
    });
    return { token: await issueToken(deps.config, user.id), user };
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw badInput("input.email", "is already registered; sign in instead");
    }
    throw err;
  }
}

export async function signIn(deps: Deps, input: unknown) {
  const data = parseInput(SignInInput, input);
  await limitSignIn(deps, data.email);
  const user = await deps.prisma.user.findUnique({ where: { email: data.email } });
  // Always run one scrypt so response time does not tell whether the email exists.
  const ok = await verifyPassword(data.password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE));
  if (!user || !ok) throw new AppError(ErrorCode.UNAUTHENTICATED, "email or password is incorrect");
  return { token: await issueToken(deps.config, user.id), user };
}
