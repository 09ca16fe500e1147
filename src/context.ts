// What every resolver receives: the process-wide services plus who is asking.
import type { Config } from "./config.js";
import type { PrismaClient } from "./db/client.js";
import type { Logger } from "./logger.js";
import type { Redis } from "./redis.js";
import type { JobQueues } from "./jobs/queues.js";
import type { EventBus } from "./jobs/events.js";
import type { BlobStorage } from "./storage/blob-storage.js";
import type { Loaders } from "./loaders/index.js";
import { unauthenticated } from "./errors.js";

/** Long-lived services shared by all requests of one process. */
export interface Services {
  config: Config;
  prisma: PrismaClient;
  storage: BlobStorage;
  log: Logger;
  /** General-purpose connection (caches, rate limits, health); BullMQ and pub/sub have their own. */
  redis: Redis;
  /** Enqueues generation jobs (API mutations, worker chaining, webhooks waking jobs). */
  jobs: JobQueues;
  /** Publishes and receives generation events across processes. */
  events: EventBus;
}

export interface Viewer {
  id: string;
}

export interface Context {
  services: Services;
  viewer: Viewer | null;
  /** Why a presented token was not accepted; lets errors say "expired" instead of "sign in". */
  authFailure: "expired" | "invalid" | null;
  loaders: Loaders;
}

export function requireViewer(ctx: Pick<Context, "viewer" | "authFailure">): Viewer {
  if (ctx.viewer) return ctx.viewer;
  if (ctx.authFailure === "expired") throw unauthenticated("your session has expired: sign in again");
  if (ctx.authFailure === "invalid") throw unauthenticated("the bearer token is not valid: sign in again");
  throw unauthenticated();
}
