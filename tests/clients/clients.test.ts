// The README's client setups (examples/clients) against a real castad in Node: Apollo Client
// and urql, over graphql-ws and graphql-sse. Resume through a dropped connection (the clients
// reconnect on their own with their original variables), cache normalization by global id,
// relay pagination, uploads, interface fragments.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { gql } from "@apollo/client";
import { createApolloClient } from "../../examples/clients/apollo.js";
import { createUrqlClient } from "../../examples/clients/urql.js";
import { createSequenceTracker } from "../../examples/clients/resume.js";
import { projectWithPhotos, startStack, type Stack } from "../helpers/pipeline.js";
import { finishSuno, waitFor } from "../helpers/pipeline-tools.js";
import { proxyFor } from "../helpers/tcp-proxy.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 120_000);
afterAll(() => stack?.close());

const FOLLOW = `subscription Follow($p: ID!, $after: Int) {
  generationUpdated(projectId: $p, after: $after) { projectId sequence kind status progress generation { id status } }
}`;
interface Event { projectId: string; sequence: number; kind: string; status: string }

type Lib = "apollo" | "urql";
function clientFor(lib: Lib, url: string, token: string, transport: "ws" | "sse") {
  const sequences = createSequenceTracker();
  const opts = { url: `${url}/graphql`, getToken: () => token, sequences, subscriptions: transport, webSocketImpl: WebSocket };
  if (lib === "apollo") {
    const client = createApolloClient(opts);
    return {
      sequences,
      follow(variables: Record<string, unknown>, onEvent: (e: Event) => void) {
        const sub = client.subscribe<{ generationUpdated: Event }>({ query: gql(FOLLOW), variables }).subscribe({
          next: ({ data }) => {
            if (data) onEvent(data.generationUpdated);
          },
        });
        return () => sub.unsubscribe();
      },
      stop: () => client.stop(),
    };
  }
  const client = createUrqlClient(opts);
  return {
    sequences,
    follow(variables: Record<string, unknown>, onEvent: (e: Event) => void) {
      const sub = client.subscription<{ generationUpdated: Event }>(FOLLOW, variables).subscribe((r) => {
        if (r.data) onEvent(r.data.generationUpdated);
      });
      return () => sub.unsubscribe();
    },
    stop: () => {},
  };
}

describe.each([
  ["Apollo Client + graphql-ws", "apollo", "ws"],
  ["urql + graphql-ws", "urql", "ws"],
  ["urql + graphql-sse", "urql", "sse"],
  ["Apollo Client + graphql-sse", "apollo", "sse"],
] as const)("%s", (_name, lib, transport) => {
  it("follows a run through a dropped connection: every event once, in order, none missed", async () => {
    const proxy = await proxyFor(stack.api.url, 80);
    // Suno holds the song until advanced, so the drop happens mid-run.
    const { user, projectId, rowId } = await projectWithPhotos(stack, { storeName: "Resume Bistro [sandbox:suno:hold]", photos: 1 });
    const client = clientFor(lib, proxy.url, user.token, transport);
    const received: Event[] = [];
    const stop = client.follow({ p: projectId, after: 0 }, (e) => {
      client.sequences.track(e);
      received.push(e);
    });
    try {
      const started = await stack.api.gql(`mutation($p: ID!) { generateAd(projectId: $p) { id } }`, { p: projectId }, user.token);
      expect(started.errors).toBeUndefined();
      const song = await waitFor("the held Suno task", async () => {
        const row = await stack.api.app.services.prisma.song.findFirst({ where: { projectId: rowId } });
        return row?.providerTaskId ? row : null;
      });
      await waitFor("the song to be working", () => received.some((e) => e.kind === "SONG" && e.status === "PROCESSING"));
      const beforeCut = received.length;

      proxy.cut(); // the client reconnects by itself, re-sending { after: 0 }
      await finishSuno(stack, song.providerTaskId!);
      await waitFor("the video to complete", () => received.some((e) => e.kind === "VIDEO" && e.status === "COMPLETED"), { timeoutMs: 40_000 });

      const stored = (await stack.api.app.services.prisma.generationEvent.findMany({ where: { projectId: rowId }, orderBy: { sequence: "asc" } })).map((e) => e.sequence);
      const seqs = received.map((e) => e.sequence);
      expect(seqs).toEqual(stored.slice(0, seqs.length)); // in order, no repeat, no gap
      expect(seqs.length).toBeGreaterThan(beforeCut);
      expect(received.every((e) => e.projectId === projectId)).toBe(true);
    } finally {
      stop();
      client.stop();
      await proxy.close();
    }
  });
});

