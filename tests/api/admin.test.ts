// The queue dashboard: refused without a token (401) and to non-admins (403), served to an
// admin made by the CLI (header or a token traded for a scoped cookie), read-only by default.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, startTestApi, type TestApi } from "../helpers/app.js";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api?.close());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${api.url}${path}`, { headers, redirect: "manual" });

describe("/admin/queues", () => {
  it("is refused without a token and to a signed-in user who is not an admin", async () => {
    expect((await get("/admin/queues")).status).toBe(401);
    expect((await get("/admin/queues/api/queues")).status).toBe(401);
    expect((await get("/admin/queues", { authorization: "Bearer not-a-token" })).status).toBe(401);
    const user = await signUp(api, "plain");
    expect((await get("/admin/queues", { authorization: `Bearer ${user.token}` })).status).toBe(403);
    expect((await get("/admin/queues/api/queues", { authorization: `Bearer ${user.token}` })).status).toBe(403);
    expect((await get(`/admin/queues?token=${user.token}`)).status).toBe(403);
    expect((await get("/admin/queues/api/queues", { cookie: `castad_admin=${user.token}` })).status).toBe(403);
  });

  it("serves an admin made by the CLI, read-only: the queues are listed, actions are refused", async () => {
    const admin = await signUp(api, "admin");
    const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATABASE_URL: api.config.DATABASE_URL };
    const { stdout } = await run(process.execPath, ["--import", "tsx", "src/admin-cli.ts", "grant", admin.email], { cwd: ROOT, env });
    expect(stdout).toContain("is now an admin");

    const page = await get("/admin/queues", { authorization: `Bearer ${admin.token}` });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<html");
    // The UI's own files come from the same (guarded) path.
    const base = /<base href="([^"]+)"/.exec(html)?.[1];
    const script = /src="(static\/js\/[^"]+\.js)"/.exec(html)?.[1];
    expect([base, script]).toEqual([expect.any(String), expect.any(String)]);
    const asset = new URL(script!, new URL(base!, api.url)).pathname;
    expect(asset.startsWith("/admin/queues/static/")).toBe(true);
    expect((await get(asset, { authorization: `Bearer ${admin.token}` })).status).toBe(200);
    expect((await get(asset)).status).toBe(401);
    // A token in the address is traded for a cookie scoped to the dashboard.
    const traded = await get(`/admin/queues?token=${admin.token}`);
    expect(traded.status).toBe(303);
    expect(traded.headers.get("location")).toBe("/admin/queues");
    const cookie = traded.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/admin\/queues/);
    const queues = await get("/admin/queues/api/queues", { cookie: cookie.split(";")[0]! });
    expect(queues.status).toBe(200);
    const body = (await queues.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual(["lyric", "song", "video"]);
    expect(body.queues.every((q) => q.readOnlyMode)).toBe(true);
    const pause = await fetch(`${api.url}/admin/queues/api/queues/lyric/pause`, { method: "PUT", headers: { cookie: cookie.split(";")[0]! } });
    expect(pause.status).toBeGreaterThanOrEqual(400);
    expect(await api.app.services.jobs.queues.LYRIC.isPaused()).toBe(false);

    // Taking the role back takes effect on the next request.
    await run(process.execPath, ["--import", "tsx", "src/admin-cli.ts", "revoke", admin.email], { cwd: ROOT, env });
    expect((await get("/admin/queues/api/queues", { cookie: cookie.split(";")[0]! })).status).toBe(403);
  });
});
