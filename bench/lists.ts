// Lists under load: castad against PostGraphile v4 on the same tables and the raw floor, in
// alternating rounds (A B C, C B A, ...), medians of req/s, p50 and p99. Every answer is
// checked once (right number of rows, no errors) before it is measured.
import autocannon from "autocannon";
import { join } from "node:path";
import { knobs, median, ms, ratio, table, type Server } from "./lib.js";

export interface Target {
  server: Server;
  /** Path and body of the request. */
  request: { path: string; body?: string; headers?: Record<string, string> };
  /** Rows of the main list in an answer (to check all targets do the same work). */
  rows: (answer: unknown) => number;
}

export interface ListCase {
  name: string;
  expectRows: number;
  castad: Target;
  peer: Target;
  floor: Target;
  /** A bare yoga over castad's schema, answering castad's own answer from memory (bench/peers/yoga-replay.mjs). */
  replay: Target;
  /** castad itself with its rows read from memory (bench/peers/castad-rows-from-memory.mjs). */
  memory: Target;
}

const gqlRequest = (path: string, query: string, token?: string) => ({
  path,
  body: JSON.stringify({ query }),
  headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
});

type Data = { data?: Record<string, unknown>; errors?: unknown[] };
const edges = (field: string) => (a: unknown) => ((a as Data).data?.[field] as { edges: unknown[] }).edges.length;
const nodes = (field: string) => (a: unknown) => ((a as Data).data?.[field] as { nodes: unknown[] }).nodes.length;
const array = (field: string) => (a: unknown) => ((a as Data).data?.[field] as unknown[]).length;

export function listCases(servers: { castad: Server; peer: Server; floor: Server; replay: Server; memory: Server }, token: string): ListCase[] {
  const { castad, peer, floor, replay, memory } = servers;
  // The replay answers castad's query without a token: it runs no auth.
  const replayOf = (t: Target): Target => ({ ...t, server: replay, request: { ...t.request, headers: { "content-type": "application/json" } } });
  const only = process.env.BENCH_LISTS?.split(",");
  return ([
    {
      name: "songs(first:100) + project, lyric",
      expectRows: 100,
      castad: {
        server: castad,
        request: gqlRequest("/graphql", "{ songs(first: 100) { edges { node { id title audioUrl createdAt project { id storeName } lyric { id title } } } } }", token),
        rows: edges("songs"),
      },
      peer: {
        server: peer,
        request: gqlRequest(
          "/graphql",
          "{ allSongs(first: 100, orderBy: [CREATED_AT_DESC, ID_DESC]) { nodes { id title blobKey createdAt projectByProjectId { id storeName } lyricByLyricId { id title } } } }",
        ),
        rows: nodes("allSongs"),
      },
      floor: { server: floor, request: { path: "/songs?first=100" }, rows: array("songs") },
    },
    {
      name: "videos(first:100) + project, song",
      expectRows: 100,
      castad: {
        server: castad,
        request: gqlRequest(
          "/graphql",
          "{ videos(first: 100) { edges { node { id videoUrl thumbnailUrl createdAt project { id storeName } song { id title } } } } }",
          token,
        ),
        rows: edges("videos"),
      },
      peer: {
        server: peer,
        request: gqlRequest(
          "/graphql",
          "{ allVideos(first: 100, orderBy: [CREATED_AT_DESC, ID_DESC]) { nodes { id blobKey thumbnailBlobKey createdAt projectByProjectId { id storeName } songBySongId { id title } } } }",
        ),
        rows: nodes("allVideos"),
      },
      floor: { server: floor, request: { path: "/videos?first=100" }, rows: array("videos") },
    },
    {
      name: "projects(first:20) + songs, videos",
      expectRows: 20,
      castad: {
        server: castad,
        request: gqlRequest("/graphql", "{ projects(first: 20) { edges { node { id storeName songs(first: 100) { edges { node { id title audioUrl } } } videos(first: 100) { edges { node { id } } } } } } }", token),
        rows: edges("projects"),
      },
      peer: {
        server: peer,
        request: gqlRequest(
          "/graphql",
          "{ allProjects(first: 20, orderBy: [CREATED_AT_DESC, ID_DESC], condition: { ownerId: \"00000000-0000-4000-8000-00000000b001\" }) { nodes { id storeName songsByProjectId(orderBy: [CREATED_AT_DESC, ID_DESC]) { nodes { id title blobKey } } videosByProjectId(orderBy: [CREATED_AT_DESC, ID_DESC]) { nodes { id } } } } }",
        ),
        rows: nodes("allProjects"),
      },
      floor: { server: floor, request: { path: "/projects?first=20" }, rows: array("projects") },
    },
  ] satisfies Omit<ListCase, "replay" | "memory">[])
    .filter((c) => !only || only.some((o) => c.name.startsWith(o)))
    .map((c) => ({ ...c, replay: replayOf(c.castad), memory: { ...c.castad, server: memory } }));
}

