// What each provider error means for a generation, end to end — and with Suno's errors sent
// both ways: as documented (HTTP 200 + `code` in the body, the sandbox's default) and with the
// HTTP status mirroring the code.
//   - out of credits (OpenAI insufficient_quota 429, sunoapi.org 429) → FAILED PROVIDER_QUOTA
//     after one request, never retried, never shown as "busy";
//   - a rate limit (sunoapi.org 430) → retried, and the song completes;
//   - a failed download at Suno (451) → a new task per attempt, FAILED after JOB_ATTEMPTS with a
//     message that does not blame the lyrics.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isFinal, projectWithPhotos, startStack, watchEvents, type Stack } from "../helpers/pipeline.js";
import { globalId, rowIdOf, sandboxStats } from "../helpers/pipeline-tools.js";

const SONG = `mutation($p: ID!, $l: ID, $i: GenerateSongInput) { generateSong(projectId: $p, lyricId: $l, input: $i) { id } }`;
const LYRIC = `mutation($p: ID!, $i: GenerateLyricInput) { generateLyric(projectId: $p, input: $i) { id } }`;
const GEN = `query($id: ID!) { node(id: $id) { ... on Generation { status error errorCode } } }`;

describe.each(["200", "mirror"] as const)("Suno errors sent as HTTP %s", (transport) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { JOB_ATTEMPTS: "3", JOB_BACKOFF_MS: "50" }, sandbox: { sunoErrorHttpStatus: transport, sunoTrackSeconds: [20, 20] } });
  });
  afterAll(() => stack?.close());

  async function song(style: string) {
    const { user, projectId, rowId } = await projectWithPhotos(stack, { photos: 0 });
    const lyric = await stack.api.app.services.prisma.lyric.create({
      data: { projectId: rowId, language: "EN", status: "COMPLETED", progress: 100, title: "Jingle", text: "sing it\nsing it loud" },
    });
    const watch = await watchEvents(stack, rowId);
    const before = await sandboxStats(stack);
    const res = await stack.api.gql<{ generateSong: { id: string } }>(SONG, { p: projectId, l: globalId("Lyric", lyric.id), i: { style } }, user.token);
    expect(res.errors).toBeUndefined();
    const id = rowIdOf(res.data!.generateSong.id);
    const final = await watch.until((e) => e.generationId === id && isFinal(e));
    await watch.stop();
    const after = await sandboxStats(stack);
    const node = (await stack.api.gql<{ node: { status: string; error: string; errorCode: string } }>(GEN, { id: res.data!.generateSong.id }, user.token)).data!.node;
    return { final, node, events: watch.events.filter((e) => e.generationId === id), submitted: after.suno.generateRequests - before.suno.generateRequests };
  }

  it("Suno out of credits: FAILED with PROVIDER_QUOTA after one request", async () => {
    const { node, events, submitted } = await song("pop [sandbox:suno:no-credits]");
    expect(node).toMatchObject({ status: "FAILED", errorCode: "PROVIDER_QUOTA" });
    expect(node.error).toMatch(/out of credits/);
    expect(submitted).toBe(1);
    expect(events.filter((e) => /Trying again|busy/i.test(e.message ?? ""))).toHaveLength(0);
  });

  it("Suno rate limit (430): retried, the song completes", async () => {
    const { node, submitted } = await song("pop [sandbox:suno:fail=430x1]");
    expect(node.status).toBe("COMPLETED");
    expect(submitted).toBe(2);
  });

  it("Suno 451 (could not download a file): a new task per attempt, then FAILED without blaming the lyrics", async () => {
    const { node, events, submitted } = await song("pop [sandbox:suno:download-fail]");
    expect(node).toMatchObject({ status: "FAILED", errorCode: "SUNO_DOWNLOAD_FAILED" });
    expect(node.error).not.toMatch(/lyrics|change/i);
    expect(submitted).toBe(3); // JOB_ATTEMPTS
    expect(events.filter((e) => /Trying again/.test(e.message ?? ""))).toHaveLength(2);
  });

  it("OpenAI insufficient_quota: the lyric FAILS with PROVIDER_QUOTA after one request", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(stack, { photos: 0 });
    const watch = await watchEvents(stack, rowId);
    const before = await sandboxStats(stack);
    const res = await stack.api.gql<{ generateLyric: { id: string } }>(LYRIC, { p: projectId, i: { extraPrompt: "[sandbox:openai:no-credits]" } }, user.token);
    const id = rowIdOf(res.data!.generateLyric.id);
    await watch.until((e) => e.generationId === id && isFinal(e));
    await watch.stop();
    const node = (await stack.api.gql<{ node: { status: string; errorCode: string } }>(GEN, { id: res.data!.generateLyric.id }, user.token)).data!.node;
    expect(node).toMatchObject({ status: "FAILED", errorCode: "PROVIDER_QUOTA" });
    expect((await sandboxStats(stack)).openai.requests - before.openai.requests).toBe(1);
  });
});
