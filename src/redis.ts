// The one Redis connection factory. BullMQ needs maxRetriesPerRequest: null on its
// connections; every other key this app writes is namespaced by REDIS_PREFIX by hand
// (BullMQ cannot use ioredis' keyPrefix), so parallel test runs never collide.
import { Redis } from "ioredis";
import type { Config } from "./config.js";

export type { Redis };

export function createRedis(config: Pick<Config, "REDIS_URL">, name: string): Redis {
  return new Redis(config.REDIS_URL, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: name,
    lazyConnect: false,
  });
}

export const redisKey = (config: Pick<Config, "REDIS_PREFIX">, ...parts: string[]) =>
  [config.REDIS_PREFIX, ...parts].join(":");

/** BullMQ's own prefix option; queues live under `<prefix>:bull:<queue>:*`. */
export const bullPrefix = (config: Pick<Config, "REDIS_PREFIX">) => `${config.REDIS_PREFIX}:bull`;
