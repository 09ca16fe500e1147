// The long-lived services of one process (the Services type), built once and torn down in
// reverse order.
import type { Config } from "./config.js";
import { createPrisma } from "./db/client.js";
import type { Logger } from "./logger.js";
import { createRedis } from "./redis.js";
import { BlobStorage } from "./storage/blob-storage.js";
import { createQueues } from "./jobs/queues.js";
import type { Redis } from "./redis.js";
import type { PrismaClient } from "./db/client.js";
import { createEventBus, type EventBus } from "./events/bus.js";
import type { JobQueues } from "./jobs/queues.js";
import { createTemplateCatalog, type TemplateCatalog } from "./providers/templates.js";
import { createMetrics, type Metrics } from "./metrics/registry.js";
import { observeProviderCalls } from "./metrics/provider-calls.js";
import { queuesPrometheusText } from "./metrics/bullmq-text.js";
import { createAlerter, type Alerter } from "./alerts/alerter.js";
import { createOutageMonitor, isConnectionError, whereOf, type OutageMonitor } from "./outages.js";

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
  /** The account's Creatomate templates, described and cached (videoTemplates, template checks). */
  templates: TemplateCatalog;
  /** Logs a PostgreSQL or Redis outage once, and its end; tells others to stay quiet meanwhile. */
  outages: OutageMonitor;
  /** Operator alerts (ALERT_WEBHOOK_URL); does nothing when unset. */
  alerts: Alerter;
  /** This process's Prometheus registry and castad's metric families (served on /metrics). */
  metrics: Metrics;
}

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
  const prisma = createPrisma({ url: config.DATABASE_URL, poolMax, prepared: config.DB_PREPARED_STATEMENTS, onQuery });
  const redis = createRedis(config, "castad-main", { failFast: true });
  const metrics = createMetrics((err) => log.warn({ err }, "could not read the queues' metrics"));
  const outages = createOutageMonitor({
    log,
    where: { database: whereOf(config.DATABASE_URL), redis: config.REDIS_CLUSTER_NODES ? `cluster ${config.REDIS_CLUSTER_NODES}` : whereOf(config.REDIS_URL) },
    checks: { database: () => prisma.$queryRaw`SELECT 1`, redis: () => redis.ping() },
    intervalMs: config.OUTAGE_PROBE_MS,
  });
  const jobs = createQueues(config, (err) => (isConnectionError(err) ? outages.report("redis", err) : log.warn({ err }, "queue error")));
  const events = createEventBus(config, {
    onMessage: (event) => metrics.eventLag.observe(Math.max(0, Date.now() - Date.parse(event.at)) / 1000),
  });
  metrics.countListeners(() => events.stats().listeners);
  metrics.addSource(() => queuesPrometheusText(Object.values(jobs.queues)));
  const stopObserving = observeProviderCalls(config, metrics);
  const alerts = createAlerter(config, redis, log);
  const templates = createTemplateCatalog(config, redis);
  const close = async () => {
    await templates.close();
    alerts.close();
    outages.close();
    stopObserving();
    await jobs.close();
    await events.close();
    await prisma.$disconnect();
    redis.disconnect();
  };
  try {
    const storage = await BlobStorage.connect(config);
    return { config, log, prisma, redis, storage, jobs, events, templates, metrics, outages, alerts, close };
  } catch (err) {
    await close();
    throw err;
  }
}
