// SIGKILL of a worker process in the submit window: Suno (or Creatomate) has accepted, and is
// running, the task, but the answer carrying its id never reached the worker. The next worker must
// not pay again: it waits for the provider's signed callback, which tells the API the task's id
// (Creatomate calls back only when the render ends, so that wait is longer). Counts the sandbox's
// submissions and the stored blobs, and measures how soon the killed worker's job resumes with
// the default lock settings.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startStack, projectWithPhotos, watchEvents, type Stack } from "../helpers/pipeline.js";
import { ensureStopped, globalId, listBlobs, sandboxStats, spawnWorker, waitFor, type WorkerProcess } from "../helpers/pipeline-tools.js";

let stack: Stack;
const workers: WorkerProcess[] = [];
beforeAll(async () => {
  // Default WORKER_LOCK_MS: what a deployment gets (the pipeline tests shorten nothing here).
  stack = await startStack({ role: "api", env: { WORKER_LOCK_MS: "15000" } });
});
afterEach(async () => {
  for (const w of workers.splice(0)) await ensureStopped(w);
});
afterAll(() => stack?.close());

const SONG = `mutation($p: ID!, $l: ID, $i: GenerateSongInput) { generateSong(projectId: $p, lyricId: $l, input: $i) { id } }`;

describe("SIGKILL in the submit window", () => {
  it("the task Suno accepted is adopted from its callback, not submitted again; the job resumes well within 30 s", async () => {
    const p = await projectWithPhotos(stack, { photos: 0 });
    const lyric = await stack.api.app.services.prisma.lyric.create({
      data: { projectId: p.rowId, language: "EN", status: "COMPLETED", progress: 100, title: "Kill Test", text: "la la la" },
    });
    const watch = await watchEvents(stack, p.rowId);
    const before = (await sandboxStats(stack)).suno;

    const first = await spawnWorker(stack);
    workers.push(first);
    const res = await stack.api.gql<{ generateSong: { id: string } }>(
      SONG,
      { p: p.projectId, l: globalId("Lyric", lyric.id), i: { style: "pop [sandbox:suno:accept-hang]" } },
      p.user.token,
    );
    expect(res.errors).toBeUndefined();
    const songId = Buffer.from(res.data!.generateSong.id, "base64").toString().split(":")[1]!;
    // Suno has the task; the worker is still waiting for the answer: kill it now.
    await waitFor("Suno to accept the task", async () => (await sandboxStats(stack)).suno.tasks > before.tasks);
    const killedAt = performance.now();
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    expect((await stack.api.app.services.prisma.song.findUniqueOrThrow({ where: { id: songId } })).providerTaskId).toBeNull();

    const second = await spawnWorker(stack);
    workers.push(second);
    await waitFor("the second worker to pick the job up", () => second.lines.find((l) => l.includes(songId)) ?? null, { timeoutMs: 60_000 });
    const resumedMs = performance.now() - killedAt;
    const final = await watch.until((e) => e.generationId === songId && ["COMPLETED", "FAILED", "CANCELLED"].includes(e.status));
    const doneMs = performance.now() - killedAt;
    await watch.stop();

    const after = (await sandboxStats(stack)).suno;
    const blobs = await listBlobs(stack, `projects/${p.rowId}/songs/`);
    console.log(
      `[kill] submit window: ${after.generateRequests - before.generateRequests} Suno submission(s), ${after.tasks - before.tasks} task(s); ` +
        `${blobs.length} blob(s) (${blobs.map((b) => b.split("/").pop()).join(", ")}); job resumed ${(resumedMs / 1000).toFixed(1)} s after the kill, ` +
        `song ${final.status} after ${(doneMs / 1000).toFixed(1)} s (WORKER_LOCK_MS 15000)`,
    );
    expect(final.status, final.message ?? "").toBe("COMPLETED");
    expect(after.generateRequests - before.generateRequests).toBe(1);
    expect(after.tasks - before.tasks).toBe(1);
    const row = await stack.api.app.services.prisma.song.findUniqueOrThrow({ where: { id: songId } });
    expect(row.providerTaskId).toBeTruthy();
    // One task, so one pair of takes (issue 9 stores both of Suno's tracks).
    expect(blobs.filter((b) => b.endsWith(".wav"))).toEqual([`projects/${p.rowId}/songs/${songId}/take-1.wav`, `projects/${p.rowId}/songs/${songId}/take-2.wav`]);
    // Recovery target: a killed worker's generation resumes within 30 s.
    expect(resumedMs).toBeLessThan(30_000);
  });
});

const AD = `mutation($p: ID!) { generateAd(projectId: $p) { video { id } } }`;

describe("SIGKILL in the Creatomate submit window", () => {
  it("the render Creatomate accepted is adopted from its webhook, not submitted again", async () => {
    // Creatomate sees the store name in the render's text elements; the marker is scoped to it.
    const p = await projectWithPhotos(stack, { photos: 2, storeName: "Cafe Sol [sandbox:creatomate:accept-hang]" });
    const watch = await watchEvents(stack, p.rowId);
    const before = (await sandboxStats(stack)).creatomate;

    const first = await spawnWorker(stack);
    workers.push(first);
    const res = await stack.api.gql<{ generateAd: { video: { id: string } } }>(AD, { p: p.projectId }, p.user.token);
    expect(res.errors).toBeUndefined();
    const videoId = Buffer.from(res.data!.generateAd.video.id, "base64").toString().split(":")[1]!;
    // Lyrics and song done, the render accepted, the answer never came: kill the worker now.
    await waitFor("Creatomate to accept the render", async () => (await sandboxStats(stack)).creatomate.renders > before.renders, { timeoutMs: 60_000 });
    const killedAt = performance.now();
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    expect((await stack.api.app.services.prisma.video.findUniqueOrThrow({ where: { id: videoId } })).providerRenderId).toBeNull();

    const second = await spawnWorker(stack);
    workers.push(second);
    const final = await watch.until((e) => e.generationId === videoId && ["COMPLETED", "FAILED", "CANCELLED"].includes(e.status));
    const doneMs = performance.now() - killedAt;
    await watch.stop();

    const after = (await sandboxStats(stack)).creatomate;
    const blobs = await listBlobs(stack, `projects/${p.rowId}/videos/`);
    console.log(
      `[kill] Creatomate submit window: ${after.renderRequests - before.renderRequests} render request(s), ${after.renders - before.renders} render(s); ` +
        `${blobs.length} blob(s) (${blobs.map((b) => b.split("/").pop()).join(", ")}); video ${final.status} ${(doneMs / 1000).toFixed(1)} s after the kill (WORKER_LOCK_MS 15000)`,
    );
    expect(final.status, final.message ?? "").toBe("COMPLETED");
    expect(after.renderRequests - before.renderRequests).toBe(1);
    expect(after.renders - before.renders).toBe(1);
    const row = await stack.api.app.services.prisma.video.findUniqueOrThrow({ where: { id: videoId } });
    expect(row.providerRenderId).toBeTruthy();
    expect(blobs).toContain(`projects/${p.rowId}/videos/${videoId}/video.mp4`);
  });
});
