// The one Redis connection factory. BullMQ needs maxRetriesPerRequest: null on its
// connections; every other key this app writes is namespaced by REDIS_PREFIX by hand
// (BullMQ cannot use ioredis' keyPrefix), so parallel test runs never collide.
//
// With REDIS_CLUSTER_NODES every connection is an ioredis Cluster. BullMQ's Lua scripts touch
// several keys of a queue at once, which a cluster allows only within one hash slot: the BullMQ
// prefix is then a hash tag ({prefix}), so each queue's keys share a slot. castad's own keys are
// used one at a time (or in a one-key script) and spread over the cluster as they are.
import { Cluster, Redis as SingleRedis } from "ioredis";
import type { Config } from "./config.js";

export type Redis = SingleRedis | Cluster;

type RedisConfig = Pick<Config, "REDIS_URL" | "REDIS_CLUSTER_NODES">;

/** `host:port,host:port` (or redis:// URLs) → cluster start-up nodes. */
export function clusterNodes(spec: string): { host: string; port: number }[] {
  return spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const url = new URL(s.includes("://") ? s : `redis://${s}`);
      return { host: url.hostname, port: Number(url.port || 6379) };
    });
}

export interface RedisOptions {
  /** For request-path connections (API, queue producer, publisher): while Redis is down a
   *  command fails after one reconnect attempt or a second instead of waiting for Redis to
   *  return, so callers answer SERVICE_UNAVAILABLE at once. BullMQ workers and the
   *  subscriber keep waiting (they resume by themselves). */
  failFast?: boolean;
}

export function createRedis(config: RedisConfig, name: string, opts: RedisOptions = {}): Redis {
  const options = {
    maxRetriesPerRequest: opts.failFast ? 1 : null,
    ...(opts.failFast ? { commandTimeout: 1_000 } : {}),
    enableReadyCheck: true,
    connectionName: name,
    lazyConnect: false,
  };
  const client: Redis = config.REDIS_CLUSTER_NODES
    ? new Cluster(clusterNodes(config.REDIS_CLUSTER_NODES), { redisOptions: options, enableReadyCheck: true })
    : new SingleRedis(config.REDIS_URL, options);
  // ioredis prints every failed reconnect of every connection when nobody listens; the outage
  // monitor (outages.ts) reports a Redis outage once, and its end.
  client.on("error", () => {});
  return client;
}

export const redisKey = (config: Pick<Config, "REDIS_PREFIX">, ...parts: string[]) =>
  [config.REDIS_PREFIX, ...parts].join(":");

/** BullMQ's own prefix option; queues live under `<prefix>:bull:<queue>:*` — on a cluster
 *  `{<prefix>:bull}:<queue>:*`, one hash slot for all of castad's queues. */
export const bullPrefix = (config: Pick<Config, "REDIS_PREFIX" | "REDIS_CLUSTER_NODES">) =>
  config.REDIS_CLUSTER_NODES ? `{${config.REDIS_PREFIX}:bull}` : `${config.REDIS_PREFIX}:bull`;
