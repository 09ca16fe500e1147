// Crash safety with real worker processes: the API runs in-process (role api, no workers), the
// workers are `src/main.ts --role=worker` children. A SIGKILLed worker loses nothing and its
// submitted Suno task is resumed, not resubmitted; a SIGTERMed worker drains and exits 0.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startStack, projectWithPhotos, watchEvents, type Stack } from "../helpers/pipeline.js";
import { ensureStopped, finishSuno, globalId, jobState, listBlobs, sandboxStats, spawnWorker, waitFor, type WorkerProcess } from "../helpers/pipeline-tools.js";

// The stack a test runs on (each describe starts its own).
let stack: Stack;
const workers: WorkerProcess[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await ensureStopped(w);
});

const SONG = `mutation($p: ID!, $l: ID, $i: GenerateSongInput) { generateSong(projectId: $p, lyricId: $l, input: $i) { id status attempt } }`;

/** A project with one COMPLETED lyric written straight into the database. */
async function projectWithLyric() {
  const project = await projectWithPhotos(stack, { photos: 0 });
  const lyric = await stack.api.app.services.prisma.lyric.create({
    data: { projectId: project.rowId, language: "EN", status: "COMPLETED", progress: 100, title: "Crash Test", text: "la la la\nsing along" },
  });
  return { ...project, lyricId: lyric.id };
}

async function startSong(p: Awaited<ReturnType<typeof projectWithLyric>>, style: string) {
  const res = await stack.api.gql<{ generateSong: { id: string; status: string; attempt: number } }>(
    SONG,
    { p: p.projectId, l: globalId("Lyric", p.lyricId), i: { style } },
    p.user.token,
  );
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return Buffer.from(res.data!.generateSong.id, "base64").toString().split(":")[1]!;
}

const songRow = (id: string) => stack.api.app.services.prisma.song.findUniqueOrThrow({ where: { id } });

describe("SIGKILL", () => {
  beforeAll(async () => {
    stack = await startStack({ role: "api" });
  });
  afterAll(() => stack?.close());

  it("SIGKILL while a song is parked: a new worker resumes the same Suno task (one submission, one blob)", async () => {
    const p = await projectWithLyric();
    const watch = await watchEvents(stack, p.rowId);
    const before = (await sandboxStats(stack)).suno.generateRequests;

    const first = await spawnWorker(stack);
    workers.push(first);
    const songId = await startSong(p, "synth pop [sandbox:suno:hold]");
    // Parked: the task id is stored and the job is a delayed job, not holding the worker.
    const { providerTaskId } = await waitFor("the Suno task id to be stored", async () => {
      const row = await songRow(songId);
      return row.providerTaskId ? row : null;
    });
    await waitFor("the song job to park", async () => (await jobState(stack, "SONG", songId, 1)) === "delayed");

    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");

    const second = await spawnWorker(stack);
    workers.push(second);
    await finishSuno(stack, providerTaskId!);
    const final = await watch.until((e) => e.generationId === songId && ["COMPLETED", "FAILED", "CANCELLED"].includes(e.status));
    await watch.stop();
    expect(final.status, final.message ?? "").toBe("COMPLETED");

    const row = await songRow(songId);
    expect(row.providerTaskId).toBe(providerTaskId);
    expect(row.attempt).toBe(1);
    expect((await sandboxStats(stack)).suno.generateRequests - before).toBe(1);
    const blobs = await listBlobs(stack, `projects/${p.rowId}/songs/`);
    expect(blobs.filter((b) => b.endsWith(".wav"))).toEqual([`projects/${p.rowId}/songs/${songId}/take-1.wav`, `projects/${p.rowId}/songs/${songId}/take-2.wav`]);
    expect(row.blobKey).toBe(`projects/${p.rowId}/songs/${songId}/take-1.wav`);
    // The task was stored once (by the first worker); the second only looked it up.
    const composing = watch.events.filter((e) => e.generationId === songId && e.message === "The music service is composing the song");
    expect(composing).toHaveLength(1);
  });
});

describe("SIGTERM", () => {
  beforeAll(async () => {
    // Every provider request takes 1 s, so the worker can be caught in the middle of one.
    stack = await startStack({ role: "api", sandbox: { latencyMs: 1000 } });
  });
  afterAll(() => stack?.close());

  it("SIGTERM drains: the running step parks, the process exits 0, and the next worker finishes the song", async () => {
    const p = await projectWithLyric();
    const watch = await watchEvents(stack, p.rowId);
    const before = (await sandboxStats(stack)).suno.generateRequests;

    const first = await spawnWorker(stack);
    workers.push(first);
    const songId = await startSong(p, "acoustic");
    // The worker has started the step and is now inside the (slow) Suno submission.
    await watch.until((e) => e.generationId === songId && e.status === "PROCESSING");
    expect(await jobState(stack, "SONG", songId, 1)).toBe("active");
    const signalledAt = Date.now();
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.lines.some((l) => l.includes('"msg":"shutting down"'))).toBe(true);
    expect(first.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);

    // The step it was running finished its submission and parked instead of being cut off.
    const parked = await songRow(songId);
    expect(parked.status).toBe("PROCESSING");
    expect(parked.providerTaskId).toBeTruthy();
    // Parked (or already woken by Suno's callback, which the API turns into "waiting").
    expect(["delayed", "waiting"]).toContain(await jobState(stack, "SONG", songId, 1));
    const stored = await watch.until((e) => e.generationId === songId && e.message === "The music service is composing the song");
    expect(Date.parse(stored.at)).toBeGreaterThanOrEqual(signalledAt - 5);

    const second = await spawnWorker(stack);
    workers.push(second);
    const final = await watch.until((e) => e.generationId === songId && ["COMPLETED", "FAILED", "CANCELLED"].includes(e.status));
    await watch.stop();
    expect(final.status, final.message ?? "").toBe("COMPLETED");
    expect((await songRow(songId)).providerTaskId).toBe(parked.providerTaskId);
    expect((await sandboxStats(stack)).suno.generateRequests - before).toBe(1);
    expect(await second.stop("SIGTERM")).toBe(0);
  });
});
