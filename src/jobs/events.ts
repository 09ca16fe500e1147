// Generation events travel from whichever process changed a row (API or worker) to every
// API instance over Redis pub/sub, through yoga's pub/sub with the Redis event target.
import { createPubSub, type PubSub } from "graphql-yoga";
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import type { Config } from "../config.js";
import { createRedis, redisKey } from "../redis.js";
import type { GenerationKind, GenerationStatus } from "../generated/prisma/enums.js";

/** What is published for each stored GenerationEvent (JSON-safe). */
export interface GenerationEventMessage {
  sequence: number;
  projectId: string;
  kind: GenerationKind;
  generationId: string;
  status: GenerationStatus;
  progress: number;
  message: string | null;
  at: string;
}

type Topics = Record<string, [GenerationEventMessage]>;

export interface EventBus {
  publish(event: GenerationEventMessage): void;
  subscribe(projectId: string): AsyncIterable<GenerationEventMessage>;
  close(): Promise<void>;
}

export function createEventBus(config: Pick<Config, "REDIS_URL" | "REDIS_PREFIX">): EventBus {
  const publishClient = createRedis(config, "castad-events-pub");
  const subscribeClient = createRedis(config, "castad-events-sub");
  const pubsub: PubSub<Topics> = createPubSub<Topics>({
    eventTarget: createRedisEventTarget({ publishClient, subscribeClient }),
  });
  const topic = (projectId: string) => redisKey(config, "generation-events", projectId);
  return {
    publish: (event) => pubsub.publish(topic(event.projectId), event),
    subscribe: (projectId) => pubsub.subscribe(topic(projectId)),
    close: async () => {
      publishClient.disconnect();
      subscribeClient.disconnect();
    },
  };
}
