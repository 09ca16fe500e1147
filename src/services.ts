// Builds the long-lived services of one process and tears them down in reverse order.
import type { Config } from "./config.js";
import type { Services } from "./context.js";
import { createPrisma } from "./db/client.js";
import type { Logger } from "./logger.js";
import { createRedis } from "./redis.js";
import { BlobStorage } from "./storage/blob-storage.js";
import { createQueues } from "./jobs/queues.js";
import { createEventBus } from "./jobs/events.js";

export interface ServiceOptions {
  config: Config;
  log: Logger;
  /** API and worker use separately sized Postgres pools. */
  poolMax: number;
  onQuery?: (sql: string) => void;
}

export interface OwnedServices extends Services {
  close(): Promise<void>;
}

export async function createServices({ config, log, poolMax, onQuery }: ServiceOptions): Promise<OwnedServices> {
  const prisma = createPrisma({ url: config.DATABASE_URL, poolMax, ...(onQuery ? { onQuery } : {}) });
  const redis = createRedis(config, "castad-main");
  const jobs = createQueues(config);
  const events = createEventBus(config);
  const close = async () => {
    await jobs.close();
    await events.close();
    await prisma.$disconnect();
    redis.disconnect();
  };
  try {
    const storage = await BlobStorage.connect(config);
    return { config, log, prisma, redis, storage, jobs, events, close };
  } catch (err) {
    await close();
    throw err;
  }
}
