// A TCP proxy in front of a server whose connections can be cut at will, and which can stop
// listening and start again: what a dropped network or a server outage looks like to a client
// (HTTP, SSE, WebSocket, Redis, PostgreSQL alike), without touching the server, which may be a
// shared one.
import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export async function startTcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let cuts = 0;
  let server: Server | null = null;
  let port = 0;
  const start = () =>
    new Promise<void>((resolve) => {
      if (server) return resolve();
      const s = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const end of [client, upstream]) {
          sockets.add(end);
          end.on("close", () => sockets.delete(end));
          end.on("error", () => end.destroy());
        }
        client.pipe(upstream).pipe(client);
        client.on("close", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
      });
      server = s;
      s.listen(port, "127.0.0.1", () => {
        port = (s.address() as AddressInfo).port;
        resolve();
      });
    });
  const cut = () => {
    cuts++;
    for (const s of sockets) s.destroy();
  };
  /** Cuts every connection and refuses new ones until start(). */
  const stop = () =>
    new Promise<void>((resolve) => {
      cut();
      const s = server;
      server = null;
      if (!s) return resolve();
      s.close(() => resolve());
    });
  await start();
  return {
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    /** Drops every open connection (the server sees the clients vanish); new ones still pass. */
    cut,
    get cuts() {
      return cuts;
    },
    start,
    stop,
    close: stop,
  };
}

/** A proxy in front of the server a URL names (http://, redis://, postgresql://). */
export function proxyFor(url: string, defaultPort: number) {
  const u = new URL(url);
  return startTcpProxy({ host: u.hostname, port: Number(u.port || defaultPort) });
}