/** Hands castad's answer to the replay server and checks it answers the very same bytes. */
async function replayAnswer(replay: Target, castadBody: string) {
  const res = await fetch(`${replay.server.url}/replay`, { method: "POST", body: castadBody });
  if (!res.ok) throw new Error(`${replay.server.name}: HTTP ${res.status}`);
  const { body } = await fetchOnce(replay);
  if (body !== castadBody) throw new Error(`${replay.server.name} did not answer castad's answer: ${body.slice(0, 300)}`);
}

export async function fetchOnce(t: Target): Promise<{ body: string; answer: unknown }> {
  const { path, body, headers } = t.request;
  const res = await fetch(`${t.server.url}${path}`, body ? { method: "POST", body, headers: headers ?? {} } : {});
  const text = await res.text();
  if (!res.ok) throw new Error(`${t.server.name} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  const answer = JSON.parse(text) as Data;
  if (answer.errors) throw new Error(`${t.server.name} ${path}: ${JSON.stringify(answer.errors).slice(0, 500)}`);
  return { body: text, answer };
}

interface Run {
  /** Server CPU per request (ms): robust to other load on the machine, unlike req/s. */
  cpu: number;
  rps: number;
  p50: number;
  p99: number;
  failures: number;
}

async function load(t: Target, seconds: number): Promise<Run> {
  const { path, body, headers } = t.request;
  const cpu0 = t.server.cpuMs();
  const r = await autocannon({
    url: `${t.server.url}${path}`,
    method: body ? "POST" : "GET",
    ...(body ? { body } : {}),
    headers: headers ?? {},
    connections: knobs.connections,
    duration: seconds,
  });
  // Completed requests over the run's length (autocannon's per-second average counts seconds before the first answer as 0).
  return { cpu: (t.server.cpuMs() - cpu0) / Math.max(1, r.requests.total), rps: r.requests.total / r.duration, p50: r.latency.p50, p99: r.latency.p99, failures: r.non2xx + r.errors + r.timeouts };
}

export async function runLists(cases: ListCase[]): Promise<string> {
  const rows: (string | number)[][] = [];
  for (const c of cases) {
    // castad first: the replay and the rows-from-memory castad are checked against its answer.
    const targets = [c.castad, c.memory, c.peer, c.floor, c.replay];
    let bytes = "";
    let castadBody = "";
    for (const t of targets) {
      if (t === c.replay) continue;
      const { body, answer } = await fetchOnce(t);
      const n = t.rows(answer);
      if (n !== c.expectRows) throw new Error(`${t.server.name} answered ${n} rows for "${c.name}", expected ${c.expectRows}`);
      if (t === c.memory) {
        // The same rows, so the same answer; only a signed link's time window could differ (a
        // minute boundary between the two requests), never its length.
        if (body.length !== castadBody.length) throw new Error(`${t.server.name} did not answer castad's answer: ${body.slice(0, 300)}`);
        continue;
      }
      bytes += `${bytes ? "/" : ""}${(body.length / 1024).toFixed(0)}`;
      if (t === c.castad) {
        castadBody = body;
        await replayAnswer(c.replay, body);
      }
    }
    // Warm-up (JIT, pools, caches), not counted.
    for (const t of targets) await load(t, Math.min(2, knobs.seconds));
    const runs = targets.map(() => [] as Run[]);
    for (let round = 0; round < knobs.rounds; round++) {
      const order = round % 2 === 0 ? [0, 1, 2, 3, 4] : [4, 3, 2, 1, 0];
      for (const i of order) {
        // BENCH_CPU_PROF: castad's first round of each list, profiled (and its rows-from-memory twin's).
        const profiled = i <= 1 && round === 0 && knobs.cpuProfDir;
        const file = `api-${i === 1 ? "memory-" : ""}${c.name.split(/[^a-z]/)[0]}.cpuprofile`;
        const stop = profiled ? await targets[i]!.server.profile(join(profiled, file)) : null;
        runs[i]!.push(await load(targets[i]!, knobs.seconds));
        await stop?.();
      }
    }
    const med = runs.map((rs) => ({
      cpu: median(rs.map((r) => r.cpu)),
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      failures: rs.reduce((n, r) => n + r.failures, 0),
    }));
    const [castad, , peer, floor] = med as [Run, Run, Run, Run, Run];
    for (const [i, m] of med.entries()) {
      // The ratios for castad, and for castad with its rows from memory (i = 1).
      const rated = i <= 1;
      rows.push([
        i === 0 ? c.name : "",
        targets[i]!.server.name,
        m.rps.toFixed(0),
        ms(m.p50),
        ms(m.p99),
        m.failures,
        ms(m.cpu),
        rated ? ratio(m.rps, peer.rps) : "",
        rated ? ratio(m.rps, floor.rps) : "",
        rated ? ratio(peer.cpu, m.cpu) : "",
        i === 0 ? `${bytes} KB` : "",
      ]);
    }
    console.log(`   measured: ${c.name} (castad ${castad.rps.toFixed(0)} req/s, peer ${peer.rps.toFixed(0)}, floor ${floor.rps.toFixed(0)})`);
  }
  return table(["query", "server", "req/s", "p50", "p99", "failed", "CPU/req", "req/s vs peer", "vs floor", "CPU vs peer", "answer (c/p/f)"], rows);
}

