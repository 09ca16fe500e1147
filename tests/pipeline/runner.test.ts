// The runner's start of a job: a job's first run starts its QUEUED row in the statement that
// reads it; every other run reads the row first, and a job with nothing to do writes nothing.
// Runs the real lyric step (the sandbox writes the lyrics) on rows made here, with no workers
// of the stack's own taking the jobs.
import { randomBytes } from "node:crypto";
import { DelayedError, Job, Queue, Worker } from "bullmq";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createProviders } from "../../src/providers/index.js";
import { jobIdFor, type GenerationJobData } from "../../src/jobs/queues.js";
import { runStep, type WorkerDeps } from "../../src/jobs/runner.js";
import { STEPS } from "../../src/jobs/steps/index.js";
import { bullPrefix, createRedis } from "../../src/redis.js";
import { startStack, type Stack } from "../helpers/pipeline.js";

let stack: Stack;
let deps: WorkerDeps;
const statements: string[] = [];

beforeAll(async () => {
  stack = await startStack({ role: "api", onQuery: (sql) => statements.push(sql) });
  const services = stack.api.app.services;
  deps = { ...services, providers: createProviders(stack.api.config, services.redis) };
});
afterAll(async () => {
  await deps?.providers.close();
  await stack?.close();
});

async function queuedLyric(attempt = 1) {
  const prisma = stack.api.app.services.prisma;
  const owner = await prisma.user.create({ data: { email: `runner-${randomBytes(4).toString("hex")}@example.com`, passwordHash: "-" } });
  const project = await prisma.project.create({ data: { ownerId: owner.id, storeName: "Runner Cafe", description: "Coffee", language: "EN" } });
  return prisma.lyric.create({ data: { projectId: project.id, language: "EN", attempt } });
}

/** The lyric job of `attempt` as BullMQ hands it to a worker on its `started`th start (BullMQ
 *  counts every start: a retry, a run after a park or an outage, a stalled run handed out again). */
function lyricJob(generationId: string, attempt: number, started = 1) {
  const job = new Job<GenerationJobData>(stack.api.app.services.jobs.queues.LYRIC, "lyric", { generationId, attempt }, {}, jobIdFor("LYRIC", generationId, attempt));
  job.attemptsStarted = started;
  return job;
}

const run = (job: Job<GenerationJobData>) => runStep(deps, "LYRIC", STEPS.LYRIC, job);
const events = (generationId: string) =>
  stack.api.app.services.prisma.generationEvent.findMany({ where: { generationId }, orderBy: { sequence: "asc" }, select: { status: true, progress: true, message: true } });
const startWrite = (sql: string) => /UPDATE "lyrics"/.test(sql);
const rowRead = (sql: string) => /^SELECT .* FROM "public"\."lyrics"/s.test(sql);

it("starts a QUEUED row on the job's first run in the statement that reads it", async () => {
  const lyric = await queuedLyric();
  statements.length = 0;
  expect(await run(lyricJob(lyric.id, 1))).toBe("done");
  // The start write, the project's details, the completing write, the (absent) next stage.
  expect(statements).toHaveLength(4);
  expect(startWrite(statements[0]!)).toBe(true);
  expect(statements.filter(rowRead)).toEqual([]);
  expect(await events(lyric.id)).toEqual([
    { status: "PROCESSING", progress: 10, message: "Writing the lyrics" },
    { status: "COMPLETED", progress: 100, message: "Lyrics ready" },
  ]);
});

it("reads the row first on any other run, and still starts a row that is QUEUED", async () => {
  // The second start of a job whose first run met an outage before it could start the row.
  const lyric = await queuedLyric();
  statements.length = 0;
  expect(await run(lyricJob(lyric.id, 1, 2))).toBe("done");
  expect(rowRead(statements[0]!)).toBe(true);
  expect(startWrite(statements[1]!)).toBe(true);
  expect(statements).toHaveLength(5);
  expect((await events(lyric.id)).map((e) => e.status)).toEqual(["PROCESSING", "COMPLETED"]);
});

