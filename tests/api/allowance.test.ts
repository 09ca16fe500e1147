// Billable work per user (src/generations/allowance.ts): an ad quota per 30 days and a limit on
// generations at once, both refused with QUOTA_EXCEEDED before any row (or provider call) exists,
// and shown in viewer.usage. Runs an API without workers, so created rows stay QUEUED.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, startTestApi, type TestApi } from "../helpers/app.js";
import { checked, createProject, expectError, ok, rowId, upload } from "../helpers/gql.js";
import { JPEG } from "../helpers/images.js";
import { startSandbox, type Sandbox } from "../../sandbox/server.js";

let api: TestApi;
// generateAd reads the video template before anything is spent, so a sandbox must answer.
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
  const { hostname, port } = new URL(sandbox.url);
  api = checked(
    await startTestApi({ env: { AD_QUOTA_PER_30_DAYS: "2", MAX_ACTIVE_GENERATIONS_PER_USER: "7", SANDBOX_HOST: hostname, SANDBOX_PORT: port } }),
  );
});
afterAll(async () => {
  await api?.close();
  await sandbox?.close();
});

const AD = `mutation($p: ID!) { generateAd(projectId: $p) { video { id } } }`;
const LYRIC = `mutation($p: ID!) { generateLyric(projectId: $p) { id } }`;
const USAGE = `{ viewer { usage { adsInPeriod adsLimit periodDays activeGenerations activeLimit } } }`;
type UsageData = { viewer: { usage: { adsInPeriod: number; adsLimit: number; periodDays: number; activeGenerations: number; activeLimit: number } } };

async function projectWithPhoto(token: string) {
  const id = await createProject(api, token);
  ok(await upload(api, token, id, [{ name: "front.jpg", type: "image/jpeg", bytes: JPEG }]));
  return id;
}

describe("per-user allowances", () => {
  it("the ad quota refuses the third ad with QUOTA_EXCEEDED before anything is created; concurrent calls cannot overshoot", async () => {
    const user = await signUp(api, "quota");
    const [a, b, c, d] = [await projectWithPhoto(user.token), await projectWithPhoto(user.token), await projectWithPhoto(user.token), await projectWithPhoto(user.token)];
    ok(await api.gql(AD, { p: a }, user.token));
    // Two at once for the one ad left: exactly one gets it.
    const both = await Promise.all([api.gql(AD, { p: b }, user.token), api.gql(AD, { p: c }, user.token)]);
    const codes = both.map((r) => r.errors?.[0]?.extensions?.code ?? "OK").sort();
    expect(codes).toEqual(["OK", "QUOTA_EXCEEDED"]);
    const refused = await api.gql(AD, { p: d }, user.token);
    expectError(refused, "QUOTA_EXCEEDED");
    expect(refused.errors![0]!.extensions).toMatchObject({ limit: "ads", used: 2, max: 2 });
    expect(await api.app.services.prisma.video.count({ where: { projectId: rowId(d) } })).toBe(0);
    const usage = ok(await api.gql<UsageData>(USAGE, {}, user.token)).viewer.usage;
    expect(usage).toEqual({ adsInPeriod: 2, adsLimit: 2, periodDays: 30, activeGenerations: 6, activeLimit: 7 });
    // Someone else is not affected.
    const other = await signUp(api, "quota-other");
    ok(await api.gql(AD, { p: await projectWithPhoto(other.token) }, other.token));
  });

  it("the active-generation limit refuses work beyond it until some finishes", async () => {
    const user = await signUp(api, "active");
    const projects = await Promise.all(Array.from({ length: 8 }, () => createProject(api, user.token)));
    for (const p of projects.slice(0, 7)) ok(await api.gql(LYRIC, { p }, user.token));
    const refused = await api.gql(LYRIC, { p: projects[7] }, user.token);
    expectError(refused, "QUOTA_EXCEEDED");
    expect(refused.errors![0]!.extensions).toMatchObject({ limit: "active", used: 7, max: 7 });
    // One finishes (here: cancelled), and there is room again.
    const lyric = await api.app.services.prisma.lyric.findFirstOrThrow({ where: { projectId: rowId(projects[0]!) } });
    await api.app.services.prisma.lyric.update({ where: { id: lyric.id }, data: { status: "CANCELLED" } });
    ok(await api.gql(LYRIC, { p: projects[7] }, user.token));
  });
});
