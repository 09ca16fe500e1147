// Failures: retryable errors retry with backoff, permanent ones fail at once with a clear code;
// a failed stage of an ad run ends the later ones; retryGeneration starts a fresh attempt.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, isFinal, projectWithPhotos, watchEvents, type Stack } from "../helpers/pipeline.js";
import { expectError } from "../helpers/gql.js";
import { finishSuno, globalId, jobState, listBlobs, rowIdOf, sandboxStats, waitFor } from "../helpers/pipeline-tools.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { JOB_ATTEMPTS: "3", JOB_BACKOFF_MS: "50" } });
});
afterAll(() => stack?.close());

const LYRIC = `mutation($p: ID!, $i: GenerateLyricInput) { generateLyric(projectId: $p, input: $i) { id status } }`;
const SONG = `mutation($p: ID!, $l: ID, $i: GenerateSongInput) { generateSong(projectId: $p, lyricId: $l, input: $i) { id status } }`;
const AD = `mutation($p: ID!) { generateAd(projectId: $p) { lyric { id } song { id } video { id } } }`;
const RETRY = `mutation($id: ID!) { retryGeneration(id: $id) { id status attempt progress error errorCode } }`;
const GEN = `query($id: ID!) { node(id: $id) { ... on Generation { status attempt error errorCode progress } } }`;

type Gen = { status: string; attempt: number; error: string | null; errorCode: string | null; progress: number };
async function node(id: string, token: string): Promise<Gen> {
  const res = await stack.api.gql<{ node: Gen }>(GEN, { id }, token);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!.node;
}

