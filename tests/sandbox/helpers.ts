import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const KEY = "sandbox-key";

export function headers(key = KEY): Record<string, string> {
  return { authorization: `Bearer ${key}`, "content-type": "application/json" };
}

export async function postJson(
  url: string,
  body: unknown,
  key = KEY,
): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const res = await fetch(url, { method: "POST", headers: headers(key), body: JSON.stringify(body) });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

export async function getJson(url: string, key = KEY): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json };
}

export interface Received {
  path: string;
  body: unknown;
}

/** A local HTTP server that records JSON POSTs (Suno callbacks, Creatomate webhooks). */
export interface Receiver {
  url: string;
  received: Received[];
  /** Resolves with the first (already received or future) body matching the predicate. */
  waitFor(pred: (r: Received) => boolean, timeoutMs?: number): Promise<Received>;
  /** Resolves once `count` bodies match. */
  waitForCount(pred: (r: Received) => boolean, count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body: unknown = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        body = null;
      }
      received.push({ path: req.url ?? "/", body });
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const waitForCount = (pred: (r: Received) => boolean, count: number, timeoutMs = 10_000) =>
    new Promise<Received[]>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`receiver: wanted ${count} matching bodies, got ${received.filter(pred).length}`)),
        timeoutMs,
      );
      const check = () => {
        const hits = received.filter(pred);
        if (hits.length >= count) {
          clearTimeout(timer);
          resolve(hits);
        } else waiters.push(check);
      };
      check();
    });

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    waitForCount,
    waitFor: async (pred, timeoutMs) => {
      const hits = await waitForCount(pred, 1, timeoutMs);
      return hits[0] as Received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Loose accessor for JSON test bodies: get(obj, "data", "taskId"). */
export function get(v: unknown, ...path: Array<string | number>): unknown {
  let cur: unknown = v;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

export async function bytes(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}
