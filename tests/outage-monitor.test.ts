// The outage monitor's verdicts, with checks the test controls: one probe without an answer in
// time is a slow moment, two in a row are an outage, a refused connection is one at once.
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createOutageMonitor, type OutageMonitor } from "../src/outages.js";
import { waitFor } from "./helpers/pipeline-tools.js";

const never = () => new Promise<never>(() => {});
const refused = () => Promise.reject(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }));

/** A monitor probing every 50 ms (so a probe times out after 500 ms) whose database check answers
 *  as `answers` says, call by call (the last answer repeats); Redis always answers. */
function monitor(answers: (() => Promise<unknown>)[]) {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: "info" }, new Writable({ write: (c: Buffer, _e, cb) => (lines.push(JSON.parse(c.toString()) as Record<string, unknown>), cb()) }));
  let calls = 0;
  const m = createOutageMonitor({
    log,
    where: { database: "db:5432/castad", redis: "redis:6379" },
    checks: { database: () => answers[Math.min(calls++, answers.length - 1)]!(), redis: async () => "PONG" },
    intervalMs: 50,
  });
  return { m, lines, calls: () => calls, errors: () => lines.filter((l) => Number(l["level"]) >= 50).map((l) => l["msg"]) };
}

let open: OutageMonitor | undefined;
afterEach(() => open?.close());

describe("outage monitor", () => {
  it("does not call one slow answer an outage", async () => {
    const t = monitor([never, async () => 1]);
    open = t.m;
    await waitFor("two probes after the slow one", () => t.calls() >= 3);
    expect(t.errors()).toEqual([]);
    expect(t.m.isDown("database")).toBe(false);
  });

  it("calls two slow answers in a row an outage, once, and says when it is back", async () => {
    const t = monitor([never, never, never, async () => 1]);
    open = t.m;
    await waitFor("the recovery line", () => t.lines.some((l) => String(l["msg"]).startsWith("PostgreSQL is back")));
    expect(t.errors()).toEqual(["PostgreSQL is unavailable at db:5432/castad (no answer within 500 ms); retrying"]);
  });

  it("calls a refused connection an outage at the first probe", async () => {
    // The probe after it answers: only a verdict at the first failure logs anything.
    const t = monitor([refused, async () => 1]);
    open = t.m;
    await waitFor("the recovery line", () => t.lines.some((l) => String(l["msg"]).startsWith("PostgreSQL is back")));
    expect(t.errors()).toEqual(["PostgreSQL is unavailable at db:5432/castad (ECONNREFUSED); retrying"]);
  });
});