/** What a user may read: no provider text, URLs, markers or stack frames. */
function expectReadable(message: string | null) {
  expect(message).toBeTruthy();
  expect(message).not.toMatch(/sandbox|https?:\/\/|\bat .+:\d+|Error:|\{|task [0-9a-f]{8}/i);
}

async function completedLyric(projectRowId: string) {
  return stack.api.app.services.prisma.lyric.create({
    data: { projectId: projectRowId, language: "EN", status: "COMPLETED", progress: 100, title: "Jingle", text: "sing it\nsing it loud" },
  });
}

/** A song from a completed lyric in a new project, with `style` (carrying a sandbox marker),
 *  followed until its generation ends. */
async function songToItsEnd(style: string) {
  const { user, projectId, rowId } = await projectWithPhotos(stack, { photos: 0 });
  const lyric = await completedLyric(rowId);
  const watch = await watchEvents(stack, rowId);
  const before = await sandboxStats(stack);
  const res = await stack.api.gql<{ generateSong: { id: string } }>(SONG, { p: projectId, l: globalId("Lyric", lyric.id), i: { style } }, user.token);
  expect(res.errors).toBeUndefined();
  const gid = res.data!.generateSong.id;
  const id = rowIdOf(gid);
  const final = await watch.until((e) => e.generationId === id && isFinal(e));
  await watch.stop();
  return { user, gid, id, watch, before, final };
}

describe("failures", () => {
  let completedLyricGid = "";
  let owner = "";

  it("retryable errors (two injected 500s) are retried and the lyric completes", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(stack, { photos: 0 });
    const watch = await watchEvents(stack, rowId);
    const before = (await sandboxStats(stack)).openai.requests;
    const res = await stack.api.gql<{ generateLyric: { id: string } }>(
      LYRIC,
      { p: projectId, i: { extraPrompt: "[sandbox:openai:fail=500x2]" } },
      user.token,
    );
    expect(res.errors).toBeUndefined();
    const id = rowIdOf(res.data!.generateLyric.id);
    const final = await watch.until((e) => e.generationId === id && isFinal(e));
    await watch.stop();
    expect(final.status, final.message ?? "").toBe("COMPLETED");
    const retries = watch.events.filter((e) => e.generationId === id && /Trying again/.test(e.message ?? ""));
    expect(retries.map((e) => e.message)).toEqual([
      expect.stringContaining("Trying again (attempt 2 of 3)"),
      expect.stringContaining("Trying again (attempt 3 of 3)"),
    ]);
    for (const e of retries) expect(e.status).toBe("PROCESSING");
    expect((await sandboxStats(stack)).openai.requests - before).toBe(3);
    const lyric = await node(res.data!.generateLyric.id, user.token);
    expect(lyric).toMatchObject({ status: "COMPLETED", attempt: 1, error: null, errorCode: null, progress: 100 });
    completedLyricGid = res.data!.generateLyric.id;
    owner = user.token;
  });

  it("retryGeneration of a COMPLETED generation is FAILED_PRECONDITION", async () => {
    expect(completedLyricGid).not.toBe("");
    expectError(await stack.api.gql(RETRY, { id: completedLyricGid }, owner), "FAILED_PRECONDITION");
    expect((await node(completedLyricGid, owner)).attempt).toBe(1);
  });

  it("a permanent error (Suno SENSITIVE_WORD_ERROR) fails at once: FAILED, SUNO_SENSITIVE_WORD, one submission", async () => {
    const { user, gid, id, watch, before, final } = await songToItsEnd("pop [sandbox:suno:status=SENSITIVE_WORD_ERROR]");
    expect(final.status).toBe("FAILED");

    const song = await node(gid, user.token);
    expect(song.status).toBe("FAILED");
    expect(song.errorCode).toBe("SUNO_SENSITIVE_WORD");
    expectReadable(song.error);
    expect(final.message).toBe(song.error);
    expect(watch.events.filter((e) => e.generationId === id && /Trying again/.test(e.message ?? ""))).toHaveLength(0);
    const after = await sandboxStats(stack);
    expect(after.suno.generateRequests - before.suno.generateRequests).toBe(1);
    expect(await jobState(stack, "SONG", id, 1)).toBe("failed");
    const row = await stack.api.app.services.prisma.song.findUniqueOrThrow({ where: { id } });
    expect(row.finishedAt).toBeTruthy();
    expect(row.blobKey).toBeNull();
  });

  it("an ad run whose song fails ends the video FAILED (UPSTREAM_FAILED); retrying the song re-runs both", async () => {
    // The store name travels into the lyrics and the song title; the marker is scoped to Suno:
    // its first three submissions (= every job attempt) answer 500, the fourth succeeds.
    const { user, projectId, rowId } = await projectWithPhotos(stack, { storeName: "Deli [sandbox:suno:fail=500x3]", photos: 1 });
    const watch = await watchEvents(stack, rowId);
    const before = await sandboxStats(stack);
    const ad = await stack.api.gql<{ generateAd: { lyric: { id: string }; song: { id: string }; video: { id: string } } }>(AD, { p: projectId }, user.token);
    expect(ad.errors).toBeUndefined();
    const { song: songRef, video: videoRef, lyric: lyricRef } = ad.data!.generateAd;
    const [lyricId, songId, videoId] = [lyricRef.id, songRef.id, videoRef.id].map(rowIdOf);

    const videoEnd = await watch.until((e) => e.generationId === videoId && isFinal(e));
    expect(videoEnd.status).toBe("FAILED");
    const song = await node(songRef.id, user.token);
    expect(song).toMatchObject({ status: "FAILED", errorCode: "PROVIDER_UNAVAILABLE", attempt: 1 });
    expectReadable(song.error);
    const video = await node(videoRef.id, user.token);
    expect(video).toMatchObject({ status: "FAILED", errorCode: "UPSTREAM_FAILED", attempt: 1 });
    expectReadable(video.error);
    expect(video.error).toMatch(/song/);
    expect((await node(lyricRef.id, user.token)).status).toBe("COMPLETED");
    // The song was tried JOB_ATTEMPTS times; the video never started.
    const mid = await sandboxStats(stack);
    expect(mid.suno.generateRequests - before.suno.generateRequests).toBe(3);
    expect(mid.creatomate.renderRequests - before.creatomate.renderRequests).toBe(0);
    expect(watch.events.filter((e) => e.generationId === videoId).map((e) => e.status)).toEqual(["QUEUED", "FAILED"]);
    const songRetries = watch.events.filter((e) => e.generationId === songId && /Trying again/.test(e.message ?? ""));
    expect(songRetries).toHaveLength(2);

    // A fresh attempt of the song; the video that failed only because of it is queued again.
    const retried = await stack.api.gql<{ retryGeneration: Gen & { id: string } }>(RETRY, { id: songRef.id }, user.token);
    expect(retried.errors, JSON.stringify(retried.errors)).toBeUndefined();
    expect(retried.data!.retryGeneration).toMatchObject({ id: songRef.id, status: "QUEUED", attempt: 2, progress: 0, error: null, errorCode: null });
    const requeued = await stack.api.app.services.prisma.video.findUniqueOrThrow({ where: { id: videoId } });
    expect(requeued).toMatchObject({ attempt: 2, errorCode: null });
    expect(["QUEUED", "PROCESSING", "COMPLETED"]).toContain(requeued.status);
    // Retrying it again while it runs is refused.
    expectError(await stack.api.gql(RETRY, { id: songRef.id }, user.token), "FAILED_PRECONDITION");

    const videoDone = await watch.until((e) => e.generationId === videoId && e.status === "COMPLETED");
    await watch.stop();
    expect(videoDone.progress).toBe(100);
    expect(await node(songRef.id, user.token)).toMatchObject({ status: "COMPLETED", attempt: 2, error: null, errorCode: null });
    expect(await node(videoRef.id, user.token)).toMatchObject({ status: "COMPLETED", attempt: 2, error: null, errorCode: null });
    expect((await node(lyricRef.id, user.token)).attempt).toBe(1);
    const after = await sandboxStats(stack);
    expect(after.suno.generateRequests - before.suno.generateRequests).toBe(4);
    expect(after.openai.completions - before.openai.completions).toBe(1);
    // The retry wrote to the same keys (derived from the generation ids).
    const blobs = await listBlobs(stack, `projects/${rowId}/`);
    expect(blobs.filter((b) => b.endsWith("take-1.wav"))).toEqual([`projects/${rowId}/songs/${songId}/take-1.wav`]);
    expect(blobs.filter((b) => b.endsWith(".mp4"))).toEqual([`projects/${rowId}/videos/${videoId}/video.mp4`]);
    expect(lyricId).toBeTruthy();
  });
});

