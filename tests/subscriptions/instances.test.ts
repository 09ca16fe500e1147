// Subscribers on one API instance see work started through another and run by a separate
// worker process: events travel through Redis, not process memory.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/app.js";
import { startStack, projectWithPhotos, type Stack } from "../helpers/pipeline.js";
import { ensureStopped, spawnCastad, spawnWorker, type WorkerProcess } from "../helpers/pipeline-tools.js";
import { sequences, subscribeSse, subscribeWs, wsClient } from "../helpers/subscriptions.js";

let stack: Stack;
let apiB: WorkerProcess;
let worker: WorkerProcess;
let urlB: string;

beforeAll(async () => {
  // Instance A runs in this process without workers; B and the worker are processes of their own.
  stack = await startStack({ role: "api" });
  const port = await freePort();
  urlB = `http://127.0.0.1:${port}`;
  [apiB, worker] = await Promise.all([spawnCastad(stack, "api", { PORT: String(port) }), spawnWorker(stack)]);
});
afterAll(async () => {
  await ensureStopped(apiB);
  await ensureStopped(worker);
  await stack?.close();
});

describe("across instances", () => {
  it("a subscriber on API B follows a generateAd started on API A and run by the worker process", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(stack);
    const client = wsClient(urlB, user.token);
    const head = (await stack.api.app.services.prisma.project.findUniqueOrThrow({ where: { id: rowId } })).eventSequence;
    // `after` = head: the subscription replays anything committed before B's listener was up.
    const onB = subscribeWs(client, projectId, head);
    const sseOnB = subscribeSse(urlB, user.token, projectId, head);
    const started = await stack.api.gql(`mutation($p: ID!) { generateAd(projectId: $p) { video { id } } }`, { p: projectId }, user.token);
    expect(started.errors).toBeUndefined();
    await onB.until((e) => e.kind === "VIDEO" && e.status === "COMPLETED");
    await sseOnB.until((e) => e.kind === "VIDEO" && e.status === "COMPLETED");
    onB.dispose();
    sseOnB.dispose();
    await client.dispose();
    const stored = (await stack.api.app.services.prisma.generationEvent.findMany({ where: { projectId: rowId }, orderBy: { sequence: "asc" } })).map((e) => e.sequence);
    expect(sequences(onB.events)).toEqual(stored);
    expect(sequences(sseOnB.events)).toEqual(stored);
    // The work really ran in the worker process: this process has no workers.
    expect(stack.api.app.workers).toBeNull();
  });
});
