// The three stages started one by one (generateLyric, generateSong, generateVideo), their
// preconditions, and the one-active-run-per-stage rule, including under a 20-way race.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, download, isFinal, projectWithPhotos, watchEvents, type Stack } from "../helpers/pipeline.js";
import { expectError } from "../helpers/gql.js";
import { listBlobs, rowIdOf, spawnWorker } from "../helpers/pipeline-tools.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const LYRIC = `mutation($p: ID!, $i: GenerateLyricInput) { generateLyric(projectId: $p, input: $i) { id status progress attempt } }`;
const SONG = `mutation($p: ID!, $l: ID, $i: GenerateSongInput) { generateSong(projectId: $p, lyricId: $l, input: $i) { id status } }`;
const VIDEO = `mutation($p: ID!, $s: ID, $t: String) { generateVideo(projectId: $p, songId: $s, templateId: $t) { id status } }`;
const GEN = `query($id: ID!) { node(id: $id) { ... on Generation { status progress attempt error errorCode finishedAt }
  ... on Lyric { text title } ... on Song { audioUrl duration lyric { id } } ... on Video { videoUrl thumbnailUrl width height song { id } } } }`;

type Gen = {
  status: string;
  progress: number;
  attempt: number;
  error: string | null;
  errorCode: string | null;
  finishedAt: string | null;
  text?: string;
  title?: string;
  audioUrl?: string;
  duration?: number;
  lyric?: { id: string };
  videoUrl?: string;
  thumbnailUrl?: string | null;
  width?: number;
  song?: { id: string };
};

async function node(id: string, token: string): Promise<Gen> {
  const res = await stack.api.gql<{ node: Gen }>(GEN, { id }, token);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!.node;
}

describe("one stage at a time", () => {
  it("generateLyric, then generateSong, then generateVideo each reach COMPLETED with downloadable files", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(stack, { storeName: "Bakery Nine" });
    const watch = await watchEvents(stack, rowId);

    const lyricRes = await stack.api.gql<{ generateLyric: { id: string; status: string; progress: number; attempt: number } }>(
      LYRIC,
      { p: projectId, i: { mood: "cheerful", extraPrompt: "mention the croissants" } },
      user.token,
    );
    expect(lyricRes.errors).toBeUndefined();
    const lyricId = lyricRes.data!.generateLyric.id;
    expect(lyricRes.data!.generateLyric).toMatchObject({ status: "QUEUED", progress: 0, attempt: 1 });
    const lyricDone = await watch.until((e) => e.generationId === rowIdOf(lyricId) && isFinal(e));
    expect(lyricDone.status, lyricDone.message ?? "").toBe("COMPLETED");
    const lyric = await node(lyricId, user.token);
    expect(lyric).toMatchObject({ status: "COMPLETED", progress: 100, error: null, errorCode: null });
    expect(lyric.text).toContain("Bakery Nine");
    expect(lyric.title).toBeTruthy();
    expect(lyric.finishedAt).toBeTruthy();

    const songRes = await stack.api.gql<{ generateSong: { id: string; status: string } }>(
      SONG,
      { p: projectId, l: lyricId, i: { style: "lofi, warm", title: "Morning Bread" } },
      user.token,
    );
    expect(songRes.errors).toBeUndefined();
    const songId = songRes.data!.generateSong.id;
    expect(songRes.data!.generateSong.status).toBe("QUEUED");
    const songDone = await watch.until((e) => e.generationId === rowIdOf(songId) && isFinal(e));
    expect(songDone.status, songDone.message ?? "").toBe("COMPLETED");
    const song = await node(songId, user.token);
    expect(song).toMatchObject({ status: "COMPLETED", progress: 100, lyric: { id: lyricId } });
    expect(song.duration).toBeGreaterThan(0);
    const audio = await download(song.audioUrl!);
    expect(audio.subarray(0, 4).toString()).toBe("RIFF");
    expect(audio.subarray(8, 12).toString()).toBe("WAVE");

    // Without songId: the project's latest completed song.
    const videoRes = await stack.api.gql<{ generateVideo: { id: string; status: string } }>(VIDEO, { p: projectId }, user.token);
    expect(videoRes.errors).toBeUndefined();
    const videoId = videoRes.data!.generateVideo.id;
    const videoDone = await watch.until((e) => e.generationId === rowIdOf(videoId) && isFinal(e));
    await watch.stop();
    expect(videoDone.status, videoDone.message ?? "").toBe("COMPLETED");
    const video = await node(videoId, user.token);
    expect(video).toMatchObject({ status: "COMPLETED", progress: 100, song: { id: songId } });
    expect(video.width).toBeGreaterThan(0);
    const mp4 = await download(video.videoUrl!);
    expect(mp4.subarray(4, 8).toString()).toBe("ftyp");

    // Blobs live under keys derived from the generation ids.
    const blobs = await listBlobs(stack, `projects/${rowId}/`);
    expect(blobs).toContain(`projects/${rowId}/songs/${rowIdOf(songId)}/take-1.wav`);
    expect(blobs).toContain(`projects/${rowId}/videos/${rowIdOf(videoId)}/video.mp4`);

    // Every change was an event, stored in order and published.
    const stored = await stack.api.app.services.prisma.generationEvent.findMany({ where: { projectId: rowId }, orderBy: { sequence: "asc" } });
    expect(stored.map((e) => e.sequence)).toEqual(stored.map((_, i) => i + 1));
    for (const id of [lyricId, songId, videoId].map(rowIdOf)) {
      const statuses = stored.filter((e) => e.generationId === id).map((e) => e.status);
      expect(statuses[0]).toBe("QUEUED");
      expect(statuses.at(-1)).toBe("COMPLETED");
      expect(statuses.filter((s) => s === "COMPLETED")).toHaveLength(1);
    }
  });
});

