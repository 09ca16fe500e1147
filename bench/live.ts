// Live status: time from a status write (castad: transition() — update + event in one
// transaction, then publish; floor: a Redis PUBLISH of the same event) to each subscriber
// receiving it, at 1 / 1,000 / 10,000 subscribers on one server process. Both sides are read by
// the same minimal WebSocket client (100 subscriptions per socket), so client cost is equal.
// Every write is expected to reach every subscriber: the table states expected and received.
import { join } from "node:path";
import WebSocket from "ws";
import { Redis } from "ioredis";
import type { PrismaClient } from "../src/db/client.js";
import type { EventBus } from "../src/events/bus.js";
import { transition } from "../src/generations/history.js";
import { toGlobalId } from "../src/ids.js";
import { knobs, ms, pct, ratio, table, type Server } from "./lib.js";

const PER_SOCKET = 100;
const QUERY = "subscription($p: ID!, $a: Int) { generationUpdated(projectId: $p, after: $a) { sequence status progress } }";

interface Tally {
  sent: Map<number, number>;
  received: Map<number, number>;
  latencies: number[];
  errors: string[];
  waiter: { seq: number; want: number; resolve: () => void } | null;
}

function onFrame(t: Tally, raw: WebSocket.RawData) {
  const m = JSON.parse(String(raw)) as { type: string; payload?: { data?: { generationUpdated?: { sequence: number } }; errors?: unknown } | unknown[] };
  if (m.type === "next") {
    const p = m.payload as { data?: { generationUpdated?: { sequence: number } }; errors?: unknown };
    const seq = p.data?.generationUpdated?.sequence;
    if (seq === undefined) return void t.errors.push(JSON.stringify(p.errors ?? p).slice(0, 200));
    const n = (t.received.get(seq) ?? 0) + 1;
    t.received.set(seq, n);
    const t0 = t.sent.get(seq);
    if (t0 !== undefined) t.latencies.push(performance.now() - t0);
    if (t.waiter && t.waiter.seq === seq && n >= t.waiter.want) t.waiter.resolve();
  } else if (m.type === "error") {
    t.errors.push(JSON.stringify(m.payload).slice(0, 200));
  }
}

/** Resolves when `want` deliveries of `seq` arrived, or after `timeoutMs` (then some were lost). */
function delivered(t: Tally, seq: number, want: number, timeoutMs: number): Promise<void> {
  if ((t.received.get(seq) ?? 0) >= want) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      t.waiter = null;
      resolve();
    }, timeoutMs);
    t.waiter = {
      seq,
      want,
      resolve: () => {
        clearTimeout(timer);
        t.waiter = null;
        resolve();
      },
    };
  });
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, "graphql-transport-ws");
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

const newTally = (): Tally => ({ sent: new Map(), received: new Map(), latencies: [], errors: [], waiter: null });

export interface LiveResult {
  subscribers: number;
  events: number;
  castad: { latencies: number[]; expected: number; received: number; writeMs: number[]; writeCpuMs: number[]; sqlPerWrite: number; cpuPerDeliveryUs: number; heapPerSubscription: number; errors: string[] };
  floor: { latencies: number[]; expected: number; received: number; cpuPerDeliveryUs: number; heapPerSubscription: number };
}

const timeoutFor = (subscribers: number) => 5_000 + subscribers * 2;

/** Bytes of the server's heap per open subscription: its heap (after a full collection) with
 *  every subscription open, less its heap once they are all closed. Read after the measured
 *  writes, so no forced collection moves the garbage collector's timing inside them. */
async function heapPerSubscription(server: Server, sockets: WebSocket[], subscribers: number): Promise<number> {
  const open = await server.heapUsed();
  await Promise.all(sockets.map((ws) => new Promise((resolve) => (ws.once("close", resolve), ws.close()))));
  await new Promise((r) => setTimeout(r, 200)); // the server's side of the closes (iterators returned)
  return (open - (await server.heapUsed())) / subscribers;
}

