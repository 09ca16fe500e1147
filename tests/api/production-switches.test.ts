// Production switches: GraphiQL and introspection are off by default with NODE_ENV=production
// (and config turns them back on); TRUSTED_DOCUMENTS_FILE accepts only the manifest's
// documents, over HTTP and over WebSocket alike.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postGraphql, startTestApi, signUp, type TestApi } from "../helpers/app.js";
import { expectError } from "../helpers/gql.js";
import { wsClient } from "../helpers/subscriptions.js";

const production = { NODE_ENV: "production", JWT_SECRET: randomBytes(24).toString("hex"), WEBHOOK_SECRET: randomBytes(12).toString("hex") };
const INTROSPECTION = "query { __schema { queryType { name } } }";

const graphiqlPage = (api: TestApi) => fetch(`${api.url}/graphql`, { headers: { accept: "text/html" } });

/** Runs one operation over graphql-ws and returns its errors (or none). */
async function overWs(api: TestApi, token: string, payload: { query: string; extensions?: Record<string, unknown> }) {
  const client = wsClient(api.url, token);
  try {
    return await new Promise<{ errors?: { extensions?: { code?: string } }[]; data?: unknown }>((resolve) => {
      client.subscribe(payload, {
        next: (v) => resolve(v as never),
        error: (err) => resolve({ errors: Array.isArray(err) ? (err as never) : [{ extensions: { code: String(err) } }] }),
        complete: () => {},
      });
    });
  } finally {
    await client.dispose();
  }
}

describe("NODE_ENV=production defaults", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ env: production });
  });
  afterAll(() => api?.close());

  it("serves no GraphiQL page and refuses introspection over HTTP and WebSocket", async () => {
    const page = await graphiqlPage(api);
    expect(await page.text()).not.toContain("<html");
    const res = await api.gql(INTROSPECTION);
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.message).toMatch(/introspection/i);
    const { token } = await signUp(api);
    const ws = await overWs(api, token, { query: INTROSPECTION });
    expect(ws.data).toBeUndefined();
    expect(JSON.stringify(ws.errors)).toMatch(/introspection/i);
    // Ordinary operations still work.
    expect((await api.gql(`query { viewer { id } }`, {}, token)).data).toEqual({ viewer: { id: expect.any(String) } });
  });
});

describe("NODE_ENV=production with GRAPHIQL=true INTROSPECTION=true", () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ env: { ...production, GRAPHIQL: "true", INTROSPECTION: "true" } });
  });
  afterAll(() => api?.close());

  it("serves GraphiQL and answers introspection", async () => {
    expect(await (await graphiqlPage(api)).text()).toContain("<html");
    const res = await api.gql<{ __schema: { queryType: { name: string } } }>(INTROSPECTION);
    expect(res.data?.__schema.queryType.name).toBe("Query");
  });
});

describe("TRUSTED_DOCUMENTS_FILE", () => {
  let api: TestApi;
  let dir: string;
  const VIEWER = "query Viewer { viewer { id } }";
  const hash = createHash("sha256").update(VIEWER).digest("hex");
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "castad-trusted-"));
    const manifest = join(dir, "persisted-documents.json");
    await writeFile(manifest, JSON.stringify({ [hash]: VIEWER }));
    api = await startTestApi({ env: { TRUSTED_DOCUMENTS_FILE: manifest } });
  });
  afterAll(async () => {
    await api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs listed documents by id and refuses any other document, over HTTP and WebSocket", async () => {
    const token = (await signUp(api).catch(() => null))?.token;
    // signUp is not in the manifest: arbitrary documents are refused.
    expect(token).toBeUndefined();
    const arbitrary = await api.gql(`query { viewer { id } }`);
    expectError(arbitrary, "PERSISTED_QUERY_ONLY");
    const unknown = await postGraphql(api.url, JSON.stringify({ documentId: "nope" }), { "content-type": "application/json" });
    expectError(unknown, "PERSISTED_QUERY_NOT_FOUND");
    const byId = await postGraphql<{ viewer: null }>(api.url, JSON.stringify({ documentId: hash }), { "content-type": "application/json" });
    expect(byId.errors, JSON.stringify(byId.errors)).toBeUndefined();
    expect(byId.data).toEqual({ viewer: null });
    const apq = await postGraphql<{ viewer: null }>(api.url, JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }), { "content-type": "application/json" });
    expect(apq.data).toEqual({ viewer: null });

    // WebSocket: a token from an ordinary instance (same secret and database) to get connected.
    const open = await startTestApi({ env: { JWT_SECRET: api.config.jwtSecret } });
    try {
      const user = await signUp(open);
      const refused = await overWs(api, user.token, { query: `query { viewer { id } }` });
      expect(refused.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_ONLY");
      const allowed = await overWs(api, user.token, { query: "", extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
      expect(allowed.errors).toBeUndefined();
      expect(allowed.data).toEqual({ viewer: { id: expect.any(String) } });
    } finally {
      await open.close();
    }
  });
});
