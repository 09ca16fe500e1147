// The ad as a viewer gets it from songs of real length: a 3-minute song fitted to the 30-second
// template (cut with a fade), the lyrics as timed captions drawn at the times Suno says they
// are sung, a thumbnail, both takes stored and selectable, and the first take's stream as a
// preview while the song is still being made.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { findFfmpeg } from "../../sandbox/ffmpeg.js";
import { download, isFinal, projectWithPhotos, startStack, watchEvents, type Stack } from "../helpers/pipeline.js";
import { advanceSuno, rowIdOf, waitFor } from "../helpers/pipeline-tools.js";
import { createSunoClient } from "../../src/providers/suno.js";
import { captionLines } from "../../src/providers/render-source.js";
import { differs, grayBand } from "../helpers/frames.js";

let stack: Stack;
// Takes and previews do not need long songs or full-length renders.
let quick: Stack;
beforeAll(async () => {
  // Songs as long as Suno's (3 minutes here), rendered at full template length.
  [stack, quick] = await Promise.all([
    startStack({ sandbox: { sunoTrackSeconds: [180, 180], renderMaxSeconds: 30 } }),
    startStack({ sandbox: { sunoTrackSeconds: [10, 10], renderMaxSeconds: 2 } }),
  ]);
});
afterAll(() => Promise.all([stack?.close(), quick?.close()]));

const AD = `mutation($p: ID!) { generateAd(projectId: $p) { song { id } video { id } } }`;

