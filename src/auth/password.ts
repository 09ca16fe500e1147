// scrypt from node:crypto: memory-hard, no native addon to build. Stored as
// `scrypt$N$r$p$salt$hash` so parameters can be raised later without breaking old hashes.
// Hashes run through a small gate (`concurrency` at a time per process, a bounded queue behind
// it): a burst of sign-ups then takes one core and one libuv thread, not all of them, so other
// requests (file reads, DNS, zlib share that pool) keep their latency. A full queue is
// RATE_LIMITED rather than an ever-longer wait.
import { AppError, ErrorCode } from "../errors.js";
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";

const N = 16384;
const R = 8;
const P = 1;
const KEY_LEN = 64;

const MAX_QUEUED = 100;
let running = 0;
const queue: (() => void)[] = [];

async function gated<T>(concurrency: number, fn: () => Promise<T>): Promise<T> {
  if (running >= Math.max(1, concurrency)) {
    if (queue.length >= MAX_QUEUED) throw new AppError(ErrorCode.RATE_LIMITED, "too many sign-ins at once; try again in a moment", { retryAfterSeconds: 2 });
    await new Promise<void>((resolve) => queue.push(resolve));
  } else {
    running++;
  }
  try {
    return await fn();
  } finally {
    const next = queue.shift();
    if (next) next(); // the slot passes on
    else running--;
  }
}

function scrypt(password: string, salt: Buffer, keyLen: number, opts: ScryptOptions, concurrency = 1): Promise<Buffer> {
  return gated(
    concurrency,
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scryptCb(password.normalize("NFKC"), salt, keyLen, opts, (err, key) => (err ? reject(err) : resolve(key))),
      ),
  );
}

export async function hashPassword(password: string, concurrency = 1): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LEN, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 }, concurrency);
  return ["scrypt", N, R, P, salt.toString("base64"), key.toString("base64")].join("$");
}

export async function verifyPassword(password: string, stored: string, concurrency = 1): Promise<boolean> {
  const [alg, n, r, p, saltB64, keyB64] = stored.split("$");
  if (alg !== "scrypt" || !n || !r || !p || !saltB64 || !keyB64) return false;
  const expected = Buffer.from(keyB64, "base64");
  const key = await scrypt(password, Buffer.from(saltB64, "base64"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  }, concurrency);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of a random password: verifying against it costs the same as a real check, so a
 *  sign-in for an unknown email takes as long as one with a wrong password. */
export const DUMMY_HASH_PROMISE = hashPassword(randomBytes(16).toString("hex"));
