import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { issueToken, verifyToken } from "../../src/auth/tokens.js";
import { postGraphql, startTestApi, type TestApi } from "../helpers/app.js";
import { checked, expectError, ok, rowId } from "../helpers/gql.js";

let api: TestApi;
beforeAll(async () => {
  api = checked(await startTestApi());
});
afterAll(() => api?.close());

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { token user { id email name } } }`;
const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { token user { id email } } }`;
const PROJECTS = `{ projects(first: 5) { edges { node { id } } } }`;

type AuthData = { token: string; user: { id: string; email: string; name?: string | null } };
const uniqueEmail = (tag: string) => `${tag}-${randomBytes(4).toString("hex")}@Example.COM`;
const PASSWORD = "correct horse battery";

describe("signUp / signIn", () => {
  it("signs up, stores a scrypt hash (not the password), and the token identifies the user", async () => {
    const email = uniqueEmail("new");
    const res = await api.gql<{ signUp: AuthData }>(SIGN_UP, { input: { email: `  ${email} `, password: PASSWORD, name: " Kim " } });
    const { token, user } = ok(res).signUp;
    expect(user.email).toBe(email.toLowerCase());
    expect(user.name).toBe("Kim");
    expect(token.split(".")).toHaveLength(3);

    const row = await api.app.services.prisma.user.findUniqueOrThrow({ where: { id: rowId(user.id) } });
    expect(row.email).toBe(email.toLowerCase());
    expect(row.passwordHash).not.toBe(PASSWORD);
    expect(row.passwordHash).not.toContain(PASSWORD);
    expect(row.passwordHash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);

    const viewer = ok(await api.gql<{ viewer: { id: string; email: string } }>(`{ viewer { id email } }`, {}, token));
    expect(viewer.viewer).toEqual({ id: user.id, email: email.toLowerCase() });
  });

  it("signs in with the right password (email matched case-insensitively)", async () => {
    const email = uniqueEmail("signin");
    const up = ok(await api.gql<{ signUp: AuthData }>(SIGN_UP, { input: { email, password: PASSWORD } })).signUp;
    const res = await api.gql<{ signIn: AuthData }>(SIGN_IN, { input: { email: email.toUpperCase(), password: PASSWORD } });
    const { token, user } = ok(res).signIn;
    expect(user.id).toBe(up.user.id);
    const viewer = ok(await api.gql<{ viewer: { id: string } }>(`{ viewer { id } }`, {}, token));
    expect(viewer.viewer.id).toBe(up.user.id);
  });

  it("rejects a wrong password and an unknown email alike with UNAUTHENTICATED", async () => {
    const email = uniqueEmail("wrong");
    ok(await api.gql(SIGN_UP, { input: { email, password: PASSWORD } }));
    const wrong = await api.gql(SIGN_IN, { input: { email, password: "not the password" } });
    expectError(wrong, "UNAUTHENTICATED");
    expect(wrong.data).toBeNull();
    const unknown = await api.gql(SIGN_IN, { input: { email: uniqueEmail("nobody"), password: PASSWORD } });
    expectError(unknown, "UNAUTHENTICATED");
    expect(unknown.errors![0]!.message).toBe(wrong.errors![0]!.message);
  });

  it("sign-in limits count wrong passwords per account + client: a stranger cannot lock the owner out", async () => {
    const limited = await startTestApi({
      env: { TRUST_PROXY: "true", SIGNIN_FAILURES_PER_ACCOUNT_IP: "3", SIGNIN_FAILURES_PER_IP: "6", SIGNIN_SLOWDOWN_AFTER: "100" },
    });
    const from = (ip: string, query: string, variables: Record<string, unknown>) =>
      postGraphql<Record<string, unknown>>(limited.url, JSON.stringify({ query, variables }), { "content-type": "application/json", "x-forwarded-for": ip });
    try {
      const email = uniqueEmail("guessed");
      ok(await from("10.0.0.9", SIGN_UP, { input: { email, password: PASSWORD } }));
      for (let i = 0; i < 3; i++) expectError(await from("10.0.0.1", SIGN_IN, { input: { email, password: `guess ${i}` } }), "UNAUTHENTICATED");
      // The guesser is refused for this account, even with the right password...
      const blocked = await from("10.0.0.1", SIGN_IN, { input: { email: email.toUpperCase(), password: PASSWORD } });
      expectError(blocked, "RATE_LIMITED");
      expect(blocked.errors![0]!.extensions!["retryAfterSeconds"]).toBeGreaterThan(0);
      // ...the owner, from their own address, is not.
      ok(await from("10.0.0.2", SIGN_IN, { input: { email, password: PASSWORD } }));
      // Spraying many accounts from one address meets the per-address limit.
      const sprayed: string[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await from("10.0.0.3", SIGN_IN, { input: { email: uniqueEmail(`spray${i}`), password: "guess" } });
        sprayed.push(res.errors![0]!.extensions!.code!);
      }
      console.log(`[auth] spraying 8 emails from one address: ${sprayed.join(" ")}`);
      expect(sprayed.slice(0, 6).every((c) => c === "UNAUTHENTICATED")).toBe(true);
      expect(sprayed.slice(6)).toEqual(["RATE_LIMITED", "RATE_LIMITED"]);
    } finally {
      await limited.close();
    }
  });

  it("sign-ups are limited per client address", async () => {
    const limited = await startTestApi({ env: { TRUST_PROXY: "true", SIGNUPS_PER_IP_PER_HOUR: "3" } });
    const from = (ip: string) =>
      postGraphql(limited.url, JSON.stringify({ query: SIGN_UP, variables: { input: { email: uniqueEmail("many"), password: PASSWORD } } }), {
        "content-type": "application/json",
        "x-forwarded-for": ip,
      });
    try {
      for (let i = 0; i < 3; i++) ok(await from("10.1.0.1"));
      expectError(await from("10.1.0.1"), "RATE_LIMITED");
      ok(await from("10.1.0.2"));
    } finally {
      await limited.close();
    }
  });

  it("NUL bytes and unpaired surrogates in any of the 8 text inputs are BAD_USER_INPUT naming the field", async () => {
    const token = ok(await api.gql<{ signUp: AuthData }>(SIGN_UP, { input: { email: uniqueEmail("nul"), password: PASSWORD } })).signUp.token;
    const project = ok(await api.gql<{ createProject: { id: string } }>(`mutation { createProject(input: { storeName: "Cafe" }) { id } }`, {}, token)).createProject.id;
    const cases: [string, Record<string, unknown>, string][] = [
      [SIGN_UP, { input: { email: "a@b.co", password: "pass\u0000word", name: "x" } }, "input.password"],
      [SIGN_UP, { input: { email: uniqueEmail("n"), password: PASSWORD, name: "a\u0000b" } }, "input.name"],
      [SIGN_IN, { input: { email: "a\u0000@b.co", password: PASSWORD } }, "input.email"],
      [`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, { input: { storeName: "Ca\u0000fe" } }, "input.storeName"],
      [`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, { input: { storeName: "Cafe", address: "\ud800 Main St" } }, "input.address"],
      [`mutation($id: ID!, $input: UpdateProjectInput!) { updateProject(id: $id, input: $input) { id } }`, { id: project, input: { description: "nul\u0000" } }, "input.description"],
      [`mutation($p: ID!, $input: GenerateLyricInput) { generateLyric(projectId: $p, input: $input) { id } }`, { p: project, input: { mood: "co\u0000zy" } }, "input.mood"],
      [`mutation($p: ID!, $input: GenerateSongInput) { generateSong(projectId: $p, input: $input) { id } }`, { p: project, input: { style: "pop\u0000" } }, "input.style"],
    ];
    for (const [query, variables, field] of cases) {
      const res = await api.gql(query, variables, token);
      expectError(res, "BAD_USER_INPUT", field);
    }
  });

  it("refuses a duplicate email, whatever its case, naming input.email", async () => {
    const email = uniqueEmail("dup");
    ok(await api.gql(SIGN_UP, { input: { email, password: PASSWORD } }));
    const again = await api.gql(SIGN_UP, { input: { email: email.toLowerCase(), password: "another password" } });
    expectError(again, "BAD_USER_INPUT", "input.email");
    const count = await api.app.services.prisma.user.count({ where: { email: email.toLowerCase() } });
    expect(count).toBe(1);
  });

  it("two simultaneous sign-ups with one email: exactly one wins, the other names input.email", async () => {
    const email = uniqueEmail("race");
    const results = await Promise.all([
      api.gql<{ signUp: AuthData }>(SIGN_UP, { input: { email, password: PASSWORD } }),
      api.gql<{ signUp: AuthData }>(SIGN_UP, { input: { email: email.toUpperCase(), password: PASSWORD } }),
    ]);
    expect(results.filter((r) => r.data?.signUp).length).toBe(1);
    expectError(results.find((r) => r.errors)!, "BAD_USER_INPUT", "input.email");
  });

  it("validates the input, naming the field", async () => {
    expectError(await api.gql(SIGN_UP, { input: { email: uniqueEmail("short"), password: "1234567" } }), "BAD_USER_INPUT", "input.password");
    expectError(
      await api.gql(SIGN_UP, { input: { email: uniqueEmail("long"), password: "x".repeat(201) } }),
      "BAD_USER_INPUT",
      "input.password",
    );
    expectError(await api.gql(SIGN_UP, { input: { email: "not-an-email", password: PASSWORD } }), "BAD_USER_INPUT", "input.email");
    expectError(await api.gql(SIGN_IN, { input: { email: uniqueEmail("x"), password: "" } }), "BAD_USER_INPUT", "input.password");
  });
});

