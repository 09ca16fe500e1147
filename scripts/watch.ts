// Example client: what a frontend does to follow an ad being made.
//   npm run watch                  creates a demo project with two photos, then runs generateAd
//   npm run watch -- <projectId>   runs generateAd for one of your projects
// Environment: CASTAD_URL (default http://127.0.0.1:4000), CASTAD_EMAIL, CASTAD_PASSWORD
// (default: a demo account, created on first use).
// Events come over graphql-ws; when the connection drops the client reconnects and resumes
// with `after` = the last sequence it printed, so nothing is missed or shown twice.
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { makePng } from "../sandbox/png.js";

const BASE = (process.env.CASTAD_URL ?? "http://127.0.0.1:4000").replace(/\/$/, "");
const EMAIL = process.env.CASTAD_EMAIL ?? "demo@castad.local";
const PASSWORD = process.env.CASTAD_PASSWORD ?? "demo-password";

async function gql<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const res = await fetch(`${BASE}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) {
    const e = body.errors[0]!;
    throw Object.assign(new Error(`${e.extensions?.code ?? "ERROR"}: ${e.message}`), { code: e.extensions?.code });
  }
  return body.data!;
}

async function token(): Promise<string> {
  const input = { email: EMAIL, password: PASSWORD };
  try {
    return (await gql<{ signIn: { token: string } }>(`mutation($i: SignInInput!) { signIn(input: $i) { token } }`, { i: input })).signIn.token;
  } catch (err) {
    if ((err as { code?: string }).code !== "UNAUTHENTICATED" || process.env.CASTAD_EMAIL) throw err;
    const i = { ...input, name: "Demo" };
    return (await gql<{ signUp: { token: string } }>(`mutation($i: SignUpInput!) { signUp(input: $i) { token } }`, { i })).signUp.token;
  }
}

async function demoProject(auth: string): Promise<string> {
  const { createProject } = await gql<{ createProject: { id: string } }>(
    `mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }`,
    { i: { storeName: "Sunny Side Bakery", address: "12 Harbor Road", description: "Fresh bread every morning and the best croissants in town", language: "EN" } },
    auth,
  );
  const form = new FormData();
  form.append("operations", JSON.stringify({
    query: `mutation($p: ID!, $f: [File!]!) { uploadProjectImages(projectId: $p, files: $f) { id } }`,
    variables: { p: createProject.id, f: [null, null] },
  }));
  form.append("map", JSON.stringify({ 0: ["variables.f.0"], 1: ["variables.f.1"] }));
  form.append("0", new Blob([new Uint8Array(makePng(640, 360, 1))], { type: "image/png" }), "front.png");
  form.append("1", new Blob([new Uint8Array(makePng(640, 360, 2))], { type: "image/png" }), "inside.png");
  const res = await fetch(`${BASE}/graphql`, { method: "POST", body: form, headers: { authorization: `Bearer ${auth}`, "graphql-require-preflight": "1" } });
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) throw new Error(`upload failed: ${JSON.stringify(body.errors)}`);
  return createProject.id;
}

interface Update {
  sequence: number;
  kind: string;
  status: string;
  progress: number;
  message: string | null;
  generation: { audioUrl?: string | null; videoUrl?: string | null; error?: string | null };
}

async function main() {
  const auth = await token();
  const projectId = process.argv[2] ?? (await demoProject(auth));
  console.log(`project ${projectId}`);
  const client = createClient({
    url: `${BASE.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${auth}` },
    retryAttempts: 10,
    shouldRetry: () => true,
    on: { closed: () => !finished && console.log("… connection closed, reconnecting") },
  });
  // Subscribe from the current head: every later event is replayed or streamed, so the
  // mutation can start at once without racing the subscription.
  const { project } = await gql<{ project: { lastEventSequence: number } }>(
    `query($p: ID!) { project(id: $p) { lastEventSequence } }`,
    { p: projectId },
    auth,
  );
  let after = project.lastEventSequence;
  const head = after;
  let finished = false;
  const query = `subscription($p: ID!, $after: Int) { generationUpdated(projectId: $p, after: $after) {
    sequence kind status progress message
    generation { ... on Song { audioUrl } ... on Video { videoUrl } error }
  } }`;
  const run = await gql<{ generateAd: { video: { id: string } } }>(`mutation($p: ID!) { generateAd(projectId: $p) { video { id } } }`, { p: projectId }, auth);
  console.log(`generateAd started (video ${run.generateAd.video.id})`);
  while (!finished) {
    try {
      for await (const result of client.iterate<{ generationUpdated: Update }>({ query, variables: { p: projectId, after } })) {
        if (result.errors) throw new Error(result.errors.map((e) => e.message).join("; "));
        const u = result.data!.generationUpdated;
        if (u.sequence <= after) continue; // seen before a reconnect
        after = u.sequence;
        const link = u.generation.videoUrl ?? u.generation.audioUrl;
        console.log(`#${u.sequence} ${u.kind.padEnd(5)} ${u.status.padEnd(10)} ${String(u.progress).padStart(3)}%  ${u.message ?? ""}${link && u.status === "COMPLETED" ? `\n      ${link}` : ""}`);
        if (u.kind === "VIDEO" && ["COMPLETED", "FAILED", "CANCELLED"].includes(u.status) && u.sequence > head) {
          finished = true;
          break;
        }
      }
    } catch (err) {
      console.error(`subscription interrupted (${(err as Error).message ?? err}); resuming after #${after}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  await client.dispose();
}

main().catch((err: unknown) => {
  console.error((err as Error).message ?? err);
  process.exit(1);
});
