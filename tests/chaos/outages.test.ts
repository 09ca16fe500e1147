// Redis and PostgreSQL outages against a real API on private servers that this test stops and
// starts: answers come at once with SERVICE_UNAVAILABLE (+ Retry-After), /ready is 503, sign-ins
// during an outage do not count against anyone, and everything works again without a restart.
import { afterAll, describe, expect, it } from "vitest";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { signUp, startTestApi, type GqlResponse, type TestApi } from "../helpers/app.js";
import { ok } from "../helpers/gql.js";
import { startPrivatePostgres, startPrivateRedis } from "../helpers/private-services.js";

const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { token } }`;
const PASSWORD = "correct horse battery";
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

async function raw(api: TestApi, query: string, variables: Record<string, unknown>, token?: string) {
  const res = await fetch(`${api.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as GqlResponse<unknown>;
  return { status: res.status, retryAfter: res.headers.get("retry-after"), codes: body.errors?.map((e) => e.extensions?.code) ?? [] };
}

/** Waits (bounded) until /ready says 200: the moment the API sees the service back. */
async function readyAgain(api: TestApi, timeoutMs = 30_000) {
  const t = performance.now();
  while ((await fetch(`${api.url}/ready`)).status !== 200) {
    if (performance.now() - t > timeoutMs) throw new Error("the API did not become ready again");
    await new Promise((r) => setTimeout(r, 100));
  }
  return performance.now() - t;
}

describe("outages", () => {
  it("Redis down: SERVICE_UNAVAILABLE at once, nothing half-done, sockets told to reconnect; back by itself", async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.close());
    const api = await startTestApi({ env: { REDIS_URL: redis.url, SIGNIN_FAILURES_PER_ACCOUNT_IP: "3" } });
    cleanups.push(() => api.close());
    const user = await signUp(api, "redisdown");
    const project = ok(await api.gql<{ createProject: { id: string } }>(`mutation { createProject(input: { storeName: "Cafe" }) { id } }`, {}, user.token)).createProject.id;

    // A WebSocket subscription open when Redis goes away.
    const closed = new Promise<number>((resolve) => {
      const client = createClient({
        url: api.url.replace("http", "ws") + "/graphql",
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${user.token}` },
        retryAttempts: 0,
        on: { closed: (e) => resolve((e as { code: number }).code) },
      });
      cleanups.push(async () => client.dispose());
      client.subscribe({ query: `subscription($p: ID!) { generationUpdated(projectId: $p) { sequence } }`, variables: { p: project } }, { next: () => {}, error: () => {}, complete: () => {} });
    });
    await new Promise((r) => setTimeout(r, 300)); // let the subscription reach the server

    await redis.stop();
    const [signIn, signInMs] = await timed(() => raw(api, SIGN_IN, { input: { email: user.email, password: "wrong password" } }));
    const [gen, genMs] = await timed(() => raw(api, `mutation($p: ID!) { generateLyric(projectId: $p) { id } }`, { p: project }, user.token));
    const [ready, readyMs] = await timed(() => fetch(`${api.url}/ready`));
    const wsCode = await closed;
    console.log(
      `[outage] redis down: signIn ${signIn.codes} ${signIn.status} retry-after=${signIn.retryAfter} in ${signInMs.toFixed(0)} ms; ` +
        `generateLyric ${gen.codes} in ${genMs.toFixed(0)} ms; /ready ${ready.status} in ${readyMs.toFixed(0)} ms; websocket closed ${wsCode}`,
    );
    expect(signIn.codes).toEqual(["SERVICE_UNAVAILABLE"]);
    expect(signIn.retryAfter).toBe("5");
    expect(gen.codes).toEqual(["SERVICE_UNAVAILABLE"]);
    expect(ready.status).toBe(503);
    expect(wsCode).toBe(1013);
    // Nothing was written for the refused generation.
    expect(await api.app.services.prisma.lyric.count({ where: { project: { ownerId: Buffer.from(user.id, "base64").toString().split(":")[1]! } } })).toBe(0);
    // More failed sign-ins during the outage than the limit allows...
    for (let i = 0; i < 4; i++) expect((await raw(api, SIGN_IN, { input: { email: user.email, password: "wrong" } })).codes).toEqual(["SERVICE_UNAVAILABLE"]);

    await redis.start();
    const backMs = await readyAgain(api);
    console.log(`[outage] redis back: /ready 200 after ${backMs.toFixed(0)} ms`);
    // ...and the owner is not locked out; generations start again.
    ok(await api.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD } }));
    ok(await api.gql(`mutation($p: ID!) { generateLyric(projectId: $p) { id } }`, { p: project }, user.token));
  });

  it("PostgreSQL down: SERVICE_UNAVAILABLE (not INTERNAL_SERVER_ERROR) at once, nobody locked out; back by itself", async () => {
    const db = await startPrivatePostgres();
    cleanups.push(() => db.close());
    const api = await startTestApi({ env: { DATABASE_URL: db.url, SIGNIN_FAILURES_PER_ACCOUNT_IP: "3" } });
    cleanups.push(() => api.close());
    const user = await signUp(api, "pgdown");

    await db.stop();
    const results: string[] = [];
    let slowest = 0;
    // Wrong and right passwords alike, more than the limit: none may count.
    for (const password of ["wrong 1", "wrong 2", PASSWORD, "wrong 3", "wrong 4"]) {
      const [res, ms] = await timed(() => raw(api, SIGN_IN, { input: { email: user.email, password } }));
      results.push(`${res.codes}/${res.status}`);
      slowest = Math.max(slowest, ms);
      expect(res.codes).toEqual(["SERVICE_UNAVAILABLE"]);
      expect(res.retryAfter).toBe("5");
    }
    const [query, queryMs] = await timed(() => raw(api, `{ projects { edges { node { id } } } }`, {}, user.token));
    const [ready, readyMs] = await timed(() => fetch(`${api.url}/ready`));
    console.log(`[outage] postgres down: 5 sign-ins ${results.join(" ")} (slowest ${slowest.toFixed(0)} ms); projects ${query.codes} in ${queryMs.toFixed(0)} ms; /ready ${ready.status} in ${readyMs.toFixed(0)} ms`);
    expect(query.codes).toEqual(["SERVICE_UNAVAILABLE"]);
    expect(ready.status).toBe(503);

    await db.start();
    const backMs = await readyAgain(api);
    console.log(`[outage] postgres back: /ready 200 after ${backMs.toFixed(0)} ms`);
    ok(await api.gql(SIGN_IN, { input: { email: user.email, password: PASSWORD } }));
  });
});

