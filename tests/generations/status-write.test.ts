// A status write without further writes is one hand-written SQL statement
// (src/generations/status-write.ts). It must give exactly what Prisma would: the same row
// (every column, with its JavaScript type), the same guard, and one event per write with the
// project's next sequence.
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { randomBytes } from "node:crypto";
import { createPrisma, Prisma, type PrismaClient } from "../../src/db/client.js";
import { createEventBus, type EventBus, type EventListener } from "../../src/events/bus.js";
import type { GenerationEventMessage } from "../../src/events/message.js";
import { transition } from "../../src/generations/history.js";
import { KINDS, STAGES, type Kind } from "../../src/generations/stages.js";
import { columnOf } from "../../src/generations/status-write.js";

let prisma: PrismaClient;
let events: EventBus;

beforeAll(() => {
  prisma = createPrisma({ url: inject("databaseUrl"), poolMax: 4 });
  events = createEventBus({ REDIS_URL: inject("redisUrl"), REDIS_PREFIX: `${inject("redisPrefix")}_sw${randomBytes(3).toString("hex")}`, REDIS_CLUSTER_NODES: undefined });
});
afterAll(async () => {
  await events?.close();
  await prisma?.$disconnect();
});

/** The next `n` events the bus delivers for a project (over Redis, as subscribers get them). */
async function received(listener: EventListener, n: number): Promise<GenerationEventMessage[]> {
  const out: GenerationEventMessage[] = [];
  while (out.length < n) {
    const d = await listener.next();
    if (typeof d === "symbol") throw new Error(`the listener ended: ${String(d)}`);
    out.push(d);
  }
  return out;
}

async function chain() {
  const user = await prisma.user.create({ data: { email: `sw-${randomBytes(4).toString("hex")}@example.com`, passwordHash: "x" } });
  const project = await prisma.project.create({ data: { ownerId: user.id, storeName: "Status Write Cafe" } });
  const lyric = await prisma.lyric.create({ data: { projectId: project.id, language: "EN", status: "PROCESSING" } });
  const song = await prisma.song.create({ data: { projectId: project.id, lyricId: lyric.id, status: "PROCESSING" } });
  const video = await prisma.video.create({ data: { projectId: project.id, songId: song.id, status: "PROCESSING" } });
  return { project, ids: { LYRIC: lyric.id, SONG: song.id, VIDEO: video.id } as Record<Kind, string> };
}

const scalarFields: Record<Kind, string[]> = {
  LYRIC: Object.values(Prisma.LyricScalarFieldEnum),
  SONG: Object.values(Prisma.SongScalarFieldEnum),
  VIDEO: Object.values(Prisma.VideoScalarFieldEnum),
};

describe("a status write in one statement", () => {
  it("names every field of each stage's model by a column of its table (snake_case)", async () => {
    for (const kind of KINDS) {
      const columns = await prisma.$queryRaw<{ column_name: string }[]>`
        SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ${STAGES[kind].table}`;
      expect(columns.map((c) => c.column_name).sort(), kind).toEqual(scalarFields[kind].map(columnOf).sort());
    }
  });

  it("returns the row exactly as Prisma reads it, every column type included, and stores and publishes its event", async () => {
    const { project, ids } = await chain();
    const startedAt = new Date("2026-11-23T10:00:00.123Z");
    const patches = {
      LYRIC: { progress: 40, title: "Jingle", text: "La la", model: "gpt", startedAt, errorCode: null },
      SONG: { progress: 50, size: 12_345_678_901n, duration: 31.25, selectedTake: 1, providerTaskId: "task-1", startedAt, attempt: { increment: 1 } },
      VIDEO: { status: "COMPLETED" as const, progress: 100, size: 42n, duration: 30.5, width: 1280, height: 720, finishedAt: startedAt, errorMessage: null },
    };
    const listener = await events.listen(project.id, 10);
    for (const kind of KINDS) {
      const row = await transition({ prisma, events }, { kind, id: ids[kind], from: ["PROCESSING"], data: patches[kind], message: `${kind} moved` });
      expect(row, kind).toEqual(await STAGES[kind].find(prisma, ids[kind]));
    }
    const song = await prisma.song.findUniqueOrThrow({ where: { id: ids.SONG } });
    expect(song.attempt).toBe(2);
    expect(song.size).toBe(12_345_678_901n);
    const stored = await prisma.generationEvent.findMany({ where: { projectId: project.id }, orderBy: { sequence: "asc" } });
    expect(stored.map((e) => [e.sequence, e.kind, e.status, e.progress, e.message])).toEqual([
      [1, "LYRIC", "PROCESSING", 40, "LYRIC moved"],
      [2, "SONG", "PROCESSING", 50, "SONG moved"],
      [3, "VIDEO", "COMPLETED", 100, "VIDEO moved"],
    ]);
    // Published once each, after commit, as stored.
    const delivered = await received(listener, 3);
    await listener.close();
    expect(delivered.map((e) => [e.sequence, e.generationId, e.status, e.message, e.at])).toEqual(
      stored.map((e) => [e.sequence, e.generationId, e.status, e.message, e.createdAt.toISOString()]),
    );
    expect((await prisma.project.findUniqueOrThrow({ where: { id: project.id } })).eventSequence).toBe(3);
  });

  it("changes nothing and appends no event when the row left `from` or is on another attempt", async () => {
    const { project, ids } = await chain();
    const before = await prisma.lyric.findUniqueOrThrow({ where: { id: ids.LYRIC } });
    expect(await transition({ prisma, events }, { kind: "LYRIC", id: ids.LYRIC, from: ["QUEUED"], data: { progress: 99 }, message: "no" })).toBeNull();
    expect(await transition({ prisma, events }, { kind: "LYRIC", id: ids.LYRIC, from: ["PROCESSING"], attempt: 7, data: { progress: 99 }, message: "no" })).toBeNull();
    expect(await prisma.lyric.findUniqueOrThrow({ where: { id: ids.LYRIC } })).toEqual(before);
    expect(await prisma.generationEvent.count({ where: { projectId: project.id } })).toBe(0);
    expect((await prisma.project.findUniqueOrThrow({ where: { id: project.id } })).eventSequence).toBe(0);
  });

  it("gives concurrent writes of one project consecutive, unique sequences", async () => {
    const { project, ids } = await chain();
    const writes = Array.from({ length: 30 }, (_, i) => {
      const kind = KINDS[i % KINDS.length]!;
      return transition({ prisma, events }, { kind, id: ids[kind], from: ["PROCESSING"], data: { progress: i }, message: String(i) });
    });
    expect((await Promise.all(writes)).every(Boolean)).toBe(true);
    const sequences = (await prisma.generationEvent.findMany({ where: { projectId: project.id }, select: { sequence: true } })).map((e) => e.sequence).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it("refuses a field that is not a column of the stage", async () => {
    const { ids } = await chain();
    await expect(
      transition({ prisma, events }, { kind: "LYRIC", id: ids.LYRIC, from: ["PROCESSING"], data: { providerTaskId: "x" } as never, message: null }),
    ).rejects.toThrow(/providerTaskId is not a field/);
  });
});
