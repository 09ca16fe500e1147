// One Prometheus registry per process (per app in tests, so two apps in one test process never
// share counters), with castad's own families. Everything that counts something holds this object
// (services.metrics); `/metrics` on the API and on the worker's probe server renders it.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** Extra text in the Prometheus exposition format appended to the registry's (BullMQ's own
 *  `Queue.exportPrometheusMetrics`, which prom-client cannot register). */
export type TextSource = () => Promise<string>;

/** Reads a monotonically increasing in-memory counter (e.g. a client's stats()) at scrape time. */
type Reading = () => Record<string, number>;

const STEP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const GENERATION_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

/** `onSourceError`: a text source (BullMQ's export) failed; the rest is still served. */
export function createMetrics(onSourceError: (err: unknown) => void = () => {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const sources: TextSource[] = [];
  const registers = [registry];

  const stepDuration = new Histogram({
    name: "castad_step_duration_seconds",
    help: "One run of a generation job step (until it finishes, parks waiting for a provider, or fails)",
    labelNames: ["kind", "result"] as const,
    buckets: STEP_BUCKETS,
    registers,
  });
  const generationDuration = new Histogram({
    name: "castad_generation_duration_seconds",
    help: "End-to-end time of a generation, from creation to its final status",
    labelNames: ["kind", "status"] as const,
    buckets: GENERATION_BUCKETS,
    registers,
  });
  const generations = new Counter({
    name: "castad_generations_finished_total",
    help: "Generations that reached a final status, by error code (empty when COMPLETED)",
    labelNames: ["kind", "status", "error_code"] as const,
    registers,
  });
  const providerRequests = new Counter({
    name: "castad_provider_requests_total",
    help: "HTTP requests to a provider API by response class (2xx, 4xx, 429, 5xx, error)",
    labelNames: ["provider", "outcome"] as const,
    registers,
  });
  const providerLatency = new Histogram({
    name: "castad_provider_request_duration_seconds",
    help: "Time to the response headers of a provider API request",
    labelNames: ["provider"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const providerErrors = new Counter({
    name: "castad_provider_errors_total",
    help: "Provider errors that reached a job step, by code (credits: PROVIDER_QUOTA_EXCEEDED and *_CREDITS codes)",
    labelNames: ["provider", "code"] as const,
    registers,
  });
  const eventLag = new Histogram({
    name: "castad_event_bus_lag_seconds",
    help: "From a generation event being written to it reaching a listener in this process",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers,
  });

  /** A counter that mirrors an in-memory counter read at scrape time. */
  const mirrored = (name: string, help: string, labelNames: readonly string[], read: () => { labels: Record<string, string>; value: number }[]) =>
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const { labels, value } of read()) this.inc(labels, value);
      },
    });

  const readings = { rateLimiter: [] as Reading[], templateCache: [] as Reading[] };
  const sum = (list: Reading[], key: string) => list.reduce((n, r) => n + (r()[key] ?? 0), 0);
  mirrored("castad_rate_limiter_waits_total", "Times a provider call waited for the shared rate limiter", [], () => [
    { labels: {}, value: sum(readings.rateLimiter, "waited") },
  ]);
  mirrored("castad_rate_limiter_wait_seconds_total", "Time provider calls spent waiting for the shared rate limiter", [], () => [
    { labels: {}, value: sum(readings.rateLimiter, "waitedMs") / 1000 },
  ]);
  mirrored("castad_template_cache_requests_total", "Creatomate template lookups by result (local and Redis tiers)", ["tier", "result"], () =>
    ["localHits", "localMisses", "redisHits", "redisMisses"].map((key) => ({
      labels: { tier: key.startsWith("local") ? "local" : "redis", result: key.endsWith("Hits") ? "hit" : "miss" },
      value: sum(readings.templateCache, key),
    })),
  );

  let listenerCount: () => number = () => 0;
  new Gauge({
    name: "castad_subscriptions_open",
    help: "Open generation subscriptions (event bus listeners) in this process",
    registers,
    collect() {
      this.set(listenerCount());
    },
  });

  return {
    registry,
    stepDuration,
    generationDuration,
    generations,
    providerRequests,
    providerLatency,
    providerErrors,
    eventLag,
    /** Where the open-subscription gauge reads from (the event bus). */
    countListeners(fn: () => number) {
      listenerCount = fn;
    },
    /** Mirrors a rate limiter's and a template cache's stats() (the worker's providers). */
    watchProviders(p: { rateLimiter: { stats(): { waited: number; waitedMs: number } }; templateCache: { stats(): { local: { hits: number; misses: number }; redis: { hits: number; misses: number } } } }) {
      readings.rateLimiter.push(() => p.rateLimiter.stats());
      readings.templateCache.push(() => {
        const s = p.templateCache.stats();
        return { localHits: s.local.hits, localMisses: s.local.misses, redisHits: s.redis.hits, redisMisses: s.redis.misses };
      });
    },
    addSource(source: TextSource) {
      sources.push(source);
    },
    contentType: registry.contentType,
    async text(): Promise<string> {
      const parts = [await registry.metrics()];
      for (const source of sources) {
        parts.push(
          await source().catch((err: unknown) => {
            onSourceError(err);
            return "";
          }),
        );
      }
      return parts.filter(Boolean).join("\n") + "\n";
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
