import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, download, isFinal, projectWithPhotos, watchEvents, type Stack } from "../helpers/pipeline.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.close());

const AD = `mutation($p: ID!) { generateAd(projectId: $p) { lyric { id status } song { id status } video { id status } } }`;

describe("generateAd", () => {
  it("runs lyric -> song -> video to COMPLETED with downloadable blobs", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(stack);
    const watch = await watchEvents(stack, rowId);
    const res = await stack.api.gql<{ generateAd: { lyric: { id: string; status: string }; video: { id: string } } }>(AD, { p: projectId }, user.token);
    expect(res.errors).toBeUndefined();
    expect(res.data!.generateAd.lyric.status).toBe("QUEUED");
    const final = await watch.until((e) => e.kind === "VIDEO" && isFinal(e));
    await watch.stop();
    expect(final.status, JSON.stringify(watch.events.filter((e) => e.status === "FAILED"))).toBe("COMPLETED");

    const q = await stack.api.gql<{
      project: {
        lyrics: { status: string; text: string; title: string }[];
        songs: { status: string; audioUrl: string; coverImageUrl: string | null; duration: number }[];
        videos: { status: string; videoUrl: string; thumbnailUrl: string | null; progress: number }[];
      };
    }>(
      `query($p: ID!) { project(id: $p) { lyrics { status text title } songs { status audioUrl coverImageUrl duration } videos { status videoUrl thumbnailUrl progress } } }`,
      { p: projectId },
      user.token,
    );
    const project = q.data!.project;
    expect(project.lyrics[0]!.status).toBe("COMPLETED");
    expect(project.lyrics[0]!.text).toContain("Cafe Sol");
    expect(project.songs[0]!.status).toBe("COMPLETED");
    const audio = await download(project.songs[0]!.audioUrl);
    expect(audio.subarray(0, 4).toString()).toBe("RIFF");
    const video = await download(project.videos[0]!.videoUrl);
    expect(video.subarray(4, 8).toString()).toBe("ftyp");
    expect(project.videos[0]!.progress).toBe(100);
    // The pictures that go with the results are copied too: a PNG cover, a snapshot image.
    const cover = await download(project.songs[0]!.coverImageUrl!);
    expect(cover.subarray(1, 4).toString()).toBe("PNG");
    expect((await download(project.videos[0]!.thumbnailUrl!)).length).toBeGreaterThan(100);
    // Sequences are consecutive per project.
    const seqs = watch.events.map((e) => e.sequence).sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  });
});
