// recordTakes: a song's takes in one statement, each replacing what an earlier run of the step
// wrote for its index (a retried step writes them again, with what the provider said then).
import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import { recordTakes, type StoredTake } from "../../src/jobs/song-takes.js";
import { useStatementCountingApi } from "../helpers/app.js";

const counted = useStatementCountingApi();
const { statements } = counted;

const take = (index: number, over: Partial<StoredTake["track"]> & Partial<Omit<StoredTake, "track">> = {}): StoredTake => {
  const { blobKey, imageBlobKey, contentType, bytes, ...track } = over;
  return {
    index,
    track: { id: `track-${index}`, audioUrl: `https://cdn.example/${index}.mp3`, streamAudioUrl: null, imageUrl: null, title: `Take ${index + 1}`, tags: null, duration: 31.5, ...track },
    blobKey: blobKey ?? `songs/take-${index + 1}.mp3`,
    imageBlobKey: imageBlobKey === undefined ? `songs/take-${index + 1}-cover.jpeg` : imageBlobKey,
    contentType: contentType ?? "audio/mpeg",
    bytes: bytes ?? 5_000_000_000, // past 2^32: stored as the BIGINT it is
  };
};

it("records every take in one statement and replaces them when the step runs again", async () => {
  const prisma = counted.api.app.services.prisma;
  const owner = await prisma.user.create({ data: { email: `takes-${randomBytes(4).toString("hex")}@example.com`, passwordHash: "-" } });
  const project = await prisma.project.create({ data: { ownerId: owner.id, storeName: "Takes Cafe", language: "EN" } });
  const song = await prisma.song.create({ data: { projectId: project.id } });
  const read = () => prisma.songTake.findMany({ where: { songId: song.id }, orderBy: { index: "asc" } });

  statements.length = 0;
  await recordTakes(prisma, song.id, [take(0), take(1, { audioUrl: null, title: null, duration: null, imageBlobKey: null })]);
  expect(statements).toHaveLength(1);
  const first = await read();
  expect(first.map(({ id: _id, createdAt: _at, ...rest }) => rest)).toEqual([
    { songId: song.id, index: 0, providerTrackId: "track-0", providerAudioUrl: "https://cdn.example/0.mp3", blobKey: "songs/take-1.mp3", imageBlobKey: "songs/take-1-cover.jpeg", contentType: "audio/mpeg", size: 5_000_000_000n, duration: 31.5, title: "Take 1" },
    { songId: song.id, index: 1, providerTrackId: "track-1", providerAudioUrl: null, blobKey: "songs/take-2.mp3", imageBlobKey: null, contentType: "audio/mpeg", size: 5_000_000_000n, duration: null, title: null },
  ]);

  // A later run (a new task after a failed one) writes both again: same rows, new values.
  statements.length = 0;
  await recordTakes(prisma, song.id, [take(0, { id: "track-0b", bytes: 12, contentType: "audio/wav", blobKey: "songs/take-1.wav" }), take(1, { id: "track-1b" })]);
  expect(statements).toHaveLength(1);
  const second = await read();
  expect(second.map((t) => t.id)).toEqual(first.map((t) => t.id));
  expect(second.map((t) => [t.providerTrackId, t.blobKey, t.contentType, t.size, t.providerAudioUrl, t.title])).toEqual([
    ["track-0b", "songs/take-1.wav", "audio/wav", 12n, "https://cdn.example/0.mp3", "Take 1"],
    ["track-1b", "songs/take-2.mp3", "audio/mpeg", 5_000_000_000n, "https://cdn.example/1.mp3", "Take 2"],
  ]);

  statements.length = 0;
  await recordTakes(prisma, song.id, []);
  expect(statements).toEqual([]);
});