describe("preconditions", () => {
  it("a song needs a completed lyric", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(stack, { photos: 0 });
    expectError(await stack.api.gql(SONG, { p: projectId }, user.token), "FAILED_PRECONDITION");
    // A lyric that exists but is not COMPLETED is refused too.
    const lyric = await stack.api.app.services.prisma.lyric.create({ data: { projectId: rowId, language: "EN", status: "FAILED" } });
    const lyricGid = Buffer.from(`Lyric:${lyric.id}`).toString("base64");
    expectError(await stack.api.gql(SONG, { p: projectId, l: lyricGid }, user.token), "FAILED_PRECONDITION");
    expect(await stack.api.app.services.prisma.song.count({ where: { projectId: rowId } })).toBe(0);
  });

  it("a video needs photos and a completed song", async () => {
    const prisma = stack.api.app.services.prisma;
    const bare = await projectWithPhotos(stack, { photos: 0 });
    expectError(await stack.api.gql(VIDEO, { p: bare.projectId }, bare.user.token), "FAILED_PRECONDITION");

    const { user, projectId, rowId } = await projectWithPhotos(stack, { photos: 1 });
    expectError(await stack.api.gql(VIDEO, { p: projectId }, user.token), "FAILED_PRECONDITION");
    const song = await prisma.song.create({ data: { projectId: rowId, status: "PROCESSING" } });
    const songGid = Buffer.from(`Song:${song.id}`).toString("base64");
    expectError(await stack.api.gql(VIDEO, { p: projectId, s: songGid }, user.token), "FAILED_PRECONDITION");
    expect(await prisma.video.count({ where: { projectId: { in: [rowId, bare.rowId] } } })).toBe(0);
  });
});

describe("one active run per stage", () => {
  it("a second generateLyric while one is queued is ALREADY_PROCESSING", async () => {
    // An API without workers, so the first run is certainly still QUEUED when the second call
    // arrives (pausing an in-process worker is not enough: a fetch already under way still takes
    // the job). A worker process started afterwards runs it to the end.
    const apiOnly = await startStack({ role: "api" });
    try {
      const { user, projectId, rowId } = await projectWithPhotos(apiOnly, { photos: 0 });
      const first = await apiOnly.api.gql<{ generateLyric: { id: string } }>(LYRIC, { p: projectId }, user.token);
      expect(first.errors).toBeUndefined();
      expectError(await apiOnly.api.gql(LYRIC, { p: projectId }, user.token), "ALREADY_PROCESSING");

      const watch = await watchEvents(apiOnly, rowId);
      const worker = await spawnWorker(apiOnly);
      try {
        const done = await watch.until((e) => e.generationId === rowIdOf(first.data!.generateLyric.id) && isFinal(e));
        expect(done.status).toBe("COMPLETED");
      } finally {
        await watch.stop();
        await worker.stop();
      }
      // Once it finished, a new run may start.
      const again = await apiOnly.api.gql<{ generateLyric: { id: string } }>(LYRIC, { p: projectId }, user.token);
      expect(again.errors).toBeUndefined();
    } finally {
      await apiOnly.close();
    }
  });

  it("20 concurrent generateLyric calls start exactly one row and one job", async () => {
    // An API without workers, so the winner stays QUEUED for the whole race (with a worker a
    // very fast first run could finish, and a late caller would then rightly start a second).
    const apiOnly = await startStack({ role: "api" });
    try {
      await race(apiOnly);
    } finally {
      await apiOnly.close();
    }
  });
});

async function race(target: Stack) {
  const { user, projectId, rowId } = await projectWithPhotos(target, { photos: 0 });
  const results = await Promise.all(
    Array.from({ length: 20 }, () => target.api.gql<{ generateLyric: { id: string } }>(LYRIC, { p: projectId }, user.token)),
  );
  const ok = results.filter((r) => !r.errors);
  const refused = results.filter((r) => r.errors);
  expect(ok).toHaveLength(1);
  expect(refused).toHaveLength(19);
  for (const r of refused) expectError(r, "ALREADY_PROCESSING");

  const rows = await target.api.app.services.prisma.lyric.findMany({ where: { projectId: rowId } });
  expect(rows.map((r) => r.id)).toEqual([rowIdOf(ok[0]!.data!.generateLyric.id)]);
  const queued = await target.api.app.services.prisma.generationEvent.count({ where: { projectId: rowId, status: "QUEUED" } });
  expect(queued).toBe(1);
  const queue = target.api.app.services.jobs.queues.LYRIC;
  const jobs = await queue.getJobs(["waiting", "active", "delayed", "completed", "failed", "prioritized"]);
  expect(jobs.filter((j) => j.data.generationId === rows[0]!.id)).toHaveLength(1);
  // No job was added for a row that was rolled back.
  const known = await target.api.app.services.prisma.lyric.count({ where: { id: { in: jobs.map((j) => j.data.generationId) } } });
  expect(known).toBe(new Set(jobs.map((j) => j.data.generationId)).size);
}
