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
        lyrics: { edges: { node: { status: string; text: string; title: string } }[] };
        songs: { edges: { node: { status: string; audioUrl: string; coverImageUrl: string | null; duration: number } }[] };
        videos: { edges: { node: { status: string; videoUrl: string; thumbnailUrl: string | null; progress: number } }[] };
        done: { totalCount: number };
        failed: { totalCount: number };
        adRuns: { totalCount: number; edges: { node: { status: string; progress: number } }[] };
      };
    }>(
      `query($p: ID!) { project(id: $p) { lyrics(first: 1) { edges { node { status text title } } } songs(first: 1) { edges { node { status audioUrl coverImageUrl duration } } } videos(first: 1) { edges { node { status videoUrl thumbnailUrl progress } } } done: videos(status: COMPLETED) { totalCount } failed: videos(status: FAILED) { totalCount } adRuns { totalCount edges { node { status progress } } } } }`,
      { p: projectId },
      user.token,
    );
    const project = q.data!.project;
    const [lyric, song, video] = [project.lyrics.edges[0]!.node, project.songs.edges[0]!.node, project.videos.edges[0]!.node];
    expect(lyric.status).toBe("COMPLETED");
    expect(lyric.text).toContain("Cafe Sol");
    expect(song.status).toBe("COMPLETED");
    const audio = await download(song.audioUrl);
    expect(audio.subarray(0, 4).toString()).toBe("RIFF");
    const mp4 = await download(video.videoUrl);
    expect(mp4.subarray(4, 8).toString()).toBe("ftyp");
    expect(video.progress).toBe(100);
    // Counts by status, and the run as a whole.
    expect([project.done.totalCount, project.failed.totalCount]).toEqual([1, 0]);
    expect(project.adRuns).toEqual({ totalCount: 1, edges: [{ node: { status: "COMPLETED", progress: 100 } }] });
    // The pictures that go with the results are copied too: a PNG cover, a snapshot image.
    const cover = await download(song.coverImageUrl!);
    expect(cover.subarray(1, 4).toString()).toBe("PNG");
    expect((await download(video.thumbnailUrl!)).length).toBeGreaterThan(100);
    // Sequences are consecutive per project.
    const seqs = watch.events.map((e) => e.sequence).sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  });
});
