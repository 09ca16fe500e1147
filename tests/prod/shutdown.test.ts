// SIGTERM drains a real process (`src/main.ts` children; the test's own API runs in-process):
// an API with an upload half sent, a new request arriving after the signal and a WebSocket and
// an SSE subscription open; a worker whose running step cannot finish within SHUTDOWN_TIMEOUT_MS.
import { request } from "node:http";
import { connect } from "node:net";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/app.js";
import { startStack, projectWithPhotos, watchEvents, type Stack } from "../helpers/pipeline.js";
import { ensureStopped, spawnCastad, spawnWorker, waitFor, type WorkerProcess } from "../helpers/pipeline-tools.js";
import { subscribeSse, subscribeWs } from "../helpers/subscriptions.js";

let stack: Stack;
const children: WorkerProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) await ensureStopped(c);
});

/** Whether a TCP connection to the port is refused (the server stopped accepting). */
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });

describe("API drain", () => {
  beforeAll(async () => {
    stack = await startStack({ role: "api" });
  });
  afterAll(() => stack?.close());

  it("SIGTERM: /ready 503 at once, new requests still served, an upload in flight completes, WebSocket subscriptions closed with 1012 and SSE streams ended, exit 0", async () => {
    const port = await freePort();
    const api = await spawnCastad(stack, "api", { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, SHUTDOWN_READY_DELAY_MS: "2000", SHUTDOWN_TIMEOUT_MS: "20000" });
    children.push(api);
    const url = `http://127.0.0.1:${port}`;
    const { user, projectId } = await projectWithPhotos(stack, { photos: 0 });
    expect((await fetch(`${url}/ready`)).status).toBe(200);

    // A subscription over WebSocket to the child.
    const client = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${user.token}` }, retryAttempts: 0 });
    const sub = subscribeWs(client, projectId);
    // And one over SSE.
    const sse = subscribeSse(url, user.token, projectId);
    await waitFor("both subscriptions to be open", async () => (await (await fetch(`${url}/metrics`)).text()).includes("castad_subscriptions_open 2"));

    // An upload whose body is half sent.
    const png = Buffer.from(await (await fetch(`${stack.sandbox.url}/media/samples/photo-1.png?w=240&h=200`)).arrayBuffer());
    const form = new FormData();
    form.append("operations", JSON.stringify({ query: `mutation($p: ID!, $f: [File!]!) { uploadProjectImages(projectId: $p, files: $f) { id } }`, variables: { p: projectId, f: [null] } }));
    form.append("map", JSON.stringify({ 0: ["variables.f.0"] }));
    form.append("0", new Blob([png], { type: "image/png" }), "photo.png");
    const encoded = new Request("http://x/", { method: "POST", body: form });
    const body = Buffer.from(await encoded.arrayBuffer());
    const upload = request(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": encoded.headers.get("content-type")!, "content-length": body.length, authorization: `Bearer ${user.token}`, "graphql-require-preflight": "1" },
    });
    const uploaded = new Promise<{ status: number; body: string }>((resolve, reject) => {
      upload.once("response", (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      upload.once("error", reject);
    });
    const connected = new Promise<void>((resolve) => upload.once("socket", (s) => (s.connecting ? s.once("connect", () => resolve()) : resolve())));
    upload.write(body.subarray(0, Math.floor(body.length / 2)));
    await connected;

    api.child.kill("SIGTERM");
    await waitFor("/ready to turn 503", async () => (await fetch(`${url}/ready`)).status === 503);
    // The subscription is closed with a code graphql-ws clients reconnect after.
    const closed = (await sub.failed) as { code?: number };
    expect(closed.code).toBe(1012);
    // The SSE stream is ended by the server (a clean end the client reconnects after), not cut.
    expect(await sse.ended).toBe("ended");
    expect(sse.errors).toEqual([]);
    // A request arriving now (a load balancer has not noticed yet) is still served.
    const late = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ query: "query { viewer { id } }" }),
    });
    expect(late.status).toBe(200);
    expect(((await late.json()) as { data?: { viewer?: { id: string } } }).data?.viewer?.id).toBeTruthy();

    // Once it stops accepting connections, the upload still in flight is finished, not cut.
    await waitFor("the port to stop accepting", () => refused(port), { timeoutMs: 15_000 });
    expect(api.child.exitCode).toBeNull();
    upload.end(body.subarray(Math.floor(body.length / 2)));
    const done = await uploaded;
    expect(done.status, done.body).toBe(200);
    expect((JSON.parse(done.body) as { data: { uploadProjectImages: { id: string }[] } }).data.uploadProjectImages).toHaveLength(1);
    expect(await api.exited).toBe(0);
    expect(api.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    await client.dispose();
  });
});

describe("worker drain past the deadline", () => {
  beforeAll(async () => {
    // Every provider request takes 7 s: longer than the worker's shutdown budget below (300 ms)
    // and than its hard exit after budget + 5 s, so exiting 0 proves the step was let go rather
    // than waited for.
    stack = await startStack({ role: "api", sandbox: { latencyMs: 7000 }, env: { WORKER_LOCK_MS: "2000", PROVIDER_TIMEOUT_MS: "20000" } });
  });
  afterAll(() => stack?.close());

  it("a step still running at SHUTDOWN_TIMEOUT_MS is released, the process exits 0, and another worker finishes the generation", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(stack, { photos: 0 });
    const watch = await watchEvents(stack, rowId);
    const first = await spawnWorker(stack, { SHUTDOWN_TIMEOUT_MS: "300", WORKER_LOCK_MS: "2000" });
    children.push(first);
    const res = await stack.api.gql<{ generateLyric: { id: string } }>(`mutation($p: ID!) { generateLyric(projectId: $p) { id } }`, { p: projectId }, user.token);
    expect(res.errors).toBeUndefined();
    await watch.until((e) => e.kind === "LYRIC" && e.status === "PROCESSING");
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.lines.some((l) => l.includes("releasing the steps still running"))).toBe(true);

    const second = await spawnWorker(stack, { WORKER_LOCK_MS: "2000" });
    children.push(second);
    const final = await watch.until((e) => e.kind === "LYRIC" && ["COMPLETED", "FAILED", "CANCELLED"].includes(e.status));
    await watch.stop();
    expect(final.status, final.message ?? "").toBe("COMPLETED");
  });
});
