// The replay/live merge on its own (no GraphQL): a consumer that falls behind gets every
// event, in order, from the database, while the server buffers at most maxBuffer for it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOSED, OVERFLOW } from "../../src/events/bus.js";
import { transition } from "../../src/generations/history.js";
import { generationUpdates } from "../../src/subscriptions/generation-updates.js";
import { PUSH_NEXT, type PushNext } from "../../src/subscriptions/push-next.js";
import { correlationFrom, currentCorrelation, withCorrelation } from "../../src/correlation.js";
import type { GenerationEventMessage } from "../../src/events/message.js";
import { startStack, type Stack } from "../helpers/pipeline.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ role: "api" });
});
afterAll(() => stack?.close());

async function processingLyric() {
  const { prisma } = stack.api.app.services;
  const user = await prisma.user.create({ data: { email: `slow-${Date.now()}-${Math.random()}@example.com`, passwordHash: "x" } });
  const project = await prisma.project.create({ data: { ownerId: user.id, storeName: "Slow" } });
  const lyric = await prisma.lyric.create({ data: { projectId: project.id, language: "EN", status: "PROCESSING" } });
  return { project, lyric };
}

describe("generationUpdates", () => {
  it("a slow consumer misses nothing and the server buffers at most maxBuffer events for it", async () => {
    const services = stack.api.app.services;
    const { project, lyric } = await processingLyric();
    const updates = await generationUpdates({ prisma: services.prisma, events: services.events, log: services.log, maxBuffer: 3 }, project.id, 0);
    // A second, unbounded listener tells when all events reached this process.
    const probe = await services.events.listen(project.id, 1_000);
    const bufferedListener = () => services.events.stats();
    for (let i = 1; i <= 25; i++) {
      await transition(services, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: i }, message: `step ${i}` });
    }
    for (let seen = 0; seen < 25; ) {
      const d = await probe.next();
      if (d !== OVERFLOW && d !== CLOSED) seen++;
    }
    await probe.close();
    expect(bufferedListener().listeners).toBe(1);
    const received: number[] = [];
    while (received.length < 25) received.push((await updates.next()).value!.sequence);
    await updates.return!();
    expect(received).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(services.events.stats().listeners).toBe(0);
  });

  it("fills a gap from the database when a live event is lost", async () => {
    const services = stack.api.app.services;
    const { project, lyric } = await processingLyric();
    const updates = await generationUpdates({ prisma: services.prisma, events: services.events, log: services.log, maxBuffer: 100 }, project.id, 0);
    await transition(services, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: 1 }, message: "first" });
    expect((await updates.next()).value!.sequence).toBe(1);
    // The stream is now live. Two events are committed but never published (as when a
    // publisher dies between commit and publish); the next published one reveals the gap.
    const pending = updates.next();
    const silent = { ...services, events: { ...services.events, publish: () => {} } };
    await transition(silent, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: 2 }, message: "lost 2" });
    await transition(silent, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: 3 }, message: "lost 3" });
    await transition(services, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: 4 }, message: "published" });
    const got = [(await pending).value!, (await updates.next()).value!, (await updates.next()).value!];
    await updates.return!();
    expect(got.map((e) => [e.sequence, e.message])).toEqual([
      [2, "lost 2"],
      [3, "lost 3"],
      [4, "published"],
    ]);
  });

  it("hands live events to a callback straight from the bus, and fills a gap in the subscription's own context", async () => {
    const services = stack.api.app.services;
    const { project, lyric } = await processingLyric();
    const catchUps: { reason: unknown; requestId: string | undefined }[] = [];
    const log = { debug: (fields: { reason?: unknown }) => void catchUps.push({ reason: fields.reason, requestId: currentCorrelation()?.requestId }) };
    const subscription = correlationFrom("subscription-7", null);
    const updates = (await withCorrelation(subscription, () =>
      generationUpdates({ prisma: services.prisma, events: services.events, log, maxBuffer: 100 }, project.id, 0),
    )) as AsyncIterableIterator<GenerationEventMessage> & PushNext<GenerationEventMessage>;
    const received: { sequence: number; message: string | null }[] = [];
    let fourth!: () => void;
    const allFour = new Promise<void>((resolve) => (fourth = resolve));
    let synchronous = 0;
    const take = () => {
      let inCall = true;
      updates[PUSH_NEXT]((step) => {
        if (inCall) synchronous++;
        if (step.done) return;
        received.push({ sequence: step.value.sequence, message: step.value.message });
        if (received.length === 4) fourth();
        take();
      }, (error) => received.push({ sequence: -1, message: String(error) }));
      inCall = false;
    };
    take();
    await transition(services, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: 1 }, message: "live 1" });
    const silent = { ...services, events: { ...services.events, publish: () => {} } };
    await transition(silent, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: 2 }, message: "lost 2" });
    await transition(services, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: 3 }, message: "live 3" });
    await transition(services, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: 4 }, message: "live 4" });
    await allFour;
    expect(received).toEqual([
      { sequence: 1, message: "live 1" },
      { sequence: 2, message: "lost 2" },
      { sequence: 3, message: "live 3" },
      { sequence: 4, message: "live 4" },
    ]);
    expect(synchronous).toBe(0); // each came when it arrived, none was waiting
    // The gap's catch-up ran in the subscription's context although the bus revealed it.
    expect(catchUps).toEqual([{ reason: "gap", requestId: "subscription-7" }]);
    await updates.return!();
    expect(services.events.stats().listeners).toBe(0);
  });
});
