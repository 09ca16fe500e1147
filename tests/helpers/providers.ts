// Helpers for the provider client tests: config pointed at a sandbox, a scratch Redis prefix, and
// a tiny scripted HTTP server for cases the sandbox does not cover.
import { deleteRedisKeys } from "../../scripts/run-data.js";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { loadConfig, type Config } from "../../src/config.js";
import { ProviderError } from "../../src/providers/errors.js";

export const SANDBOX_KEY = "sandbox-key";
export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export function randomPrefix(): string {
  return `castad_test_${randomBytes(5).toString("hex")}`;
}

/** A Config whose provider URLs point at the sandbox at `sandboxUrl`. */
export function testConfig(sandboxUrl: string, env: Record<string, string> = {}): Config {
  const u = new URL(sandboxUrl);
  return loadConfig({
    NODE_ENV: "test",
    SANDBOX: "on",
    SANDBOX_HOST: u.hostname,
    SANDBOX_PORT: u.port,
    SANDBOX_API_KEY: SANDBOX_KEY,
    REDIS_URL,
    PROVIDER_TIMEOUT_MS: "5000",
    PROVIDER_CONNECT_TIMEOUT_MS: "2000",
    PROVIDER_MAX_RETRIES: "2",
    ...env,
  });
}

/** Same config but with a different (wrong) key for every provider. */
export function withKey(config: Config, apiKey: string): Config {
  return {
    ...config,
    openai: { ...config.openai, apiKey },
    suno: { ...config.suno, apiKey },
    creatomate: { ...config.creatomate, apiKey },
  };
}

/** Runs `fn`, expects a ProviderError and returns it. */
export async function providerError(fn: () => Promise<unknown>): Promise<ProviderError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw new Error(`expected a ProviderError, got ${String(err)}`, { cause: err });
  }
  throw new Error("expected a ProviderError, but the call succeeded");
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string, n: number) => void;

/** A scripted HTTP server: `handler` gets every request with its body and a 1-based request counter. */
export async function startStub(handler: Handler): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handler(req, res, Buffer.concat(chunks).toString("utf8"), ++n));
  });
  await listen(server);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => n,
    close: () => closeServer(server),
  };
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Deletes every key under `prefix` and disconnects. */
export function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  return deleteRedisKeys(redis, `${prefix}:*`);
}

export function newRedis(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
}
