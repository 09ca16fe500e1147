// Periodic alert checks of a worker process: one provider's error rate (from this process's
// provider call counters, over the last interval) and each stage queue's backlog.
import type { Services } from "../services.js";
import type { Alerter } from "./alerter.js";
import { KINDS, STAGES } from "../generations/stages.js";

type Counts = Map<string, { calls: number; errors: number }>;

async function providerCounts(services: Pick<Services, "metrics">): Promise<Counts> {
  const counts: Counts = new Map();
  for (const v of (await services.metrics.providerRequests.get()).values) {
    const provider = String(v.labels["provider"]);
    const c = counts.get(provider) ?? { calls: 0, errors: 0 };
    c.calls += v.value;
    if (v.labels["outcome"] !== "2xx" && v.labels["outcome"] !== "4xx") c.errors += v.value;
    counts.set(provider, c);
  }
  return counts;
}

export function startAlertChecks(services: Services, alerter: Alerter): { check(): Promise<void>; stop(): void } {
  const { config } = services;
  let previous: Counts = new Map();
  const check = async () => {
    const now = await providerCounts(services);
    for (const [provider, c] of now) {
      const before = previous.get(provider) ?? { calls: 0, errors: 0 };
      const calls = c.calls - before.calls;
      const errors = c.errors - before.errors;
      if (calls >= config.ALERT_PROVIDER_MIN_CALLS && errors / calls >= config.ALERT_PROVIDER_ERROR_RATE) {
        const pct = Math.round((errors / calls) * 100);
        await services.alerts.once(`provider:${provider}`, {
          text: `castad: ${provider} is failing: ${errors} of ${calls} calls (${pct}%) failed (5xx, 429 or no answer) in the last ${config.ALERT_CHECK_SECONDS} s.`,
          castad: { alert: "provider_error_rate", provider, calls, errors },
        });
      }
    }
    previous = now;
    for (const kind of KINDS) {
      const queue = STAGES[kind].queue;
      const counts = await services.jobs.queues[kind].getJobCounts("waiting", "prioritized");
      const backlog = (counts["waiting"] ?? 0) + (counts["prioritized"] ?? 0);
      if (config.ALERT_QUEUE_BACKLOG > 0 && backlog >= config.ALERT_QUEUE_BACKLOG) {
        await services.alerts.once(`backlog:${queue}`, {
          text: `castad: the ${queue} queue has ${backlog} jobs waiting (limit ${config.ALERT_QUEUE_BACKLOG}); add workers or check the provider.`,
          castad: { alert: "queue_backlog", queue: queue, waiting: backlog },
        });
      }
    }
  };
  const timer = setInterval(() => void check().catch((err: unknown) => services.log.warn({ err }, "alert check failed")), config.ALERT_CHECK_SECONDS * 1000);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