/** `{ __typename }`: castad's fixed cost per request against a bare yoga. */
export async function runTypename(castad: Server, yoga: Server, token: string): Promise<string> {
  const targets: Target[] = [
    { server: castad, request: gqlRequest("/graphql", "{ __typename }", token), rows: () => 1 },
    { server: yoga, request: gqlRequest("/graphql", "{ __typename }"), rows: () => 1 },
  ];
  for (const t of targets) await fetchOnce(t);
  for (const t of targets) await load(t, 1);
  const runs: Run[][] = [[], []];
  for (let round = 0; round < knobs.rounds; round++) {
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const profiled = knobs.cpuProfDir && round === 0 && i === 0;
      const stop = profiled ? await castad.profile(join(knobs.cpuProfDir!, "api-typename.cpuprofile")) : null;
      runs[i]!.push(await load(targets[i]!, Math.min(3, knobs.seconds)));
      await stop?.();
    }
  }
  const [c, y] = runs.map((rs) => ({ cpu: median(rs.map((r) => r.cpu)), rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)) })) as [
    { cpu: number; rps: number; p50: number; p99: number },
    { cpu: number; rps: number; p50: number; p99: number },
  ];
  return table(
    ["query", "server", "req/s", "p50", "p99", "CPU/req", "req/s vs bare yoga"],
    [
      ["{ __typename } (authenticated)", "castad", c.rps.toFixed(0), ms(c.p50), ms(c.p99), ms(c.cpu), ratio(c.rps, y.rps)],
      ["", "bare yoga", y.rps.toFixed(0), ms(y.p50), ms(y.p99), ms(y.cpu), ""],
    ],
  );
}

/** SQL statements each server sends for one request of each list (measured in the process).
 *  The fewest of three requests: a background statement (the outage monitor's probe, an alert
 *  check) can land in one request's window, never in all three. */
export async function runStatementCounts(cases: ListCase[], expected: Record<string, number>): Promise<string> {
  const rows: (string | number)[][] = [];
  for (const c of cases) {
    const counts: number[] = [];
    for (const t of [c.castad, c.peer, c.floor]) {
      await fetchOnce(t); // warm: PostGraphile prepares statements, Prisma caches plans
      let fewest = Infinity;
      for (let i = 0; i < 3; i++) {
        await t.server.sql(true);
        await fetchOnce(t);
        fewest = Math.min(fewest, (await t.server.sql()).statements);
      }
      counts.push(fewest);
    }
    const want = expected[c.name] ?? 1;
    rows.push([c.name, want, counts[0]!, counts[0]! <= want ? "yes" : "NO", counts[1]!, counts[2]!]);
  }
  return table(["query", "castad expected", "castad measured", "met", "PostGraphile", "floor"], rows);
}