describe("bearer tokens", () => {
  let userId: string;
  beforeAll(async () => {
    const res = ok(await api.gql<{ signUp: AuthData }>(SIGN_UP, { input: { email: uniqueEmail("tok"), password: PASSWORD } }));
    userId = rowId(res.signUp.user.id);
  });

  it("viewer is null without a token; a protected query is UNAUTHENTICATED", async () => {
    const viewer = ok(await api.gql<{ viewer: unknown }>(`{ viewer { id } }`));
    expect(viewer.viewer).toBeNull();
    expectError(await api.gql(PROJECTS), "UNAUTHENTICATED");
  });

  it("an expired token is UNAUTHENTICATED and says so", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(userId)
      .setIssuer("castad")
      .setAudience("castad-api")
      .setIssuedAt(now - 3600)
      .setExpirationTime(now - 60)
      .sign(new TextEncoder().encode(api.config.jwtSecret));
    const res = await api.gql(PROJECTS, {}, expired);
    expectError(res, "UNAUTHENTICATED");
    expect(res.errors![0]!.message).toMatch(/expired/);

    // issueToken with a zero lifetime produces a token that is already expired.
    const instant = await issueToken({ jwtSecret: api.config.jwtSecret, JWT_TTL_SECONDS: 0 }, userId);
    expectError(await api.gql(PROJECTS, {}, instant), "UNAUTHENTICATED");
    // ...while the same user with a normal lifetime gets through.
    const fresh = await issueToken(api.config, userId);
    expect(ok(await api.gql<{ projects: { edges: unknown[] } }>(PROJECTS, {}, fresh)).projects.edges).toEqual([]);
  });

  it("a token verified once is remembered only for its own bytes, its own secret and its lifetime", async () => {
    const config = { jwtSecret: randomBytes(32).toString("base64url"), JWT_TTL_SECONDS: 60 };
    const token = await issueToken(config, userId);
    expect(await verifyToken(config, token)).toMatchObject({ ok: true, userId });
    expect(await verifyToken(config, token)).toMatchObject({ ok: true, userId });
    // The same string under another secret, and a changed signature, are checked in full.
    expect(await verifyToken({ ...config, jwtSecret: randomBytes(32).toString("base64url") }, token)).toEqual({ ok: false, reason: "invalid" });
    const tampered = token.slice(0, -2) + (token.endsWith("AA") ? "BB" : "AA");
    expect(await verifyToken(config, tampered)).toEqual({ ok: false, reason: "invalid" });
    // Expiry is checked on every use, remembered or not.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 61_000);
      expect(await verifyToken(config, token)).toEqual({ ok: false, reason: "expired" });
      expect(await verifyToken(config, token)).toEqual({ ok: false, reason: "expired" });
    } finally {
      vi.useRealTimers();
    }
  });

  it("garbage, foreign-secret and malformed headers are UNAUTHENTICATED", async () => {
    expectError(await api.gql(PROJECTS, {}, "garbage"), "UNAUTHENTICATED");
    expectError(await api.gql(PROJECTS, {}, "a.b.c"), "UNAUTHENTICATED");
    const foreign = await issueToken({ jwtSecret: "some-other-secret-that-is-long-enough", JWT_TTL_SECONDS: 60 }, userId);
    const res = await api.gql(PROJECTS, {}, foreign);
    expectError(res, "UNAUTHENTICATED");
    expect(res.errors![0]!.message).toMatch(/not valid/);
    // An Authorization header that is not "Bearer <token>" is not silently treated as anonymous.
    const basic = await fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Basic dXNlcjpwYXNz" },
      body: JSON.stringify({ query: PROJECTS }),
    });
    const body = (await basic.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
  });

  it("a token whose subject is not a user id, or whose user was deleted, is UNAUTHENTICATED (never a 500)", async () => {
    const CREATE = `mutation { createProject(input: { storeName: "Ghost" }) { id } }`;
    for (const sub of ["not-a-uuid", "1 OR 1=1", "00000000-0000-0000-0000-00000000000g"]) {
      const token = await issueToken(api.config, sub);
      expectError(await api.gql(CREATE, {}, token), "UNAUTHENTICATED");
      expectError(await api.gql(PROJECTS, {}, token), "UNAUTHENTICATED");
    }
    const email = uniqueEmail("deleted");
    const { token, user } = ok(await api.gql<{ signUp: AuthData }>(SIGN_UP, { input: { email, password: PASSWORD } })).signUp;
    await api.app.services.prisma.user.delete({ where: { id: rowId(user.id) } });
    const res = await api.gql(CREATE, {}, token);
    expectError(res, "UNAUTHENTICATED");
    expect(res.errors![0]!.message).toMatch(/no longer exists/);
    expect(ok(await api.gql<{ viewer: unknown }>(`{ viewer { id } }`, {}, token)).viewer).toBeNull();
  });
});
