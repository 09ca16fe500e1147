// Logs and responses an operator can live with: one request id (and W3C trace id) per request
// in the API's log lines and in the log lines of the jobs it started (real API and worker
// processes); yoga's log adapter writes fields, never "[object Object]"; compressed responses;
// ports that follow PORT.
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { yogaLogger } from "../../src/http/yoga.js";
import { freePort, startTestApi, type TestApi } from "../helpers/app.js";
import { startStack, projectWithPhotos, watchEvents, type Stack } from "../helpers/pipeline.js";
import { ensureStopped, spawnCastad, spawnWorker, waitFor, type WorkerProcess } from "../helpers/pipeline-tools.js";
import { wsClient } from "../helpers/subscriptions.js";
import { transition } from "../../src/generations/history.js";

const json = (lines: string[]) =>
  lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });

describe("correlation", () => {
  let stack: Stack;
  let api: WorkerProcess | undefined;
  let worker: WorkerProcess | undefined;
  let port: number;
  beforeAll(async () => {
    stack = await startStack({ role: "api" });
    port = await freePort();
    api = await spawnCastad(stack, "api", { PORT: String(port), LOG_LEVEL: "debug" });
    worker = await spawnWorker(stack);
  });
  afterAll(async () => {
    await ensureStopped(worker);
    await ensureStopped(api);
    await stack?.close();
  });

  /** Waits for the worker's end of `lyricId` and checks every job line carries the ids. */
  async function expectJobLines(lyricId: string, ids: { requestId: string; traceId: string }) {
    // The worker logs the end right after it committed it (and after subscribers heard of it).
    await waitFor("the worker's end-of-generation line", () => json(worker!.lines).some((l) => l["generationId"] === lyricId && l["msg"] === "generation finished"));
    const jobLines = json(worker!.lines).filter((l) => l["generationId"] === lyricId);
    expect(jobLines.map((l) => l["msg"])).toEqual(expect.arrayContaining(["generation started", "generation finished"]));
    for (const line of jobLines) expect(line).toMatchObject(ids);
    return jobLines;
  }

  it("carries x-request-id and the traceparent's trace id into every log line of the request and of the jobs it started", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(stack, { photos: 0 });
    const watch = await watchEvents(stack, rowId);
    const requestId = `req-${randomBytes(4).toString("hex")}`;
    const traceId = randomBytes(16).toString("hex");
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${user.token}`, "x-request-id": requestId, traceparent: `00-${traceId}-${"a".repeat(16)}-01` },
      body: JSON.stringify({ query: `mutation($p: ID!) { generateLyric(projectId: $p) { id } }`, variables: { p: projectId } }),
    });
    expect(res.headers.get("x-request-id")).toBe(requestId);
    expect(res.headers.get("traceparent")).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const lyricId = Buffer.from(((await res.json()) as { data: { generateLyric: { id: string } } }).data.generateLyric.id, "base64").toString().split(":")[1]!;
    await watch.until((e) => e.generationId === lyricId && e.status === "COMPLETED");
    await watch.stop();

    const apiLine = json(api!.lines).find((l) => l["msg"] === "request" && l["requestId"] === requestId);
    expect(apiLine, api!.lines.join("\n")).toMatchObject({ traceId, path: "/graphql", status: 200 });
    const jobLines = await expectJobLines(lyricId, { requestId, traceId });
    const finished = jobLines.find((l) => l["msg"] === "generation finished")!;
    expect(finished).toMatchObject({ kind: "LYRIC", status: "COMPLETED", level: 30 });
    expect(typeof finished["durationMs"]).toBe("number");
  });

  it("gives each graphql-ws operation its own request id (from extensions.requestId / traceparent, or made), down to its jobs", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(stack, { photos: 0 });
    const watch = await watchEvents(stack, rowId);
    const client = wsClient(`http://127.0.0.1:${port}`, user.token);
    try {
      const requestId = `ws-${randomBytes(4).toString("hex")}`;
      const traceId = randomBytes(16).toString("hex");
      const result = await new Promise<{ data?: { generateLyric: { id: string } } | null; errors?: unknown }>((resolve, reject) => {
        client.subscribe<{ generateLyric: { id: string } }>(
          {
            query: `mutation($p: ID!) { generateLyric(projectId: $p) { id } }`,
            variables: { p: projectId },
            extensions: { requestId, traceparent: `00-${traceId}-${"b".repeat(16)}-01` },
          },
          { next: resolve, error: reject, complete: () => {} },
        );
      });
      expect(result.errors).toBeUndefined();
      const lyricId = Buffer.from(result.data!.generateLyric.id, "base64").toString().split(":")[1]!;
      await watch.until((e) => e.generationId === lyricId && e.status === "COMPLETED");
      await watch.stop();
      expect(json(api!.lines).find((l) => l["msg"] === "operation" && l["requestId"] === requestId), api!.lines.join("\n")).toMatchObject({ traceId, transport: "ws" });
      await expectJobLines(lyricId, { requestId, traceId });

      // Without ids the operation gets fresh ones, distinct from the one before.
      const before = json(api!.lines).filter((l) => l["msg"] === "operation").length;
      await new Promise((resolve, reject) =>
        client.subscribe({ query: `{ viewer { id } }` }, { next: resolve, error: reject, complete: () => {} }),
      );
      const made = json(api!.lines).filter((l) => l["msg"] === "operation")[before];
      expect(made?.["requestId"]).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await client.dispose();
    }
  });
  it("keeps a subscription's own request id in what it logs while its events flow", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(stack, { photos: 0 });
    const { services } = stack.api.app;
    const lyric = await services.prisma.lyric.create({ data: { projectId: rowId, language: "EN", status: "PROCESSING" } });
    const client = wsClient(`http://127.0.0.1:${port}`, user.token);
    const requestId = `sub-${randomBytes(4).toString("hex")}`;
    const traceId = randomBytes(16).toString("hex");
    const received: number[] = [];
    try {
      client.subscribe<{ generationUpdated: { sequence: number } }>(
        {
          query: `subscription($p: ID!) { generationUpdated(projectId: $p, after: 0) { sequence } }`,
          variables: { p: projectId },
          extensions: { requestId, traceparent: `00-${traceId}-${"c".repeat(16)}-01` },
        },
        { next: (v) => void received.push(v.data!.generationUpdated.sequence), error: () => {}, complete: () => {} },
      );
      // With after: 0 the first event arrives whether it is published before or after the
      // stream listens (it reads the database first); once it has arrived the stream is live.
      await transition(services, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: 1 }, message: "first" });
      await waitFor("the first event", () => received.length === 1);
      // An event committed but never published (its publisher died): the next one shows a gap,
      // which the subscription fills from the database, logging why, in its own loop.
      const silent = { ...services, events: { ...services.events, publish: () => {} } };
      await transition(silent, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: 2 }, message: "lost" });
      await transition(services, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: 3 }, message: "published" });
      await waitFor("the lost event and the next", () => received.length === 3);
      expect(received).toEqual([1, 2, 3]);
      const line = await waitFor("the catch-up log line", () => json(api!.lines).find((l) => l["msg"] === "subscription catching up from the database" && l["projectId"] === rowId));
      expect(line, api!.lines.join("\n")).toMatchObject({ requestId, traceId, reason: "gap", after: 1 });
    } finally {
      await client.dispose();
    }
  });
});

