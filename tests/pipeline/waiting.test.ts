// Waiting costs nothing: parked jobs are BullMQ delayed jobs that hold no worker slot. Also what
// happens to parked jobs when a generation is cancelled, and the reconciler that re-creates
// missing jobs from their rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { startStack, isFinal, projectWithPhotos, watchEvents, type Stack } from "../helpers/pipeline.js";
import { signUp } from "../helpers/app.js";
import { expectError } from "../helpers/gql.js";
import { jobIdFor } from "../../src/jobs/queues.js";
import { advanceSuno, globalId, jobState, rowIdOf, sandboxStats, waitFor } from "../helpers/pipeline-tools.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    env: {
      WORKER_CONCURRENCY_SONG: "5",
      // No client-side Suno rate limit, and parked jobs only wake up for webhooks.
      SUNO_RATE_LIMIT_PER_10S: "0",
      POLL_INITIAL_MS: "60000",
      POLL_MAX_MS: "60000",
      // One user runs 50 songs at once here: no per-user limit on active generations.
      MAX_ACTIVE_GENERATIONS_PER_USER: "0",
    },
  });
});
afterAll(() => stack?.close());

const SONG = `mutation($p: ID!, $l: ID, $i: GenerateSongInput) { generateSong(projectId: $p, lyricId: $l, input: $i) { id status } }`;
const CANCEL = `mutation($id: ID!) { cancelGeneration(id: $id) { id status error errorCode } }`;
const GEN = `query($id: ID!) { node(id: $id) { ... on Generation { status errorCode } } }`;

const prisma = () => stack.api.app.services.prisma;

async function projectsWithLyrics(count: number) {
  const user = await signUp(stack.api);
  const ownerId = rowIdOf(user.id);
  const out: { projectId: string; rowId: string; lyricId: string }[] = [];
  for (let i = 0; i < count; i++) {
    const project = await prisma().project.create({ data: { ownerId, storeName: `Shop ${i} ${randomBytes(2).toString("hex")}`, language: "EN" } });
    const lyric = await prisma().lyric.create({
      data: { projectId: project.id, language: "EN", status: "COMPLETED", progress: 100, title: `Song ${i}`, text: `verse ${i}\nchorus` },
    });
    out.push({ projectId: globalId("Project", project.id), rowId: project.id, lyricId: globalId("Lyric", lyric.id) });
  }
  return { user, projects: out };
}

