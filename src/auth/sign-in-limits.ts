// Limits on guessing passwords and on creating accounts, in Redis (shared by every API process).
// Only *failed passwords* count, and they count three ways:
// - per account and client IP: SIGNIN_FAILURES_PER_ACCOUNT_IP in 15 minutes, then that client
//   is refused for that account (RATE_LIMITED with retryAfterSeconds) — a stranger's guesses
//   never refuse the owner, who signs in from another address;
// - per client IP across accounts: SIGNIN_FAILURES_PER_IP, so spraying many emails meets a limit;
// - per account from anywhere: beyond SIGNIN_SLOWDOWN_AFTER failures every attempt on the account
//   waits a little longer (up to 5 s) — it slows a distributed guesser down, locks nobody out.
// An outage (Redis or the database down) fails before anything is counted.
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Config } from "../config.js";
import type { Redis } from "../redis.js";
import { redisKey } from "../redis.js";
import { AppError, ErrorCode } from "../errors.js";
import { RedisRateLimiter } from "../rate-limit.js";

type Deps = {
  redis: Redis;
  config: Pick<
    Config,
    "REDIS_PREFIX" | "SIGNIN_FAILURES_PER_ACCOUNT_IP" | "SIGNIN_FAILURES_PER_IP" | "SIGNIN_SLOWDOWN_AFTER" | "SIGNUPS_PER_IP_PER_HOUR"
  >;
};

const WINDOW_MS = 15 * 60 * 1000;
const MAX_SLOWDOWN_MS = 5_000;

const hash = (value: string) => createHash("sha256").update(value).digest("hex").slice(0, 32);
const keys = (deps: Deps, email: string, ip: string) => ({
  pair: redisKey(deps.config, "signin-failures", "pair", hash(`${email}\n${ip}`)),
  ip: redisKey(deps.config, "signin-failures", "ip", hash(ip)),
  account: redisKey(deps.config, "signin-failures", "account", hash(email)),
});

const limited = (message: string, retryMs: number) =>
  new AppError(ErrorCode.RATE_LIMITED, message, { retryAfterSeconds: Math.max(1, Math.ceil(retryMs / 1000)) });

/** Before the password is checked: refuses a client that guessed too often, slows down a
 *  much-guessed account. */
export async function beforeSignIn(deps: Deps, email: string, ip: string): Promise<void> {
  const k = keys(deps, email, ip);
  const [pair, perIp, account] = (await deps.redis.mget(k.pair, k.ip, k.account)).map((v) => Number(v ?? 0));
  if (pair! >= deps.config.SIGNIN_FAILURES_PER_ACCOUNT_IP && deps.config.SIGNIN_FAILURES_PER_ACCOUNT_IP > 0) {
    throw limited("too many wrong passwords for this email from your address; try again later", await deps.redis.pttl(k.pair));
  }
  if (perIp! >= deps.config.SIGNIN_FAILURES_PER_IP && deps.config.SIGNIN_FAILURES_PER_IP > 0) {
    throw limited("too many wrong passwords from your address; try again later", await deps.redis.pttl(k.ip));
  }
  const over = account! - deps.config.SIGNIN_SLOWDOWN_AFTER;
  if (over > 0) await sleep(Math.min(MAX_SLOWDOWN_MS, 250 * 2 ** Math.min(over - 1, 5)));
}

/** After a wrong password (and only then). */
export async function signInFailed(deps: Deps, email: string, ip: string): Promise<void> {
  const k = keys(deps, email, ip);
  const multi = deps.redis.multi();
  for (const key of [k.pair, k.ip, k.account]) multi.incr(key).pexpire(key, WINDOW_MS, "NX");
  await multi.exec();
}

/** After the right password: this client's failures for this account are forgotten. */
export async function signInSucceeded(deps: Deps, email: string, ip: string): Promise<void> {
  await deps.redis.del(keys(deps, email, ip).pair);
}

/** Account creation per client IP (sliding hour). */
export async function beforeSignUp(deps: Deps, ip: string): Promise<void> {
  const limiter = new RedisRateLimiter(deps.redis, deps.config);
  const wait = await limiter.tryAcquire(`signup:${hash(ip)}`, deps.config.SIGNUPS_PER_IP_PER_HOUR, 3600_000);
  if (wait > 0) throw limited("too many new accounts from your address; try again later", wait);
}
