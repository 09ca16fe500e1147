// The last step of a song or video when the generation was cancelled or deleted while its
// files were being copied: the files are removed, not left behind; a newer attempt's are kept.
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { complete } from "../../src/jobs/steps/common.js";
import { startStack, type Stack } from "../helpers/pipeline.js";
import { listBlobs } from "../helpers/pipeline-tools.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ role: "api" });
});
afterAll(() => stack?.close());

async function processingSong() {
  const { prisma } = stack.api.app.services;
  const user = await prisma.user.create({ data: { email: `c-${Date.now()}-${Math.random()}@example.com`, passwordHash: "x" } });
  const project = await prisma.project.create({ data: { ownerId: user.id, storeName: "Cancelled Cafe" } });
  const song = await prisma.song.create({ data: { projectId: project.id, status: "PROCESSING", providerTaskId: "t1" } });
  const key = `projects/${project.id}/songs/${song.id}/audio`;
  await stack.api.app.services.storage.upload(key, Readable.from([Buffer.from("RIFF....")]), { contentType: "audio/wav" });
  return { song, key, prefix: `projects/${project.id}/` };
}

describe("complete()", () => {
  it("removes the copied files when the generation was cancelled during the copy", async () => {
    const services = stack.api.app.services;
    const { song, key, prefix } = await processingSong();
    await services.prisma.song.update({ where: { id: song.id }, data: { status: "CANCELLED" } });
    const done = await complete(services, "SONG", song, { blobKey: key }, "Song ready", [key, null]);
    expect(done).toBeNull();
    expect(await listBlobs(stack, prefix)).toEqual([]);
    expect((await services.prisma.song.findUniqueOrThrow({ where: { id: song.id } })).status).toBe("CANCELLED");
  });

  it("keeps them when a newer attempt owns the generation now", async () => {
    const services = stack.api.app.services;
    const { song, key, prefix } = await processingSong();
    await services.prisma.song.update({ where: { id: song.id }, data: { attempt: 2 } });
    expect(await complete(services, "SONG", song, { blobKey: key }, "Song ready", [key])).toBeNull();
    expect(await listBlobs(stack, prefix)).toEqual([key]);
  });

  it("completes and keeps them otherwise", async () => {
    const services = stack.api.app.services;
    const { song, key, prefix } = await processingSong();
    const done = await complete(services, "SONG", song, { blobKey: key }, "Song ready", [key]);
    expect(done?.status).toBe("COMPLETED");
    expect(await listBlobs(stack, prefix)).toEqual([key]);
  });
});
