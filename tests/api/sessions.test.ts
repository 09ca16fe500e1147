// Access + rotating refresh tokens: refresh, reuse detection, signOut, a password change ending
// every session, and how HTTP and WebSocket report each auth failure (code + reason).
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { issueToken } from "../../src/auth/tokens.js";
import { startTestApi, type GqlResponse, type TestApi } from "../helpers/app.js";
import { checked, expectError, ok } from "../helpers/gql.js";

let api: TestApi;
let shortLived: TestApi;
beforeAll(async () => {
  [api, shortLived] = await Promise.all([startTestApi().then(checked), startTestApi({ env: { JWT_TTL_SECONDS: "3" } })]);
});
afterAll(async () => {
  await api?.close();
  await shortLived?.close();
});

const SESSION = `accessToken refreshToken accessTokenExpiresAt token user { id }`;
type Session = { accessToken: string; refreshToken: string; accessTokenExpiresAt: string; token: string; user: { id: string } };
const PASSWORD = "correct horse battery";
const VIEWER = `{ viewer { id } projects(first: 1) { totalCount } }`;

async function signUp(target = api) {
  const email = `s-${randomBytes(4).toString("hex")}@example.com`;
  const res = await target.gql<{ signUp: Session }>(`mutation($i: SignUpInput!) { signUp(input: $i) { ${SESSION} } }`, { i: { email, password: PASSWORD } });
  return { email, ...ok(res).signUp };
}
const signIn = async (email: string, password = PASSWORD) =>
  api.gql<{ signIn: Session }>(`mutation($i: SignInInput!) { signIn(input: $i) { ${SESSION} } }`, { i: { email, password } });
const refresh = (refreshToken: string) => api.gql<{ refreshToken: Session }>(`mutation($r: String!) { refreshToken(refreshToken: $r) { ${SESSION} } }`, { r: refreshToken });
const reasonOf = (res: GqlResponse<unknown>) => res.errors?.[0]?.extensions?.reason;

describe("access and refresh tokens", () => {
  it("signUp returns both; the access token is short-lived (JWT_TTL_SECONDS) and token is its alias", async () => {
    const s = await signUp();
    expect(s.token).toBe(s.accessToken);
    const ttl = new Date(s.accessTokenExpiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000);
    // accessTokenExpiresAt is the token's own exp claim, to the second.
    const exp = (JSON.parse(Buffer.from(s.accessToken.split(".")[1]!, "base64url").toString()) as { exp: number }).exp;
    expect(new Date(s.accessTokenExpiresAt).getTime()).toBe(exp * 1000);
    expect(ok(await api.gql<{ viewer: { id: string } }>(VIEWER, {}, s.accessToken)).viewer.id).toBe(s.user.id);
  });

  it("refreshToken rotates: new tokens work, the old refresh token is refused, and replaying it ends the session", async () => {
    const s = await signUp();
    const next = ok(await refresh(s.refreshToken)).refreshToken;
    expect(next.refreshToken).not.toBe(s.refreshToken);
    expect(next.user.id).toBe(s.user.id);
    expect(ok(await api.gql<{ viewer: { id: string } }>(VIEWER, {}, next.accessToken)).viewer.id).toBe(s.user.id);

    // The old one again: a stolen copy is being used. Both holders lose the session.
    const replay = await refresh(s.refreshToken);
    expectError(replay, "UNAUTHENTICATED");
    expect(reasonOf(replay)).toBe("REFRESH_TOKEN_REUSED");
    const after = await api.gql(VIEWER, {}, next.accessToken);
    expectError(after, "UNAUTHENTICATED");
    expect(reasonOf(after)).toBe("SESSION_REVOKED");
    expect(reasonOf(await refresh(next.refreshToken))).toBe("REFRESH_TOKEN_INVALID");
    expect(reasonOf(await refresh("not-a-refresh-token"))).toBe("REFRESH_TOKEN_INVALID");
  });

  it("two concurrent refreshes with one token: exactly one wins", async () => {
    const s = await signUp();
    const results = await Promise.all([refresh(s.refreshToken), refresh(s.refreshToken)]);
    expect(results.filter((r) => r.data?.refreshToken).length).toBe(1);
  });

  it("signOut ends the session at once: its access and refresh tokens stop working; other sessions go on", async () => {
    const s = await signUp();
    const other = ok(await signIn(s.email)).signIn;
    const out = await api.gql<{ signOut: boolean }>(`mutation { signOut }`, {}, s.accessToken);
    expect(ok(out).signOut).toBe(true);
    const res = await api.gql(VIEWER, {}, s.accessToken);
    expectError(res, "UNAUTHENTICATED");
    expect(reasonOf(res)).toBe("SESSION_REVOKED");
    expect(res.errors![0]!.message).toMatch(/signed out/);
    expect(reasonOf(await refresh(s.refreshToken))).toBe("REFRESH_TOKEN_INVALID");
    expect(ok(await api.gql<{ viewer: { id: string } }>(VIEWER, {}, other.accessToken)).viewer.id).toBe(s.user.id);
    // By refresh token alone (an app whose access token has expired).
    expect(ok(await api.gql<{ signOut: boolean }>(`mutation($r: String) { signOut(refreshToken: $r) }`, { r: other.refreshToken })).signOut).toBe(true);
    expect(reasonOf(await api.gql(VIEWER, {}, other.accessToken))).toBe("SESSION_REVOKED");
  });

  it("changePassword ends every session, returns a new one, and only the new password signs in", async () => {
    const s = await signUp();
    const laptop = ok(await signIn(s.email)).signIn;
    const wrong = await api.gql(`mutation { changePassword(input: { currentPassword: "nope nope", newPassword: "a brand new password" }) { accessToken } }`, {}, s.accessToken);
    expectError(wrong, "BAD_USER_INPUT", "input.currentPassword");
    const changed = ok(
      await api.gql<{ changePassword: Session }>(
        `mutation($i: ChangePasswordInput!) { changePassword(input: $i) { ${SESSION} } }`,
        { i: { currentPassword: PASSWORD, newPassword: "a brand new password" } },
        s.accessToken,
      ),
    ).changePassword;
    for (const old of [s, laptop]) {
      expect(reasonOf(await api.gql(VIEWER, {}, old.accessToken))).toBe("SESSION_REVOKED");
      expect(reasonOf(await refresh(old.refreshToken))).toBe("REFRESH_TOKEN_INVALID");
    }
    expect(ok(await api.gql<{ viewer: { id: string } }>(VIEWER, {}, changed.accessToken)).viewer.id).toBe(s.user.id);
    expectError(await signIn(s.email), "UNAUTHENTICATED");
    expect(ok(await signIn(s.email, "a brand new password")).signIn.user.id).toBe(s.user.id);
  });

  it("HTTP says why: TOKEN_MISSING, TOKEN_INVALID, TOKEN_EXPIRED", async () => {
    const s = await signUp();
    expect(reasonOf(await api.gql(`{ projects(first: 1) { totalCount } }`))).toBe("TOKEN_MISSING");
    expect(reasonOf(await api.gql(VIEWER, {}, "garbage"))).toBe("TOKEN_INVALID");
    const expired = await issueToken({ jwtSecret: api.config.jwtSecret, JWT_TTL_SECONDS: 0 }, s.user.id);
    expect(reasonOf(await api.gql(VIEWER, {}, expired))).toBe("TOKEN_EXPIRED");
  });
});