it("control: without lastSequences the same reconnect replays from the original `after` (events seen twice)", async () => {
  const proxy = await proxyFor(stack.api.url, 80);
  const { user, projectId, rowId } = await projectWithPhotos(stack, { storeName: "Control Bistro [sandbox:suno:hold]", photos: 1 });
  const client = clientFor("urql", proxy.url, user.token, "ws");
  const received: number[] = [];
  const stop = client.follow({ p: projectId, after: 0 }, (e) => received.push(e.sequence)); // never tracked
  try {
    await stack.api.gql(`mutation($p: ID!) { generateAd(projectId: $p) { id } }`, { p: projectId }, user.token);
    const song = await waitFor("the held Suno task", async () => {
      const row = await stack.api.app.services.prisma.song.findFirst({ where: { projectId: rowId } });
      return row?.providerTaskId ? row : null;
    });
    await waitFor("a few events", () => received.length >= 4);
    proxy.cut();
    await finishSuno(stack, song.providerTaskId!);
    const last = await waitFor("the video to complete", async () => {
      const video = await stack.api.app.services.prisma.video.findFirst({ where: { projectId: rowId, status: "COMPLETED" } });
      return video ? stack.api.app.services.prisma.project.findUniqueOrThrow({ where: { id: rowId } }) : null;
    });
    await waitFor("the last event", () => received.includes(last.eventSequence), { timeoutMs: 40_000 });
    expect(received.length).toBeGreaterThan(new Set(received).size);
  } finally {
    stop();
    await proxy.close();
  }
});

type ProjectsPage = { projects: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { id: string; storeName: string } }[] } };

describe("Apollo Client cache and HTTP", () => {
  it("normalizes by global id, paginates projects relay-style, uploads, and matches interface fragments", async () => {
    const { user } = await projectWithPhotos(stack, { photos: 0, storeName: "First" });
    const client = createApolloClient({ url: `${stack.api.url}/graphql`, getToken: () => user.token, sequences: createSequenceTracker(), webSocketImpl: WebSocket });
    for (const name of ["Second", "Third"]) {
      await client.mutate({ mutation: gql`mutation($i: CreateProjectInput!) { createProject(input: $i) { id storeName } }`, variables: { i: { storeName: name } } });
    }
    const PROJECTS = gql`query($after: String) { projects(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id storeName } } } }`;
    const watch = client.watchQuery<ProjectsPage>({ query: PROJECTS });
    const first = await new Promise<ProjectsPage>((resolve) => {
      const sub = watch.subscribe(({ data }) => {
        if (data?.projects) {
          sub.unsubscribe();
          resolve(data as ProjectsPage);
        }
      });
    });
    expect(first.projects.totalCount).toBe(3);
    expect(first.projects.edges.map((e) => e.node.storeName)).toEqual(["Third", "Second"]);
    await watch.fetchMore({ variables: { after: first.projects.pageInfo.endCursor } });
    // relayStylePagination merged both pages under one cache field.
    const merged = client.readQuery<ProjectsPage>({ query: PROJECTS });
    expect(merged!.projects.edges.map((e) => e.node.storeName)).toEqual(["Third", "Second", "First"]);

    // One entity per global id: a mutation result updates what the list shows.
    const target = merged!.projects.edges[2]!.node;
    await client.mutate({ mutation: gql`mutation($id: ID!) { updateProject(id: $id, input: { storeName: "First, renamed" }) { id storeName } }`, variables: { id: target.id } });
    expect(client.readQuery<ProjectsPage>({ query: PROJECTS })!.projects.edges[2]!.node.storeName).toBe("First, renamed");

    // Upload (multipart, with apollo-require-preflight for CSRF prevention).
    const png = Buffer.from(await (await fetch(`${stack.sandbox.url}/media/samples/photo-1.png?w=240&h=200`)).arrayBuffer());
    const uploaded = await client.mutate<{ uploadProjectImages: { id: string; fileName: string }[] }>({
      mutation: gql`mutation($p: ID!, $f: [File!]!) { uploadProjectImages(projectId: $p, files: $f) { id fileName } }`,
      variables: { p: target.id, f: [new File([png], "front.png", { type: "image/png" })] },
    });
    expect(uploaded.data!.uploadProjectImages.map((i) => i.fileName)).toEqual(["front.png"]);

    // possibleTypes: `... on Generation` on a node is matched, not silently dropped.
    const lyric = await client.mutate<{ generateLyric: { id: string } }>({ mutation: gql`mutation($p: ID!) { generateLyric(projectId: $p) { id } }`, variables: { p: target.id } });
    const node = await client.query<{ node: { __typename: string; status: string; kind: string } }>({
      query: gql`query($id: ID!) { node(id: $id) { id ... on Generation { status kind } } }`,
      variables: { id: lyric.data!.generateLyric.id },
      fetchPolicy: "network-only",
    });
    expect(node.data!.node).toMatchObject({ __typename: "Lyric", kind: "LYRIC" });
    expect(node.data!.node.status).toBeTruthy();
    client.stop();
  });
});