it("writes nothing for a row that is not QUEUED on the job's attempt any more", async () => {
  const prisma = stack.api.app.services.prisma;
  const cancelled = await queuedLyric();
  await prisma.lyric.update({ where: { id: cancelled.id }, data: { status: "CANCELLED" } });
  statements.length = 0;
  expect(await run(lyricJob(cancelled.id, 1))).toBe("skipped");
  // The guarded start that found nothing to start, then the read that says why.
  expect(statements.map((s) => (startWrite(s) ? "start" : rowRead(s) ? "read" : s))).toEqual(["start", "read"]);
  expect(await events(cancelled.id)).toEqual([]);
  expect((await prisma.lyric.findUniqueOrThrow({ where: { id: cancelled.id } })).status).toBe("CANCELLED");

  // Superseded by a retry: the row is QUEUED, but on attempt 2; the job of attempt 1 leaves it.
  const superseded = await queuedLyric(2);
  expect(await run(lyricJob(superseded.id, 1))).toBe("skipped");
  expect(await events(superseded.id)).toEqual([]);
  expect(await prisma.lyric.findUniqueOrThrow({ where: { id: superseded.id } })).toMatchObject({ status: "QUEUED", attempt: 2, progress: 0 });
});

it("fails a stage that has run past GENERATION_TIMEOUT_SECONDS, and counts it once", async () => {
  const { prisma, metrics } = stack.api.app.services;
  const lyric = await queuedLyric();
  const timeout = stack.api.config.GENERATION_TIMEOUT_SECONDS * 1000;
  // Started (by an earlier run) longer ago than the generation may take.
  await prisma.lyric.update({ where: { id: lyric.id }, data: { status: "PROCESSING", startedAt: new Date(Date.now() - timeout - 60_000) } });
  const counted = async () => (await metrics.generations.get()).values.find((v) => v.labels.error_code === "GENERATION_TIMEOUT" && v.labels.kind === "LYRIC")?.value ?? 0;
  const before = await counted();
  expect(await run(lyricJob(lyric.id, 1, 2))).toBe("timed-out");
  expect(await prisma.lyric.findUniqueOrThrow({ where: { id: lyric.id } })).toMatchObject({ status: "FAILED", errorCode: "GENERATION_TIMEOUT" });
  expect((await events(lyric.id)).map((e) => e.status)).toEqual(["FAILED"]);
  expect(await counted()).toBe(before + 1);
  // Just inside the limit, the same run goes on with the step.
  const inTime = await queuedLyric();
  await prisma.lyric.update({ where: { id: inTime.id }, data: { status: "PROCESSING", startedAt: new Date(Date.now() - timeout + 60_000) } });
  expect(await run(lyricJob(inTime.id, 1, 2))).toBe("done");
  expect(await prisma.lyric.findUniqueOrThrow({ where: { id: inTime.id } })).toMatchObject({ status: "COMPLETED" });
});

it("BullMQ counts every start of a job: the run after a park is not taken for a first run", async () => {
  // What the runner's first-run start relies on, checked against BullMQ itself.
  const { config } = stack.api;
  const [prefix, name] = [bullPrefix(config), `starts-${randomBytes(3).toString("hex")}`];
  const queue = new Queue(name, { connection: stack.api.app.services.jobs.connection, prefix });
  const connection = createRedis(config, "runner-test-worker");
  const starts: number[] = [];
  const worker = new Worker(
    name,
    async (job, token) => {
      starts.push(job.attemptsStarted);
      if (starts.length > 1) return;
      await job.moveToDelayed(Date.now(), token); // parks, as the runner does
      throw new DelayedError();
    },
    { connection, prefix },
  );
  try {
    const completed = new Promise((resolve) => worker.once("completed", resolve));
    await queue.add("job", {}, { jobId: "one" });
    await completed;
    expect(starts).toEqual([1, 2]);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  }
});