describe("chains and resumed tasks", () => {
  it("cancelling a parked ad-run song cancels its video (UPSTREAM_CANCELLED); retrying the song runs both", async () => {
    const prisma = stack.api.app.services.prisma;
    // The hold marker travels with the store name into the lyrics, so every Suno task of this
    // project waits for the sandbox to be advanced.
    const { user, projectId, rowId } = await projectWithPhotos(stack, { storeName: "Hold Bistro [sandbox:suno:hold]", photos: 1 });
    const watch = await watchEvents(stack, rowId);
    const ad = await stack.api.gql<{ generateAd: { lyric: { id: string }; song: { id: string }; video: { id: string } } }>(AD, { p: projectId }, user.token);
    expect(ad.errors).toBeUndefined();
    const songGid = ad.data!.generateAd.song.id;
    const songId = rowIdOf(songGid);
    const videoId = rowIdOf(ad.data!.generateAd.video.id);
    const parked = await waitFor("the song to park", async () => {
      const row = await prisma.song.findUniqueOrThrow({ where: { id: songId } });
      return row.providerTaskId && (await jobState(stack, "SONG", songId, 1)) === "delayed" ? row : null;
    });

    const cancel = await stack.api.gql<{ cancelGeneration: Gen }>(`mutation($id: ID!) { cancelGeneration(id: $id) { status attempt error errorCode progress } }`, { id: songGid }, user.token);
    expect(cancel.errors).toBeUndefined();
    expect(cancel.data!.cancelGeneration).toMatchObject({ status: "CANCELLED", errorCode: "CANCELLED" });
    const video = await prisma.video.findUniqueOrThrow({ where: { id: videoId } });
    expect(video).toMatchObject({ status: "CANCELLED", errorCode: "UPSTREAM_CANCELLED" });
    expect(video.errorMessage).toMatch(/song was cancelled/);
    // The parked job is removed at once; had a poll just taken it, it ends as skipped when it
    // reads the CANCELLED row. Either way nothing of attempt 1 stays waiting.
    await waitFor("attempt 1's job to be gone or ended", async () => ["unknown", "completed"].includes(await jobState(stack, "SONG", songId, 1)));

    const retried = await stack.api.gql<{ retryGeneration: Gen }>(RETRY, { id: songGid }, user.token);
    expect(retried.errors, JSON.stringify(retried.errors)).toBeUndefined();
    expect(retried.data!.retryGeneration).toMatchObject({ status: "QUEUED", attempt: 2 });
    expect(await prisma.video.findUniqueOrThrow({ where: { id: videoId } })).toMatchObject({ status: "QUEUED", attempt: 2, errorCode: null });
    // Attempt 2 submits a new task (attempt 1's was abandoned) and parks on it.
    const fresh = await waitFor("the new task to be stored", async () => {
      const row = await prisma.song.findUniqueOrThrow({ where: { id: songId } });
      return row.attempt === 2 && row.providerTaskId && row.providerTaskId !== parked.providerTaskId ? row : null;
    });
    await finishSuno(stack, fresh.providerTaskId!);
    const done = await watch.until((e) => e.generationId === videoId && isFinal(e) && e.status !== "CANCELLED");
    await watch.stop();
    expect(done.status, done.message ?? "").toBe("COMPLETED");
    expect(await prisma.song.findUniqueOrThrow({ where: { id: songId } })).toMatchObject({ status: "COMPLETED", attempt: 2 });
  });

  it("failed polls look again at the same Suno task without using up attempts or resubmitting", async () => {
    const { id, watch, before, final } = await songToItsEnd("rock [sandbox:suno:poll-fail=500x2]");
    expect(final.status, final.message ?? "").toBe("COMPLETED");
    // A provider that already has the task is asked again later; that is not a failed attempt.
    expect(watch.events.filter((e) => e.generationId === id && /Checking again shortly/.test(e.message ?? ""))).toHaveLength(2);
    expect(watch.events.filter((e) => e.generationId === id && /Trying again/.test(e.message ?? ""))).toHaveLength(0);
    const after = await sandboxStats(stack);
    expect(after.suno.generateRequests - before.suno.generateRequests).toBe(1);
    expect(after.suno.recordInfoRequests - before.suno.recordInfoRequests).toBeGreaterThanOrEqual(3);
  });

  it("a failed render ends the video FAILED with VIDEO_RENDER_FAILED", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(stack, { storeName: "Broken Frames [sandbox:creatomate:status=failed]", photos: 1 });
    const watch = await watchEvents(stack, rowId);
    const ad = await stack.api.gql<{ generateAd: { video: { id: string } } }>(AD, { p: projectId }, user.token);
    expect(ad.errors).toBeUndefined();
    const videoGid = ad.data!.generateAd.video.id;
    const final = await watch.until((e) => e.generationId === rowIdOf(videoGid) && isFinal(e));
    await watch.stop();
    expect(final.status).toBe("FAILED");
    const video = await node(videoGid, user.token);
    expect(video).toMatchObject({ status: "FAILED", errorCode: "VIDEO_RENDER_FAILED" });
    expectReadable(video.error);
  });
});