/** Seconds of media in a file, read by ffmpeg. */
async function mediaSeconds(file: Buffer): Promise<number> {
  const { writeFile, mkdtemp, rm } = await import("node:fs/promises");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const dir = await mkdtemp(join(tmpdir(), "castad-probe-"));
  try {
    await writeFile(join(dir, "f"), file);
    const err = await new Promise<string>((resolve) => {
      const child = spawn(findFfmpeg()!, ["-hide_banner", "-i", join(dir, "f")], { stdio: ["ignore", "ignore", "pipe"] });
      let s = "";
      child.stderr.on("data", (c: Buffer) => (s += c.toString()));
      child.on("close", () => resolve(s));
    });
    const m = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(err);
    if (!m) throw new Error(`no duration in: ${err.slice(0, 300)}`);
    return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("a jingle of real length", () => {
  it("a 3-minute song is fitted to the 30-second template; captions are on screen while their words are sung; a thumbnail exists", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(stack, { photos: 1 });
    const watch = await watchEvents(stack, rowId);
    const res = await stack.api.gql<{ generateAd: { song: { id: string }; video: { id: string } } }>(AD, { p: projectId }, user.token);
    expect(res.errors).toBeUndefined();
    const final = await watch.until((e) => e.kind === "VIDEO" && isFinal(e));
    await watch.stop();
    expect(final.status, JSON.stringify(watch.events.filter((e) => e.status === "FAILED"))).toBe("COMPLETED");

    const q = await stack.api.gql<{ node: { duration: number; thumbnailUrl: string | null; videoUrl: string; song: { duration: number; audioUrl: string } } }>(
      `query($v: ID!) { node(id: $v) { ... on Video { duration thumbnailUrl videoUrl song { duration audioUrl } } } }`,
      { v: res.data!.generateAd.video.id },
      user.token,
    );
    const video = q.data!.node;
    expect(video.song.duration).toBe(180);
    expect(video.duration).toBe(30);
    const mp4 = await download(video.videoUrl);
    expect(await mediaSeconds(mp4)).toBeCloseTo(30, 0);
    expect(await mediaSeconds(await download(video.song.audioUrl))).toBeCloseTo(180, 0);
    const thumb = await download(video.thumbnailUrl!);
    expect([...thumb.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);

    // Where Suno says the words are sung (the same call the video step made).
    const song = await stack.api.app.services.prisma.song.findUniqueOrThrow({ where: { id: rowIdOf(res.data!.generateAd.song.id) } });
    const suno = createSunoClient(stack.api.config);
    const lines = captionLines(await suno.getAlignedWords(song.providerTaskId!, song.providerTrackId!), 30);
    await suno.close();
    expect(lines.length).toBeGreaterThan(1);
    const first = lines[0]!;
    // The sandbox renders at 640x360; the lyrics element sits at 82 % of the height.
    const band = (at: number) => grayBand(mp4, at, 640, 360, 0.82);
    const before = await band(Math.max(0.2, first.start - 1));
    const during = await band((first.start + first.end) / 2);
    expect(differs(before, during)).toBeGreaterThan(0.05);
    const gapAfter = lines.find((l, i) => i > 0 && l.start - lines[i - 1]!.end > 0.3);
    if (gapAfter) {
      const inGap = await band(gapAfter.start - 0.15);
      expect(differs(before, inGap)).toBeLessThan(0.02); // between two lines: nothing drawn
    }
  });

  it("both takes are stored; selecting the other one changes the song's audio and a new video uses it", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(quick, { photos: 1 });
    const watch = await watchEvents(quick, rowId);
    const ad = await quick.api.gql<{ generateAd: { song: { id: string } } }>(AD, { p: projectId }, user.token);
    await watch.until((e) => e.kind === "VIDEO" && isFinal(e));
    const songId = ad.data!.generateAd.song.id;
    const SONG = `query($s: ID!) { node(id: $s) { ... on Song { selectedTake audioUrl previewUrl takes { index duration audioUrl coverImageUrl } } } }`;
    const before = (await quick.api.gql<{ node: { selectedTake: number; audioUrl: string; previewUrl: string; takes: Array<{ index: number; audioUrl: string; duration: number }> } }>(SONG, { s: songId }, user.token)).data!.node;
    expect(before.takes.map((t) => t.index)).toEqual([0, 1]);
    expect(before.selectedTake).toBe(0);
    expect(before.previewUrl).toMatch(/\/stream$/);
    const other = await download(before.takes[1]!.audioUrl);
    expect(other.subarray(0, 4).toString()).toBe("RIFF");
    expect(new URL(before.takes[1]!.audioUrl).pathname).toMatch(/\/take-2\.wav$/); // a real file name and type

    const chosen = await quick.api.gql<{ selectSongTake: { selectedTake: number; audioUrl: string } }>(
      `mutation($s: ID!) { selectSongTake(songId: $s, index: 1) { selectedTake audioUrl } }`,
      { s: songId },
      user.token,
    );
    expect(chosen.errors).toBeUndefined();
    expect(chosen.data!.selectSongTake.selectedTake).toBe(1);
    expect(new URL(chosen.data!.selectSongTake.audioUrl).pathname).toBe(new URL(before.takes[1]!.audioUrl).pathname);
    const bad = await quick.api.gql(`mutation($s: ID!) { selectSongTake(songId: $s, index: 5) { id } }`, { s: songId }, user.token);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "index" });

    const again = await quick.api.gql<{ generateVideo: { id: string } }>(`mutation($p: ID!, $s: ID) { generateVideo(projectId: $p, songId: $s) { id } }`, { p: projectId, s: songId }, user.token);
    expect(again.errors).toBeUndefined();
    const done = await watch.until((e) => e.kind === "VIDEO" && e.generationId === rowIdOf(again.data!.generateVideo.id) && isFinal(e));
    await watch.stop();
    expect(done.status).toBe("COMPLETED");
  });

  it("publishes the first take's stream as a preview while the song is still being made (FIRST_SUCCESS)", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(quick, { photos: 1, storeName: "Held Cafe [sandbox:suno:hold]" });
    const watch = await watchEvents(quick, rowId);
    const ad = await quick.api.gql<{ generateAd: { song: { id: string } } }>(AD, { p: projectId }, user.token);
    const songRow = rowIdOf(ad.data!.generateAd.song.id);
    const prisma = quick.api.app.services.prisma;
    const taskId = await waitFor("the song task", async () => (await prisma.song.findUnique({ where: { id: songRow } }))?.providerTaskId);
    await advanceSuno(quick, taskId); // TEXT_SUCCESS
    await advanceSuno(quick, taskId); // FIRST_SUCCESS: the first take streams
    const preview = await watch.until((e) => e.kind === "SONG" && e.status === "PROCESSING" && /first take/i.test(e.message ?? ""));
    const q = await quick.api.gql<{ node: { status: string; previewUrl: string | null; audioUrl: string | null } }>(
      `query($s: ID!) { node(id: $s) { ... on Song { status previewUrl audioUrl } } }`,
      { s: ad.data!.generateAd.song.id },
      user.token,
    );
    expect(preview.status).toBe("PROCESSING");
    expect(q.data!.node).toMatchObject({ status: "PROCESSING", audioUrl: null });
    expect(q.data!.node.previewUrl).toMatch(/^http.*\/stream$/);
    expect((await fetch(q.data!.node.previewUrl!)).status).toBe(200);
    await advanceSuno(quick, taskId);
    await watch.until((e) => e.kind === "VIDEO" && isFinal(e));
    await watch.stop();
  });
});
