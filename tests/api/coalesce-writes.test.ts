// Frames for one socket in a row leave in one write; a socket's frames leave as soon as the
// fan-out moves on to another socket, not at the end of the turn (src/http/coalesce-writes.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { coalesceWrites } from "../../src/http/coalesce-writes.js";

describe("coalesceWrites", () => {
  let server: Server;
  let wss: WebSocketServer;
  const connected: { ws: WebSocket; raw: Socket }[] = [];
  const clients: { socket: WebSocket; frames: string[] }[] = [];
  /** Resolves once `clients` have received `counts` frames each. */
  let framesArrived: { counts: number[]; resolve: () => void } | null = null;
  const checkFrames = () => {
    if (framesArrived && framesArrived.counts.every((n, i) => clients[i]!.frames.length >= n)) framesArrived.resolve();
  };

  beforeAll(async () => {
    server = createServer();
    wss = new WebSocketServer({ server });
    let bothConnected!: () => void;
    const both = new Promise<void>((resolve) => (bothConnected = resolve));
    wss.on("connection", (ws, req) => {
      coalesceWrites(ws, req.socket);
      if (connected.push({ ws, raw: req.socket }) === 2) bothConnected();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    for (let i = 0; i < 2; i++) {
      const socket = new WebSocket(`ws://127.0.0.1:${port}`);
      const client = { socket, frames: [] as string[] };
      socket.on("message", (data: Buffer) => {
        client.frames.push(data.toString());
        checkFrames();
      });
      await new Promise((resolve) => socket.once("open", resolve));
      clients.push(client);
    }
    await both;
  });
  afterAll(async () => {
    for (const c of clients) c.socket.close();
    wss.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it("gathers a socket's frames in a row and lets them go when another socket's frame comes", async () => {
    const [a, b] = connected as [{ ws: WebSocket; raw: Socket }, { ws: WebSocket; raw: Socket }];
    a.ws.send("a1");
    a.ws.send("a2");
    a.ws.send("a3");
    // Still gathered: corked, three frames waiting in one buffer.
    expect(a.raw.writableCorked).toBe(1);
    expect(a.raw.writableLength).toBeGreaterThan(0);
    b.ws.send("b1");
    // The fan-out moved on: a's frames went to the kernel in that moment, b now gathers.
    expect(a.raw.writableCorked).toBe(0);
    expect(a.raw.writableLength).toBe(0);
    expect(b.raw.writableCorked).toBe(1);
    // Right after the turn the last one goes too.
    await new Promise((resolve) => setImmediate(resolve));
    expect(b.raw.writableCorked).toBe(0);
    await new Promise<void>((resolve) => {
      framesArrived = { counts: [3, 1], resolve };
      checkFrames();
    });
    expect(clients.map((c) => c.frames)).toEqual([["a1", "a2", "a3"], ["b1"]]);
  });
});
