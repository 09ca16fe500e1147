// castad_generations_finished_total and castad_generation_duration_seconds count every
// generation that reaches a final status, in the process that ended it (here the API's own
// registry): a user's cancellation and a failure, each with the later stages of the ad run it
// ended. A failure alerts once, for its own cause, not again for the stages it ended.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cancelGeneration } from "../../src/resolvers/generations.js";
import { failGeneration } from "../../src/generations/finished.js";
import { redisKey } from "../../src/redis.js";
import { startTestApi, type TestApi } from "../helpers/app.js";
import { startReceiver, type Received, type Receiver } from "../helpers/receiver.js";

let api: TestApi;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
  // No workers: only what the test ends, ends.
  api = await startTestApi({ role: "api", env: { ALERT_WEBHOOK_URL: `${receiver.url}/alerts`, ALERT_WEBHOOK_SECRET: "finished-test" } });
});
afterAll(async () => {
  await api?.close();
  await receiver?.close();
});

/** An ad run's three rows, written directly: the lyric in `lyricStatus`, song and video QUEUED. */
async function adRun(lyricStatus: "QUEUED" | "COMPLETED") {
  const prisma = api.app.services.prisma;
  const owner = await prisma.user.create({ data: { email: `finished-${randomBytes(4).toString("hex")}@example.com`, passwordHash: "-" } });
  const project = await prisma.project.create({ data: { ownerId: owner.id, storeName: "Finished Cafe", language: "EN" } });
  const lyric = await prisma.lyric.create({ data: { projectId: project.id, language: "EN", status: lyricStatus } });
  const song = await prisma.song.create({ data: { projectId: project.id, lyricId: lyric.id } });
  const video = await prisma.video.create({ data: { projectId: project.id, songId: song.id } });
  await prisma.adRun.create({ data: { projectId: project.id, lyricId: lyric.id, songId: song.id, videoId: video.id } });
  return { ctx: { services: api.app.services, viewer: { id: owner.id } }, lyric, song, video };
}

/** Counter values by "KIND STATUS ERROR_CODE", and the duration histogram's counts by "KIND STATUS". */
async function counts() {
  const { generations, generationDuration } = api.app.services.metrics;
  const finished = Object.fromEntries((await generations.get()).values.map((v) => [`${v.labels.kind} ${v.labels.status} ${v.labels.error_code}`, v.value]));
  const timed = (await generationDuration.get()).values.filter((v) => v.metricName === "castad_generation_duration_seconds_count");
  return { finished, timed: Object.fromEntries(timed.map((v) => [`${v.labels.kind} ${v.labels.status}`, v.value])) };
}
const change = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).flatMap(([k, v]) => (v !== (before[k] ?? 0) ? [[k, v - (before[k] ?? 0)]] : [])));

it("a user's cancellation counts the cancelled stage and the later stages it ended", async () => {
  const { ctx, lyric } = await adRun("QUEUED");
  const before = await counts();
  expect(await cancelGeneration(ctx, { typename: "Lyric", id: lyric.id })).toMatchObject({ status: "CANCELLED" });
  const after = await counts();
  expect(change(before.finished, after.finished)).toEqual({
    "LYRIC CANCELLED CANCELLED": 1,
    "SONG CANCELLED UPSTREAM_CANCELLED": 1,
    "VIDEO CANCELLED UPSTREAM_CANCELLED": 1,
  });
  expect(change(before.timed, after.timed)).toEqual({ "LYRIC CANCELLED": 1, "SONG CANCELLED": 1, "VIDEO CANCELLED": 1 });
});

it("a failure counts the failed stage and the later stages it ended once, and alerts for its own cause only", async () => {
  const { services } = api.app;
  const { song, video } = await adRun("COMPLETED");
  const before = await counts();
  const info = { code: "SUNO_GENERATE_FAILED", message: "The music service could not make this song." };
  expect(await failGeneration(services, "SONG", song.id, info)).toMatchObject({ status: "FAILED", errorCode: "SUNO_GENERATE_FAILED" });
  expect(await services.prisma.video.findUniqueOrThrow({ where: { id: video.id } })).toMatchObject({ status: "FAILED", errorCode: "UPSTREAM_FAILED" });
  // Ended already: a second failure (say, the reconciler's) finds nothing to end or count.
  expect(await failGeneration(services, "SONG", song.id, { code: "INTERNAL_ERROR", message: "The job stopped unexpectedly; retry it." })).toBeNull();
  const after = await counts();
  expect(change(before.finished, after.finished)).toEqual({ "SONG FAILED SUNO_GENERATE_FAILED": 1, "VIDEO FAILED UPSTREAM_FAILED": 1 });
  expect(change(before.timed, after.timed)).toEqual({ "SONG FAILED": 1, "VIDEO FAILED": 1 });

  const alertOf = (r: Received) => (r.body as { castad?: { alert?: string; errorCode?: string; generationId?: string } }).castad ?? {};
  const alert = await receiver.waitFor((r) => alertOf(r).alert === "generation_failed");
  expect(alertOf(alert)).toMatchObject({ errorCode: "SUNO_GENERATE_FAILED" });
  expect(JSON.stringify(alert.body)).toContain(song.id);
  // The song's and the video's would-be alerts reach Redis in that order on one connection (each
  // takes its error code's gate first): with the song's sent, the video's gate would be set by now.
  expect(await services.redis.exists(redisKey(services.config, "alerts", "failed", "UPSTREAM_FAILED"))).toBe(0);
  expect(receiver.received.filter((r) => alertOf(r).alert === "generation_failed")).toHaveLength(1);
});
