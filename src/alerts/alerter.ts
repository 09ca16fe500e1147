// Operator alerts to ALERT_WEBHOOK_URL as Slack-compatible JSON ({ text }), signed with an
// HMAC-SHA256 of `<timestamp>.<body>` in `x-castad-signature: t=<timestamp>,v1=<hex>` (the
// scheme Stripe and Slack use: a receiver checks the MAC and the age). Messages name only ids,
// codes, providers and queues: never secrets, prompts, lyrics or store details.
//
// Throttling is shared through Redis so that many workers send one message, not one each:
//   - a FAILED generation: the first per error code in ALERT_GROUP_SECONDS is sent at once;
//     later ones in that window are counted and summed up when the window closes;
//   - a provider's error rate over ALERT_PROVIDER_MIN_CALLS calls, and a queue backlog past
//     ALERT_QUEUE_BACKLOG, are checked every ALERT_CHECK_SECONDS and sent at most once per
//     ALERT_REPEAT_SECONDS each.
import { createHmac } from "node:crypto";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { redisKey, type Redis } from "../redis.js";

export interface AlertMessage {
  text: string;
  /** Machine-readable summary for receivers that are not chat tools. */
  castad: { alert: "generation_failed" | "provider_error_rate" | "queue_backlog"; [key: string]: unknown };
}

export function signAlert(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export interface Alerter {
  generationFailed(kind: string, generationId: string, errorCode: string): Promise<void>;
  /** Sends at most once per key per ALERT_REPEAT_SECONDS (across processes). */
  once(key: string, message: AlertMessage): Promise<void>;
  close(): void;
}

type AlertConfig = Pick<
  Config,
  "ALERT_WEBHOOK_URL" | "ALERT_GROUP_SECONDS" | "ALERT_REPEAT_SECONDS" | "REDIS_PREFIX" | "alertSecret"
>;

export function createAlerter(config: AlertConfig, redis: Redis, log: Logger): Alerter {
  const url = config.ALERT_WEBHOOK_URL;
  const timers = new Set<NodeJS.Timeout>();
  const send = async (message: AlertMessage) => {
    if (!url) return;
    const body = JSON.stringify(message);
    const signature = signAlert(config.alertSecret, body, Math.floor(Date.now() / 1000));
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-castad-signature": signature },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) log.warn({ status: res.status, alert: message.castad.alert }, "alert webhook refused the alert");
    } catch (err) {
      log.warn({ err: String((err as Error)?.message ?? err), alert: message.castad.alert }, "could not deliver an alert");
    }
  };
  const key = (...parts: string[]) => redisKey(config, "alerts", ...parts);
  const groupMs = config.ALERT_GROUP_SECONDS * 1000;

  return {
    async generationFailed(kind, generationId, errorCode) {
      if (!url) return;
      const gate = key("failed", errorCode);
      const first = await redis.set(gate, "1", "PX", groupMs, "NX");
      if (first !== "OK") {
        await redis.multi().incr(key("failed", errorCode, "more")).pexpire(key("failed", errorCode, "more"), groupMs * 3).exec();
        return;
      }
      await send({
        text: `castad: a ${kind.toLowerCase()} generation FAILED with ${errorCode} (generation ${generationId}).`,
        castad: { alert: "generation_failed", kind, errorCode, generationIds: [generationId] },
      });
      // The process that opened the window sums up the rest of it when it closes.
      const timer = setTimeout(() => {
        timers.delete(timer);
        void (async () => {
          const more = Number((await redis.getdel(key("failed", errorCode, "more"))) ?? 0);
          if (more > 0) {
            await send({
              text: `castad: ${more} more generation${more === 1 ? "" : "s"} FAILED with ${errorCode} in the last ${config.ALERT_GROUP_SECONDS} s.`,
              castad: { alert: "generation_failed", errorCode, count: more },
            });
          }
        })().catch((err: unknown) => log.warn({ err }, "could not sum up failed generations"));
      }, groupMs);
      timer.unref();
      timers.add(timer);
    },
    async once(name, message) {
      if (!url) return;
      if ((await redis.set(key("once", name), "1", "EX", Math.max(1, config.ALERT_REPEAT_SECONDS), "NX")) !== "OK") return;
      await send(message);
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