/** Connects over graphql-ws and resolves with how the connection ended (or "connected"). */
function connect(target: TestApi, connectionParams: Record<string, unknown>, opts: { stayOpen?: boolean } = {}) {
  let client!: Client;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    client = createClient({
      url: `${target.url.replace(/^http/, "ws")}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams,
      lazy: false,
      retryAttempts: 0,
      on: { closed: (e) => resolve({ code: (e as { code: number }).code, reason: String((e as { reason: unknown }).reason) }) },
      onNonLazyError: () => {},
    });
  });
  const connected = new Promise<boolean>((resolve) => {
    client.on("connected", () => resolve(true));
    void closed.then(() => resolve(false));
  });
  return { client, closed, connected, stayOpen: opts.stayOpen };
}

describe("WebSocket auth", () => {
  it("accepts connectionParams.headers.Authorization as well as connectionParams.authorization", async () => {
    const s = await signUp();
    for (const params of [{ authorization: `Bearer ${s.accessToken}` }, { headers: { Authorization: `Bearer ${s.accessToken}` } }]) {
      const c = connect(api, params);
      expect(await c.connected).toBe(true);
      await c.client.dispose();
    }
  });

  it("refuses with 4401 and a reason (fatal for graphql-ws: no retry loop) or 4419 for an expired token", async () => {
    const s = await signUp();
    const missing = connect(api, {});
    expect(await missing.closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/^TOKEN_MISSING: /) });
    const invalid = connect(api, { authorization: "Bearer garbage" });
    expect(await invalid.closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/^TOKEN_INVALID: /) });
    const expired = await issueToken({ jwtSecret: api.config.jwtSecret, JWT_TTL_SECONDS: 0 }, s.user.id);
    const stale = connect(api, { authorization: `Bearer ${expired}` });
    expect(await stale.closed).toMatchObject({ code: 4419, reason: expect.stringMatching(/^TOKEN_EXPIRED: /) });
    await api.gql(`mutation { signOut }`, {}, s.accessToken);
    const revoked = connect(api, { authorization: `Bearer ${s.accessToken}` });
    expect(await revoked.closed).toMatchObject({ code: 4401, reason: expect.stringMatching(/^SESSION_REVOKED: /) });
  });

  it("closes an open socket with 4419 when its access token expires; a refreshing connectionParams reconnects", async () => {
    const s = await signUp(shortLived);
    let current = s;
    let connects = 0;
    const closes: number[] = [];
    const client = createClient({
      url: `${shortLived.url.replace(/^http/, "ws")}/graphql`,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 3,
      retryWait: () => Promise.resolve(),
      // What a client does: refresh the access token when it has expired, on every (re)connect.
      connectionParams: async () => {
        connects++;
        if (new Date(current.accessTokenExpiresAt).getTime() <= Date.now() + 1000) {
          const res = await shortLived.gql<{ refreshToken: Session }>(`mutation($r: String!) { refreshToken(refreshToken: $r) { ${SESSION} } }`, { r: current.refreshToken });
          current = { ...current, ...ok(res).refreshToken };
        }
        return { authorization: `Bearer ${current.accessToken}` };
      },
      on: { closed: (e) => closes.push((e as { code: number }).code) },
    });
    const reconnected = new Promise<void>((resolve) => {
      let n = 0;
      client.on("connected", () => ++n === 2 && resolve());
    });
    await reconnected;
    expect(closes[0]).toBe(4419);
    expect(connects).toBeGreaterThanOrEqual(2);
    expect(current.refreshToken).not.toBe(s.refreshToken);
    await client.dispose();
  });
});
