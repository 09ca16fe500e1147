import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { issueToken } from "../../src/auth/tokens.js";
import { postGraphql, signUp, startTestApi, type TestApi } from "../helpers/app.js";
import { assertWellFormed, checked, expectError, ok } from "../helpers/gql.js";

let api: TestApi;
beforeAll(async () => {
  api = checked(await startTestApi());
});
afterAll(() => api?.close());

const post = (body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  postGraphql(api.url, body, headers);

describe("GraphQL request errors", () => {
  it("a syntax error is a coded error, not a crash", async () => {
    const res = await api.gql(`{ viewer { `);
    expectError(res, "GRAPHQL_PARSE_FAILED");
    expect(res.data).toBeNull();
  });

  it("an unknown field is a coded validation error", async () => {
    expectError(await api.gql(`{ nope }`), "GRAPHQL_VALIDATION_FAILED");
    expectError(await api.gql(`{ viewer { id passwordHash } }`), "GRAPHQL_VALIDATION_FAILED");
  });

  it("missing or mistyped variables are BAD_USER_INPUT", async () => {
    expectError(await api.gql(`query($n: Int!) { projects(first: $n) { edges { cursor } } }`), "BAD_USER_INPUT");
    expectError(await api.gql(`query($n: Int!) { projects(first: $n) { edges { cursor } } }`, { n: "three" }), "BAD_USER_INPUT");
    expectError(
      await api.gql(`mutation($l: Language) { createProject(input: { storeName: "x", language: $l }) { id } }`, { l: "KLINGON" }),
      "BAD_USER_INPUT",
    );
  });

  it("malformed HTTP requests get a code and no internals", async () => {
    const badJson = await post("{not json");
    expectError(badJson, "BAD_USER_INPUT");
    expect(badJson.status).toBe(400);
    expect(JSON.stringify(badJson)).not.toContain("not json");

    expectError(await post(JSON.stringify([1, 2])), "BAD_USER_INPUT");
    expectError(await post(JSON.stringify({ variables: {} })), "BAD_USER_INPUT");

    const put = await fetch(`${api.url}/graphql`, { method: "PUT", body: "{}", headers: { "content-type": "application/json" } });
    expect(put.status).toBe(405);
    const body = (await put.json()) as { errors: { extensions?: Record<string, unknown> }[] };
    expect(body.errors.map((e) => e.extensions?.["code"])).toEqual(["METHOD_NOT_ALLOWED"]);
  });

  it("a bad cursor or page size is BAD_USER_INPUT, not an internal error", async () => {
    const { token } = await signUp(api);
    expectError(await api.gql(`{ projects(first: 2, after: "%%%") { edges { cursor } } }`, {}, token), "BAD_USER_INPUT");
    expectError(await api.gql(`{ projects(first: 2, before: "x", after: "y") { edges { cursor } } }`, {}, token), "BAD_USER_INPUT");
    expectError(await api.gql(`{ songs(first: -5) { edges { cursor } } }`, {}, token), "BAD_USER_INPUT");
  });
});

describe("health", () => {
  it("/health is 200 and /ready reports database and redis ok", async () => {
    const health = await fetch(`${api.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${api.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ok", database: "ok", redis: "ok" });
    expect((await fetch(`${api.url}/nowhere`)).status).toBe(404);
  });
});

describe("unexpected errors", () => {
  // An honest failure: the API runs but its database does not exist.
  let broken: TestApi;
  let missingDb: string;
  beforeAll(async () => {
    missingDb = `castad_test_missing_${randomBytes(4).toString("hex")}`;
    const url = new URL(inject("databaseUrl"));
    url.pathname = `/${missingDb}`;
    broken = await startTestApi({ env: { DATABASE_URL: url.toString() } });
  });
  afterAll(() => broken?.close());

  it("are masked as INTERNAL_SERVER_ERROR without message, stack or SQL", async () => {
    const token = await issueToken(broken.config, "6f1c1a52-7a8e-4c7f-9d55-1a2b3c4d5e6f");
    const responses = [
      await broken.gql(`mutation { signIn(input: { email: "a@b.co", password: "whatever1" }) { token } }`),
      await broken.gql(`{ projects(first: 3) { edges { node { id } } } }`, {}, token),
      await broken.gql(`mutation { createProject(input: { storeName: "x" }) { id } }`, {}, token),
    ];
    for (const res of responses) {
      expectError(res, "INTERNAL_SERVER_ERROR");
      expect(res.errors![0]!.message).toBe("Unexpected error.");
      expect(Object.keys(res.errors![0]!.extensions!)).toEqual(["code"]);
      expect(JSON.stringify(res)).not.toContain(missingDb);
    }
    // A token-only field still works: the failure is confined to what needs the database.
    const viewerless = await broken.gql(`{ __typename }`);
    expect(ok(viewerless)).toEqual({ __typename: "Query" });
  });

  it("/ready says which dependency is down; /health stays up", async () => {
    const ready = await fetch(`${broken.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: "unavailable", database: "unavailable", redis: "ok" });
    expect((await fetch(`${broken.url}/health`)).status).toBe(200);
  });
});

describe("assertWellFormed", () => {
  it("catches the leaks it is meant to catch", () => {
    const leaks = [
      { status: 200, data: null, errors: [{ message: "x" }] },
      { status: 200, data: null, errors: [{ message: "x", extensions: { code: "X", stack: "at foo (src/a.ts:1:1)" } }] },
      { status: 200, data: null, errors: [{ message: "x", extensions: { code: "X", originalError: { message: "y" } } }] },
      { status: 200, data: null, errors: [{ message: 'relation "users" does not exist: SELECT 1', extensions: { code: "X" } }] },
      { status: 500, data: null, errors: [{ message: "x", extensions: { code: "X" } }] },
    ];
    for (const res of leaks) expect(() => assertWellFormed(res)).toThrow();
    expect(() => assertWellFormed({ status: 200, data: null, errors: [{ message: "project not found", extensions: { code: "NOT_FOUND" } }] })).not.toThrow();
  });
});
