// Operator alerts to a local receiver: failed generations (a sandbox fault) grouped per error
// code, a provider's error rate (real 500s from the sandbox), and a queue backlog. Every
// message is signed and carries ids and codes only.
import { createHmac, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "../helpers/app.js";
import { startStack, projectWithPhotos, watchEvents, type Stack } from "../helpers/pipeline.js";
import { globalId } from "../helpers/pipeline-tools.js";
import { startReceiver, type Received, type Receiver } from "../helpers/receiver.js";
import { startAlertChecks } from "../../src/alerts/checks.js";

const SECRET = "alert-test-secret";
const alertOf = (r: Received) => (r.body as { castad?: { alert?: string; errorCode?: string; count?: number; provider?: string; queue?: string } }).castad ?? {};

function verified(r: Received): boolean {
  const header = String(r.headers["x-castad-signature"] ?? "");
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  return Boolean(m && createHmac("sha256", SECRET).update(`${m[1]}.${r.raw}`).digest("hex") === m[2]);
}

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver?.close());

const alertEnv = () => ({ ALERT_WEBHOOK_URL: `${receiver.url}/alerts`, ALERT_WEBHOOK_SECRET: SECRET, ALERT_CHECK_SECONDS: "3600" });

describe("failure and provider alerts", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { ...alertEnv(), ALERT_GROUP_SECONDS: "5", ALERT_PROVIDER_MIN_CALLS: "3" } });
  });
  afterAll(() => stack?.close());

  async function failingSong(storeName: string) {
    const p = await projectWithPhotos(stack, { photos: 0, storeName });
    const lyric = await stack.api.app.services.prisma.lyric.create({
      data: { projectId: p.rowId, language: "EN", status: "COMPLETED", progress: 100, title: "T", text: "secret lyric words" },
    });
    const watch = await watchEvents(stack, p.rowId);
    const res = await stack.api.gql<{ generateSong: { id: string } }>(
      `mutation($p: ID!, $l: ID, $i: GenerateSongInput) { generateSong(projectId: $p, lyricId: $l, input: $i) { id } }`,
      { p: p.projectId, l: globalId("Lyric", lyric.id), i: { style: "pop [sandbox:suno:status=SENSITIVE_WORD_ERROR]" } },
      p.user.token,
    );
    expect(res.errors).toBeUndefined();
    const id = Buffer.from(res.data!.generateSong.id, "base64").toString().split(":")[1]!;
    const final = await watch.until((e) => e.generationId === id && e.status === "FAILED");
    await watch.stop();
    return { id, code: final.message };
  }

  it("one message per error code at once, the rest summed up when the window closes; signed; ids and codes only", async () => {
    // Both at once, so that both fail within one grouping window.
    const [first, second] = await Promise.all([failingSong("Private Bakery Name"), failingSong("Another Private Name")]);
    const failed = (r: Received) => alertOf(r).alert === "generation_failed";
    const [now] = await receiver.waitForCount((r) => failed(r) && !alertOf(r).count, 1);
    const code = alertOf(now!).errorCode!;
    expect(code).toBe("SUNO_SENSITIVE_WORD");
    expect([first.id, second.id].some((id) => JSON.stringify(now!.body).includes(id))).toBe(true);
    const summary = await receiver.waitFor((r) => failed(r) && alertOf(r).count !== undefined);
    expect(alertOf(summary)).toMatchObject({ errorCode: code, count: 1 });
    expect(receiver.received.filter((r) => failed(r) && !alertOf(r).count && alertOf(r).errorCode === code)).toHaveLength(1);
    for (const r of receiver.received.filter(failed)) {
      expect(verified(r)).toBe(true);
      expect(typeof (r.body as { text?: unknown }).text).toBe("string");
      expect(r.raw).not.toMatch(/Private|secret lyric|sandbox|pop/);
    }
  });

  it("a provider failing past the error-rate threshold is reported once", async () => {
    const workers = stack.api.app.workers!;
    await workers.checkAlerts(); // the interval starts now
    const p = await projectWithPhotos(stack, { photos: 1, storeName: "Deli [sandbox:suno:fail=500x3]" });
    const watch = await watchEvents(stack, p.rowId);
    await stack.api.gql(`mutation($p: ID!) { generateAd(projectId: $p) { song { id } } }`, { p: p.projectId }, p.user.token);
    await watch.until((e) => e.kind === "SONG" && e.status === "FAILED");
    await watch.stop();
    await workers.checkAlerts();
    const alert = await receiver.waitFor((r) => alertOf(r).alert === "provider_error_rate");
    expect(alertOf(alert)).toMatchObject({ provider: "suno" });
    expect(verified(alert)).toBe(true);
    await workers.checkAlerts();
    expect(receiver.received.filter((r) => alertOf(r).alert === "provider_error_rate")).toHaveLength(1);
  });
});

describe("queue backlog alert", () => {
  let api: TestApi;
  beforeAll(async () => {
    // An API without workers: jobs stay waiting.
    api = await startTestApi({ env: { ...alertEnv(), ALERT_QUEUE_BACKLOG: "2" } });
  });
  afterAll(() => api?.close());

  it("reports a queue at or past ALERT_QUEUE_BACKLOG once per repeat interval", async () => {
    const services = api.app.services;
    const checks = startAlertChecks(services, services.alerts);
    try {
      await services.jobs.enqueue("LYRIC", randomUUID(), 1);
      await checks.check();
      expect(receiver.received.filter((r) => alertOf(r).alert === "queue_backlog")).toHaveLength(0);
      await services.jobs.enqueue("LYRIC", randomUUID(), 1);
      await checks.check();
      const alert = await receiver.waitFor((r) => alertOf(r).alert === "queue_backlog");
      expect(alertOf(alert)).toMatchObject({ queue: "lyric" });
      expect(verified(alert)).toBe(true);
      await checks.check();
      expect(receiver.received.filter((r) => alertOf(r).alert === "queue_backlog")).toHaveLength(1);
    } finally {
      checks.stop();
    }
  });
});