describe("yoga's log adapter", () => {
  it("writes strings as the message and objects as fields", () => {
    const out: string[] = [];
    const log = pino({ level: "debug" }, new Writable({ write: (chunk: Buffer, _e, cb) => (out.push(chunk.toString()), cb()) }));
    const adapter = yogaLogger(log);
    adapter.error("request failed", { operationName: "X" }, new Error("boom"));
    adapter.warn({ detail: 1 });
    const [first, second] = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({ msg: "request failed", operationName: "X", err: { message: "boom" } });
    expect(second).toMatchObject({ detail: 1 });
    expect(out.join("")).not.toContain("[object Object]");
  });
});

describe("compression", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  const raw = (path: string, headers: Record<string, string>) =>
    new Promise<{ headers: Record<string, unknown>; bytes: number }>((resolve, reject) => {
      request(`${api.url}${path}`, { headers }, (res) => {
        let bytes = 0;
        res.on("data", (c: Buffer) => (bytes += c.length));
        res.on("end", () => resolve({ headers: res.headers, bytes }));
      })
        .on("error", reject)
        .end();
    });

  it("gzips the GraphiQL page and JSON results for clients that accept it", async () => {
    const plain = await raw("/graphql", { accept: "text/html" });
    const gzip = await raw("/graphql", { accept: "text/html", "accept-encoding": "gzip" });
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(gzip.headers["content-encoding"]).toBe("gzip");
    expect(gzip.bytes * 3).toBeLessThan(plain.bytes);
    const res = await fetch(`${api.url}/graphql?query=${encodeURIComponent("{ __typename }")}`, { headers: { "accept-encoding": "gzip" } });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(await res.json()).toEqual({ data: { __typename: "Query" } });
  });
});

describe("ports", () => {
  it("follow PORT unless set, so a second instance needs one setting", () => {
    const c = loadConfig({ PORT: "5000" });
    expect([c.SANDBOX_PORT, c.AZURITE_PORT, c.WORKER_HTTP_PORT]).toEqual([5010, 11000, 5001]);
    expect(c.sandboxUrl).toBe("http://127.0.0.1:5010");
    const d = loadConfig({});
    expect([d.SANDBOX_PORT, d.AZURITE_PORT, d.WORKER_HTTP_PORT]).toEqual([4010, 10000, 4001]);
    expect(loadConfig({ PORT: "5000", SANDBOX_PORT: "6000" }).SANDBOX_PORT).toBe(6000);
  });
});
