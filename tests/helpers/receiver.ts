// A local HTTP server that records JSON POSTs (Suno callbacks, Creatomate webhooks) and lets
// tests await them. Used by the sandbox tests and the provider client tests alike.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** The body as sent (for signature checks). */
  raw: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Resolves with the first (already received or future) body matching the predicate. */
  waitFor(pred: (r: Received) => boolean, timeoutMs?: number): Promise<Received>;
  /** Resolves once `count` bodies match (already received ones count). */
  waitForCount(pred: (r: Received) => boolean, count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
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
      received.push({ path: req.url ?? "/", body, headers: req.headers, raw: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
      for (const w of [...waiters]) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  const waitForCount = (pred: (r: Received) => boolean, count: number, timeoutMs = 15_000) =>
    new Promise<Received[]>((resolve, reject) => {
      const check = () => {
        const hits = received.filter(pred);
        if (hits.length < count) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(hits);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`receiver: wanted ${count} matching bodies, got ${received.filter(pred).length}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    waitForCount,
    waitFor: async (pred, timeoutMs) => (await waitForCount(pred, 1, timeoutMs))[0]!,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
