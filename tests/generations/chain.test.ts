// nextStage: once a stage of an ad run completes, the stage to enqueue — read with its run in
// one statement (it runs after every completed lyric and song).
import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import { nextStage } from "../../src/generations/chain.js";
import { useStatementCountingApi } from "../helpers/app.js";

const counted = useStatementCountingApi();
const { statements } = counted;

async function adRun() {
  const prisma = counted.api.app.services.prisma;
  const owner = await prisma.user.create({ data: { email: `chain-${randomBytes(4).toString("hex")}@example.com`, passwordHash: "-" } });
  const project = await prisma.project.create({ data: { ownerId: owner.id, storeName: "Chain Cafe", language: "EN" } });
  const lyric = await prisma.lyric.create({ data: { projectId: project.id, language: "EN", status: "COMPLETED" } });
  const song = await prisma.song.create({ data: { projectId: project.id, lyricId: lyric.id } });
  const video = await prisma.video.create({ data: { projectId: project.id, songId: song.id } });
  await prisma.adRun.create({ data: { projectId: project.id, lyricId: lyric.id, songId: song.id, videoId: video.id } });
  return { prisma, lyric, song, video };
}

it("finds the waiting next stage of the run in one statement, and nothing once it has moved on", async () => {
  const { prisma, lyric, song, video } = await adRun();

  statements.length = 0;
  expect(await nextStage(prisma, "LYRIC", lyric.id)).toEqual({ kind: "SONG", id: song.id, attempt: 1 });
  expect(statements).toHaveLength(1);

  statements.length = 0;
  expect(await nextStage(prisma, "SONG", song.id)).toEqual({ kind: "VIDEO", id: video.id, attempt: 1 });
  expect(statements).toHaveLength(1);

  await prisma.song.update({ where: { id: song.id }, data: { status: "PROCESSING", attempt: 2 } });
  expect(await nextStage(prisma, "LYRIC", lyric.id)).toBeNull(); // already running: not enqueued again

  statements.length = 0;
  expect(await nextStage(prisma, "VIDEO", video.id)).toBeNull(); // the last stage
  expect(statements).toHaveLength(0);

  expect(await nextStage(prisma, "SONG", "00000000-0000-4000-8000-000000000000")).toBeNull(); // no such run
});
