// The floor for live status: Redis pub/sub -> `ws`, the same kind of frame castad sends
// (graphql-transport-ws "next" with the subscription's id), built by string concatenation per
// subscriber. Protocol: {"type":"subscribe","id","project"} -> {"type":"ack","id"} once Redis
// confirmed the channel.
import { createServer } from "node:http";
import { WebSocketServer } from "ws";
import { Redis } from "ioredis";

const prefix = process.env.BENCH_FLOOR_CHANNEL ?? "bench-floor";
const sub = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const byChannel = new Map();
const confirmed = new Map();
sub.on("message", (channel, raw) => {
  const subs = byChannel.get(channel);
  if (!subs) return;
  const tail = `","type":"next","payload":{"data":{"generationUpdated":${raw}}}}`;
  for (const s of subs) if (s.socket.readyState === 1) s.socket.send(`{"id":"${s.id}${tail}`);
});
const server = createServer((req, res) => {
  if (req.url === "/ready") return void res.end('{"status":"ok"}');
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server });
wss.on("connection", (socket) => {
  const mine = [];
  socket.on("message", async (data) => {
    const m = JSON.parse(String(data));
    if (m.type !== "subscribe") return;
    const channel = `${prefix}:${m.project}`;
    let subs = byChannel.get(channel);
    if (!subs) {
      byChannel.set(channel, (subs = new Set()));
      confirmed.set(channel, sub.subscribe(channel));
    }
    await confirmed.get(channel);
    const entry = { socket, id: m.id };
    subs.add(entry);
    mine.push([subs, entry]);
    socket.send(JSON.stringify({ type: "ack", id: m.id }));
  });
  socket.on("close", () => {
    for (const [subs, entry] of mine) subs.delete(entry);
  });
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("ready"));
process.on("SIGTERM", () => process.exit(0));