describe("urql", () => {
  it("uploads with the built-in multipart support and paginates with relayPagination", async () => {
    const { user, projectId } = await projectWithPhotos(stack, { photos: 0, storeName: "Urql One" });
    const client = createUrqlClient({ url: `${stack.api.url}/graphql`, getToken: () => user.token, sequences: createSequenceTracker(), webSocketImpl: WebSocket });
    const png = Buffer.from(await (await fetch(`${stack.sandbox.url}/media/samples/photo-2.png?w=240&h=200`)).arrayBuffer());
    const up = await client
      .mutation(`mutation($p: ID!, $f: [File!]!) { uploadProjectImages(projectId: $p, files: $f) { id fileName } }`, { p: projectId, f: [new File([png], "inside.png", { type: "image/png" })] })
      .toPromise();
    expect(up.error).toBeUndefined();
    expect(up.data.uploadProjectImages[0].fileName).toBe("inside.png");
    await client.mutation(`mutation { createProject(input: { storeName: "Urql Two" }) { id } }`, {}).toPromise();
    const Q = `query($after: String) { projects(first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id storeName imageCount } } } }`;
    const a = await client.query(Q, {}).toPromise();
    expect(a.data.projects.totalCount).toBe(2);
    const b = await client.query(Q, { after: a.data.projects.pageInfo.endCursor }).toPromise();
    expect(b.data.projects.edges.map((e: { node: { storeName: string } }) => e.node.storeName)).toEqual(["Urql Two", "Urql One"]);
  });
});

describe("viewerGenerationUpdated", () => {
  it("follows all of the viewer's projects on one connection, and resumes each from its own sequence", async () => {
    const a = await projectWithPhotos(stack, { photos: 1, storeName: "Dash A" });
    const token = a.user.token;
    // A second project of the same user.
    const created = await stack.api.gql<{ createProject: { id: string } }>(`mutation { createProject(input: { storeName: "Dash B", language: EN }) { id } }`, {}, token);
    const projectB = created.data!.createProject.id;
    const sequences = createSequenceTracker();
    const client = createUrqlClient({ url: `${stack.api.url}/graphql`, getToken: () => token, sequences, webSocketImpl: WebSocket });
    const DASH = `subscription($after: [ProjectSequenceInput!]) { viewerGenerationUpdated(after: $after) { projectId sequence kind status } }`;
    const received: Event[] = [];
    const sub = client.subscription<{ viewerGenerationUpdated: Event }>(DASH, { after: [{ projectId: a.projectId, sequence: 0 }, { projectId: projectB, sequence: 0 }] }).subscribe((r) => {
      if (!r.data) return;
      sequences.track(r.data.viewerGenerationUpdated);
      received.push(r.data.viewerGenerationUpdated);
    });
    // Both projects get work: an ad for A, lyrics for B.
    await stack.api.gql(`mutation($p: ID!) { generateAd(projectId: $p) { id } }`, { p: a.projectId }, token);
    await stack.api.gql(`mutation($p: ID!) { generateLyric(projectId: $p) { id } }`, { p: projectB }, token);
    await waitFor("both projects' work to finish", () =>
      received.some((e) => e.projectId === a.projectId && e.kind === "VIDEO" && e.status === "COMPLETED") &&
      received.some((e) => e.projectId === projectB && e.kind === "LYRIC" && e.status === "COMPLETED"), { timeoutMs: 40_000 });
    sub.unsubscribe();
    for (const p of [a.projectId, projectB]) {
      const seqs = received.filter((e) => e.projectId === p).map((e) => e.sequence);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // per project: 1, 2, 3… once each
    }

    // Resume A from the middle (only A), as a fresh page would: exactly what followed. (A client
    // that tracked later sequences sends them in connectionParams, and the later one wins.)
    const mid = Math.floor(received.filter((e) => e.projectId === a.projectId).length / 2);
    const again: number[] = [];
    const fresh = createUrqlClient({ url: `${stack.api.url}/graphql`, getToken: () => token, sequences: createSequenceTracker(), webSocketImpl: WebSocket });
    const resumed = fresh
      .subscription<{ viewerGenerationUpdated: Event }>(`subscription($ids: [ID!], $after: [ProjectSequenceInput!]) { viewerGenerationUpdated(projectIds: $ids, after: $after) { projectId sequence } }`, {
        ids: [a.projectId],
        after: [{ projectId: a.projectId, sequence: mid }],
      })
      .subscribe((r) => {
        if (r.data) again.push(r.data.viewerGenerationUpdated.sequence);
      });
    const total = received.filter((e) => e.projectId === a.projectId).length;
    await waitFor("the replay", () => again.length >= total - mid);
    resumed.unsubscribe();
    expect(again).toEqual(Array.from({ length: total - mid }, (_, i) => mid + 1 + i));

    // Someone else's project is NOT_FOUND.
    const other = await projectWithPhotos(stack, { photos: 0 });
    const refused = await new Promise<string | undefined>((resolve) => {
      client.subscription(DASH.replace("(after: $after)", "(projectIds: [$p])").replace("$after: [ProjectSequenceInput!]", "$p: ID!"), { p: other.projectId }).subscribe((r) => {
        if (r.error) resolve(r.error.graphQLErrors[0]?.extensions?.code as string | undefined);
      });
    });
    expect(refused).toBe("NOT_FOUND");
  });
});

describe("README", () => {
  it('shows exactly the client setups these tests run ("Connecting a client")', async () => {
    const { readFileSync } = await import("node:fs");
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    for (const file of ["resume.ts", "apollo.ts", "urql.ts"]) {
      expect(readme, file).toContain(readFileSync(new URL(`../../examples/clients/${file}`, import.meta.url), "utf8").trimEnd());
    }
  });
});