describe("parked jobs", () => {
  it("50 songs waiting on Suno use no worker slot: 0 active, 50 delayed (concurrency 5)", async () => {
    const { user, projects } = await projectsWithLyrics(50);
    const before = await sandboxStats(stack);
    const started = await Promise.all(
      projects.map((p) =>
        stack.api.gql<{ generateSong: { id: string; status: string } }>(SONG, { p: p.projectId, l: p.lyricId, i: { style: "[sandbox:suno:hold]" } }, user.token),
      ),
    );
    for (const r of started) expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    const ids = started.map((r) => rowIdOf(r.data!.generateSong.id));
    const queue = stack.api.app.services.jobs.queues.SONG;

    await waitFor(
      "all 50 songs to be submitted and parked",
      async () => {
        const submitted = await prisma().song.count({ where: { id: { in: ids }, providerTaskId: { not: null }, status: "PROCESSING" } });
        const counts = await queue.getJobCounts("delayed");
        return submitted === 50 && counts.delayed === 50;
      },
      { timeoutMs: 30_000, everyMs: 100 },
    );
    const counts = await queue.getJobCounts("active", "delayed", "waiting", "prioritized", "completed", "failed");
    console.log(`SONG queue with 50 parked songs (worker concurrency 5): ${JSON.stringify(counts)}`);
    expect(counts.active).toBe(0);
    expect(counts.delayed).toBe(50);
    expect(counts.waiting).toBe(0);
    expect(counts.failed).toBe(0);
    // Every job is the one for its row, and Suno got exactly one submission per song.
    for (const id of ids) expect(await jobState(stack, "SONG", id, 1)).toBe("delayed");
    expect((await sandboxStats(stack)).suno.generateRequests - before.suno.generateRequests).toBe(50);

    // Cleanup: cancel them all (the parked jobs are removed).
    for (const id of ids) {
      const res = await stack.api.gql(CANCEL, { id: globalId("Song", id) }, user.token);
      expect(res.errors).toBeUndefined();
    }
    expect((await queue.getJobCounts("delayed")).delayed).toBe(0);
  });

  it("cancelling a parked song: CANCELLED, job removed, Suno finishing later does not resurrect it", async () => {
    const p = await projectWithPhotos(stack, { photos: 0 });
    const lyric = await prisma().lyric.create({
      data: { projectId: p.rowId, language: "EN", status: "COMPLETED", progress: 100, title: "Hold", text: "wait for it" },
    });
    const watch = await watchEvents(stack, p.rowId);
    const res = await stack.api.gql<{ generateSong: { id: string } }>(
      SONG,
      { p: p.projectId, l: globalId("Lyric", lyric.id), i: { style: "ballad [sandbox:suno:hold]" } },
      p.user.token,
    );
    expect(res.errors).toBeUndefined();
    const gid = res.data!.generateSong.id;
    const songId = rowIdOf(gid);
    const parked = await waitFor("the song to park", async () => {
      const row = await prisma().song.findUniqueOrThrow({ where: { id: songId } });
      return row.providerTaskId && (await jobState(stack, "SONG", songId, 1)) === "delayed" ? row : null;
    });

    // While it waits, a second song for the project is refused.
    expectError(
      await stack.api.gql(SONG, { p: p.projectId, l: globalId("Lyric", lyric.id), i: { style: "jazz" } }, p.user.token),
      "ALREADY_PROCESSING",
    );
    const cancelled = await stack.api.gql<{ cancelGeneration: { id: string; status: string; error: string; errorCode: string } }>(CANCEL, { id: gid }, p.user.token);
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data!.cancelGeneration).toMatchObject({ id: gid, status: "CANCELLED", errorCode: "CANCELLED" });
    expect(cancelled.data!.cancelGeneration.error).toBeTruthy();
    expect(await stack.api.app.services.jobs.queues.SONG.getJob(jobIdFor("SONG", songId, 1))).toBeUndefined();
    await watch.until((e) => e.generationId === songId && e.status === "CANCELLED");

    // Suno finishes the task anyway and calls back three times.
    const before = await sandboxStats(stack);
    for (let i = 0; i < 3; i++) await advanceSuno(stack, parked.providerTaskId!);
    await waitFor("the callbacks to be delivered", async () => (await sandboxStats(stack)).suno.callbacksSent - before.suno.callbacksSent === 3);
    const after = await sandboxStats(stack);
    expect(after.suno.callbacksFailed - before.suno.callbacksFailed).toBe(0);
    expect(after.suno.recordInfoRequests - before.suno.recordInfoRequests).toBe(0);
    await watch.stop();

    const row = await prisma().song.findUniqueOrThrow({ where: { id: songId } });
    expect(row).toMatchObject({ status: "CANCELLED", blobKey: null });
    expect(await jobState(stack, "SONG", songId, 1)).toBe("unknown");
    const history = await prisma().generationEvent.findMany({ where: { generationId: songId }, orderBy: { sequence: "asc" } });
    expect(history.at(-1)!.status).toBe("CANCELLED");
    expect(history.filter((e) => e.status === "CANCELLED")).toHaveLength(1);
    // Cancelling again is refused.
    expectError(await stack.api.gql(CANCEL, { id: gid }, p.user.token), "FAILED_PRECONDITION");
    const node = await stack.api.gql<{ node: { status: string } }>(GEN, { id: gid }, p.user.token);
    expect(node.data!.node.status).toBe("CANCELLED");
  });
});

describe("reconciler", () => {
  it("enqueues a QUEUED generation whose job is missing, and it completes", async () => {
    const p = await projectWithPhotos(stack, { photos: 0, storeName: "Orphan Diner" });
    const watch = await watchEvents(stack, p.rowId);
    // As if the API crashed between committing the row and adding its job.
    const lyric = await prisma().$transaction(async (tx) => {
      const row = await tx.lyric.create({ data: { projectId: p.rowId, language: "EN" } });
      const { eventSequence } = await tx.project.update({ where: { id: p.rowId }, data: { eventSequence: { increment: 1 } } });
      await tx.generationEvent.create({
        data: { projectId: p.rowId, kind: "LYRIC", generationId: row.id, status: "QUEUED", progress: 0, message: "Waiting to write the lyrics", sequence: eventSequence },
      });
      return row;
    });
    expect(await jobState(stack, "LYRIC", lyric.id, 1)).toBe("unknown");

    const result = await stack.api.app.workers!.reconcileNow();
    expect(result.enqueued).toBeGreaterThanOrEqual(1);
    const done = await watch.until((e) => e.generationId === lyric.id && isFinal(e));
    await watch.stop();
    expect(done.status, done.message ?? "").toBe("COMPLETED");
    const row = await prisma().lyric.findUniqueOrThrow({ where: { id: lyric.id } });
    expect(row.text).toContain("Orphan Diner");
    // A second pass finds nothing to repair.
    const again = await stack.api.app.workers!.reconcileNow();
    expect(again).toEqual({ enqueued: 0, failed: 0 });
  });
});
