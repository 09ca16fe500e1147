// Live events over graphql-ws are written by our own frame sink (shared-execution.ts and
// server.ts's nextFrames), not by graphql-ws's send loop. These tests hold that path to
// graphql-ws's format and to yoga's results, and show that a client which stops reading holds
// up only its own stream, loses nothing, and does not make the server buffer without bound.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { projectWithPhotos, startStack, type Stack } from "../helpers/pipeline.js";
import { waitFor } from "../helpers/pipeline-tools.js";
import { SUBSCRIPTION, subscribeSse } from "../helpers/subscriptions.js";
import { transition } from "../../src/generations/history.js";

interface Frame {
  id?: string;
  type: string;
  payload?: { data?: { generationUpdated: { sequence: number; message: string | null } } };
}

/** A bare graphql-transport-ws client that keeps every frame's text as it arrived. */
async function rawSubscription(apiUrl: string, token: string, projectId: string) {
  const socket = new WebSocket(`${apiUrl.replace(/^http/, "ws")}/graphql`, "graphql-transport-ws");
  const texts: string[] = [];
  socket.on("message", (data: Buffer) => texts.push(data.toString("utf8")));
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } }));
  await waitFor("connection_ack", () => texts.some((t) => (JSON.parse(t) as Frame).type === "connection_ack"));
  socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: SUBSCRIPTION, variables: { p: projectId, after: 0 } } }));
  const frames = () => texts.map((t) => JSON.parse(t) as Frame).filter((f) => f.type !== "connection_ack");
  return { socket, texts, frames };
}

describe("live events over graphql-ws", () => {
  let stack: Stack;
  beforeAll(async () => {
    // A small event buffer and socket limit, so that a client that stops reading reaches both.
    stack = await startStack({ role: "api", env: { SUBSCRIPTION_MAX_BUFFER: "4", WS_MAX_BUFFERED_BYTES: "65536" } });
  });
  afterAll(() => stack?.close());

  async function processingLyric() {
    const { user, projectId, rowId } = await projectWithPhotos(stack, { photos: 0 });
    const { services } = stack.api.app;
    const lyric = await services.prisma.lyric.create({ data: { projectId: rowId, language: "EN", status: "PROCESSING" } });
    const write = (message: string) =>
      transition({ prisma: services.prisma, events: services.events }, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: {}, message });
    return { user, projectId, services, write };
  }

  it("are framed exactly as graphql-ws frames them, with yoga's own result (as SSE gives it)", async () => {
    const { user, projectId, services, write } = await processingLyric();
    const ws = await rawSubscription(stack.api.url, user.token, projectId);
    const sse = subscribeSse(stack.api.url, user.token, projectId, 0);
    await waitFor("both subscriptions listening", () => services.events.stats().listeners === 2);
    for (const message of ["one", "two — 둘", 'three "quoted"']) await write(message);
    await sse.until((e) => e.sequence === 3);
    await waitFor("three frames", () => ws.frames().length === 3);
    expect(ws.texts.slice(1)).toEqual(
      sse.events.map((event) => `{"id":"1","type":"next","payload":${JSON.stringify({ data: { generationUpdated: event } })}}`),
    );
    expect(sse.events.map((e) => e.message)).toEqual(["one", "two — 둘", 'three "quoted"']);
    // graphql-ws's own loop still ends the subscription.
    ws.socket.send(JSON.stringify({ id: "1", type: "complete" }));
    await waitFor("the WebSocket subscription released", () => services.events.stats().listeners === 1);
    sse.dispose();
    ws.socket.close();
  });

  it("a client that stops reading holds up only its own stream and, once it reads again, misses nothing", async () => {
    const { user, projectId, services, write } = await processingLyric();
    const slow = await rawSubscription(stack.api.url, user.token, projectId);
    const brisk = await rawSubscription(stack.api.url, user.token, projectId);
    await waitFor("both subscriptions listening", () => services.events.stats().listeners === 2);
    const catchUps = vi.spyOn(services.log, "debug");
    slow.socket.pause();
    // About 30 MB of frames, far more than the kernel's socket buffers take (about 4 MB on
    // loopback): the server's buffer for the slow socket passes its limit, its results take
    // graphql-ws's way (which waits for the client), and its stream's 4-event buffer overflows.
    const events = 480;
    const filler = "x".repeat(64 * 1024);
    for (let i = 1; i <= events; i++) await write(`${i} ${filler}`);
    await waitFor("the brisk client has every event", () => brisk.frames().length === events, { timeoutMs: 60_000 });
    slow.socket.resume();
    await waitFor("the slow client has every event", () => slow.frames().length === events, { timeoutMs: 60_000 });
    // The overflow shows when the stream is read again: had the frames kept going straight to
    // the socket, it would never have filled.
    expect(catchUps.mock.calls.some(([fields]) => (fields as { reason?: string }).reason === "overflow")).toBe(true);
    catchUps.mockRestore();
    for (const client of [slow, brisk]) {
      const received = client.frames().map((f) => f.payload?.data?.generationUpdated);
      expect(received.map((e) => e?.sequence)).toEqual(Array.from({ length: events }, (_, i) => i + 1));
      expect(received.every((e, i) => e?.message === `${i + 1} ${filler}`)).toBe(true);
      client.socket.close();
    }
  });
});