describe("a superseded attempt", () => {
  // Every provider request takes 800 ms here, so an attempt can be cancelled and retried while
  // its first job is still waiting for OpenAI.
  let slow: Stack;
  beforeAll(async () => {
    slow = await startStack({ sandbox: { latencyMs: 800 }, env: { JOB_ATTEMPTS: "3", JOB_BACKOFF_MS: "50" } });
  });
  afterAll(() => slow?.close());

  it("cannot fail or complete the fresh attempt that replaced it", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(slow, { photos: 0, storeName: "Late Cafe" });
    const watch = await watchEvents(slow, rowId);
    // The first OpenAI request with this content answers 400 (a permanent error); later ones pass.
    const res = await slow.api.gql<{ generateLyric: { id: string } }>(LYRIC, { p: projectId, i: { extraPrompt: "[sandbox:openai:fail=400x1]" } }, user.token);
    expect(res.errors).toBeUndefined();
    const gid = res.data!.generateLyric.id;
    const id = rowIdOf(gid);
    await watch.until((e) => e.generationId === id && e.status === "PROCESSING");
    // Attempt 1 is now inside its (slow) OpenAI call: cancel it and start attempt 2.
    const cancel = await slow.api.gql(`mutation($id: ID!) { cancelGeneration(id: $id) { status } }`, { id: gid }, user.token);
    expect(cancel.errors).toBeUndefined();
    const retry = await slow.api.gql<{ retryGeneration: { attempt: number } }>(RETRY, { id: gid }, user.token);
    expect(retry.errors, JSON.stringify(retry.errors)).toBeUndefined();
    expect(retry.data!.retryGeneration.attempt).toBe(2);

    // Attempt 1's request fails (400) while attempt 2 runs; attempt 2 must still complete.
    const final = await watch.until((e) => e.generationId === id && ["COMPLETED", "FAILED"].includes(e.status));
    await watch.stop();
    expect(final.status, final.message ?? "").toBe("COMPLETED");
    const row = await slow.api.app.services.prisma.lyric.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ status: "COMPLETED", attempt: 2, errorCode: null });
    expect(await jobState(slow, "LYRIC", id, 1)).toBe("failed");
    expect(await jobState(slow, "LYRIC", id, 2)).toBe("completed");
    expect(watch.events.filter((e) => e.generationId === id && e.status === "FAILED")).toHaveLength(0);
  });
});