async function castadCase(
  deps: { prisma: PrismaClient; events: EventBus; api: Server; token: string; ownerId: string; statements: () => number },
  subscribers: number,
  events: number,
) {
  const { prisma } = deps;
  const project = await prisma.project.create({ data: { ownerId: deps.ownerId, storeName: `Live ${subscribers}` } });
  const lyric = await prisma.lyric.create({ data: { projectId: project.id, language: "EN", status: "PROCESSING" } });
  const t = newTally();
  const sockets: WebSocket[] = [];
  for (let s = 0; s * PER_SOCKET < subscribers; s++) {
    const ws = await open(deps.api.url.replace(/^http/, "ws") + "/graphql");
    await new Promise<void>((resolve, reject) => {
      ws.once("message", (raw) => (JSON.parse(String(raw)).type === "connection_ack" ? resolve() : reject(new Error(String(raw)))));
      ws.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${deps.token}` } }));
    });
    ws.on("message", (raw) => onFrame(t, raw));
    sockets.push(ws);
  }
  const head = project.eventSequence;
  for (let i = 0; i < subscribers; i++) {
    sockets[Math.floor(i / PER_SOCKET)]!.send(
      JSON.stringify({ id: String(i), type: "subscribe", payload: { query: QUERY, variables: { p: toGlobalId("Project", project.id), a: head } } }),
    );
  }
  let seq = head;
  const writeCpuMs: number[] = [];
  const write = async (progress: number, message: string) => {
    seq += 1; // the bench is the only writer of this project
    t.sent.set(seq, performance.now());
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const row = await transition({ prisma, events: deps.events }, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress }, message });
    if (!row) throw new Error("transition refused");
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    writeCpuMs.push((cpu.user + cpu.system) / 1000);
    return wall;
  };
  // graphql-ws does not confirm a subscription: write until one event reaches every subscriber.
  // (At least 5 writes, so the measured ones do not pay for the writer's cold code paths.)
  for (let warm = 0; ; warm++) {
    await write(warm % 100, "warm-up");
    await delivered(t, seq, subscribers, 2_000 + subscribers);
    if (warm >= 4 && (t.received.get(seq) ?? 0) >= subscribers) break;
    if (warm > 30) throw new Error(`only ${t.received.get(seq) ?? 0} of ${subscribers} subscriptions became active`);
  }
  t.latencies.length = 0;
  writeCpuMs.length = 0;
  const first = seq + 1;
  const writeMs: number[] = [];
  const sql0 = deps.statements();
  const stopProfile = knobs.cpuProfDir ? await deps.api.profile(join(knobs.cpuProfDir, `api-live-${subscribers}.cpuprofile`)) : null;
  const apiCpu0 = deps.api.cpuMs();
  for (let i = 0; i < events; i++) {
    writeMs.push(await write(i % 100, `step ${i}`));
    await delivered(t, seq, subscribers, timeoutFor(subscribers));
  }
  const cpuPerDeliveryUs = ((deps.api.cpuMs() - apiCpu0) * 1000) / (events * subscribers);
  await stopProfile?.();
  const sqlPerWrite = (deps.statements() - sql0) / events;
  await new Promise((r) => setTimeout(r, 200)); // late duplicates would show as extra deliveries
  let received = 0;
  for (let s = first; s <= seq; s++) received += t.received.get(s) ?? 0;
  const heap = await heapPerSubscription(deps.api, sockets, subscribers);
  return { latencies: t.latencies, expected: events * subscribers, received, writeMs, writeCpuMs, sqlPerWrite, cpuPerDeliveryUs, heapPerSubscription: heap, errors: t.errors };
}

async function floorCase(deps: { floor: Server; redisUrl: string; channelPrefix: string }, subscribers: number, events: number) {
  const t = newTally();
  const project = `live-${subscribers}`;
  const sockets: WebSocket[] = [];
  let acks = 0;
  let allAcked!: () => void;
  const acked = new Promise<void>((r) => (allAcked = r));
  for (let s = 0; s * PER_SOCKET < subscribers; s++) {
    const ws = await open(deps.floor.url.replace(/^http/, "ws"));
    ws.on("message", (raw) => {
      if (String(raw).startsWith('{"type":"ack"')) {
        if (++acks === subscribers) allAcked();
      } else onFrame(t, raw);
    });
    sockets.push(ws);
  }
  for (let i = 0; i < subscribers; i++) sockets[Math.floor(i / PER_SOCKET)]!.send(JSON.stringify({ type: "subscribe", id: String(i), project }));
  await acked;
  const publisher = new Redis(deps.redisUrl);
  const channel = `${deps.channelPrefix}:${project}`;
  const cpu0 = deps.floor.cpuMs();
  for (let seq = 1; seq <= events; seq++) {
    const event = { sequence: seq, status: "PROCESSING", progress: seq % 100 };
    t.sent.set(seq, performance.now());
    await publisher.publish(channel, JSON.stringify(event));
    await delivered(t, seq, subscribers, timeoutFor(subscribers));
  }
  const cpuPerDeliveryUs = ((deps.floor.cpuMs() - cpu0) * 1000) / (events * subscribers);
  await new Promise((r) => setTimeout(r, 200));
  let received = 0;
  for (let s = 1; s <= events; s++) received += t.received.get(s) ?? 0;
  const heap = await heapPerSubscription(deps.floor, sockets, subscribers);
  publisher.disconnect();
  return { latencies: t.latencies, expected: events * subscribers, received, cpuPerDeliveryUs, heapPerSubscription: heap };
}

/** The bench writes as a worker does, which has written thousands of statuses before: 300
 *  writes to a lyric of its own (no subscribers) first, so the measured ones do not pay for V8
 *  compiling the write path (Prisma's raw query, pg, the publish). */
async function warmWriter(deps: { prisma: PrismaClient; events: EventBus; ownerId: string }) {
  const { prisma } = deps;
  const project = await prisma.project.create({ data: { ownerId: deps.ownerId, storeName: "Live warm-up" } });
  const lyric = await prisma.lyric.create({ data: { projectId: project.id, language: "EN", status: "PROCESSING" } });
  for (let i = 0; i < 300; i++) {
    const row = await transition({ prisma, events: deps.events }, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: i % 100 }, message: "warm-up" });
    if (!row) throw new Error("transition refused");
  }
}

export async function runLive(deps: {
  prisma: PrismaClient;
  events: EventBus;
  api: Server;
  floor: Server;
  token: string;
  ownerId: string;
  redisUrl: string;
  channelPrefix: string;
  statements: () => number;
}): Promise<{ text: string; results: LiveResult[] }> {
  await warmWriter(deps);
  const results: LiveResult[] = [];
  for (const subscribers of knobs.subscribers) {
    const events = knobs.events(subscribers);
    const floor = await floorCase(deps, subscribers, events);
    const castad = await castadCase(deps, subscribers, events);
    results.push({ subscribers, events, castad, floor });
    console.log(`   measured: ${subscribers} subscriber(s), ${events} writes`);
    if (castad.errors.length) console.log(`   castad errors: ${castad.errors.slice(0, 3).join(" | ")}`);
  }
  const rows: (string | number)[][] = [];
  // CPU is read in 10 ms ticks: only meaningful over many deliveries.
  const perDelivery = (r: LiveResult, us: number) => (r.events * r.subscribers >= 1000 ? `${us.toFixed(0)} µs` : "—");
  // One subscription's heap is lost in the heap's noise; a thousand are not.
  const perSubscription = (r: LiveResult, bytes: number) => (r.subscribers >= 1000 ? `${(bytes / 1024).toFixed(1)} KB` : "—");
  const lost = (r: { expected: number; received: number }) =>
    r.received === r.expected ? "none lost" : r.received < r.expected ? `${r.expected - r.received} LOST` : `${r.received - r.expected} EXTRA`;
  for (const r of results) {
    const c = [...r.castad.latencies].sort((a, b) => a - b);
    const f = [...r.floor.latencies].sort((a, b) => a - b);
    const w = [...r.castad.writeMs].sort((a, b) => a - b);
    const wc = [...r.castad.writeCpuMs].sort((a, b) => a - b);
    rows.push([
      `${r.subscribers} × ${r.events} writes`,
      "castad",
      ms(pct(c, 50)),
      ms(pct(c, 99)),
      ratio(pct(c, 99), pct(f, 99)),
      `${r.castad.received}/${r.castad.expected}`,
      lost(r.castad),
      `${ms(pct(w, 50))} / ${ms(pct(w, 99))}`,
      ms(pct(wc, 50)),
      r.castad.sqlPerWrite.toFixed(1),
      perDelivery(r, r.castad.cpuPerDeliveryUs),
      perSubscription(r, r.castad.heapPerSubscription),
    ]);
    rows.push([
      "",
      "raw ws floor",
      ms(pct(f, 50)),
      ms(pct(f, 99)),
      "",
      `${r.floor.received}/${r.floor.expected}`,
      lost(r.floor),
      "",
      "",
      "",
      perDelivery(r, r.floor.cpuPerDeliveryUs),
      perSubscription(r, r.floor.heapPerSubscription),
    ]);
  }
  return {
    results,
    text: table(["subscribers", "server", "p50", "p99", "p99 vs floor", "received/expected", "loss", "write p50 / p99", "write CPU", "SQL/write", "server CPU/delivery", "server heap/subscription"], rows),
  };
}
