// Waking parked jobs: provider webhooks (the default), polling when no webhook ever comes,
// duplicate webhooks, and webhooks that are not signed by us.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, isFinal, projectWithPhotos, watchEvents, type Stack } from "../helpers/pipeline.js";
import { callbackUrl } from "../../src/jobs/callbacks.js";
import { advanceSuno, globalId, jobState, listBlobs, rowIdOf, sandboxStats, waitFor } from "../helpers/pipeline-tools.js";

// Webhook stack: parked jobs would sleep 30 s between polls, so finishing within seconds
// proves that the webhooks woke them.
let hooks: Stack;
// Polling stack: the usual short poll intervals.
let polls: Stack;
beforeAll(async () => {
  [hooks, polls] = await Promise.all([startStack({ env: { POLL_INITIAL_MS: "30000", POLL_MAX_MS: "30000" } }), startStack()]);
});
afterAll(async () => {
  await Promise.all([hooks?.close(), polls?.close()]);
});

const AD = `mutation($p: ID!) { generateAd(projectId: $p) { lyric { id } song { id } video { id } } }`;
const SONG = `mutation($p: ID!, $l: ID, $i: GenerateSongInput) { generateSong(projectId: $p, lyricId: $l, input: $i) { id } }`;

async function runAd(stack: Stack, storeName: string) {
  const p = await projectWithPhotos(stack, { storeName, photos: 1 });
  const watch = await watchEvents(stack, p.rowId);
  const res = await stack.api.gql<{ generateAd: { lyric: { id: string }; song: { id: string }; video: { id: string } } }>(AD, { p: p.projectId }, p.user.token);
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  const ids = { lyric: rowIdOf(res.data!.generateAd.lyric.id), song: rowIdOf(res.data!.generateAd.song.id), video: rowIdOf(res.data!.generateAd.video.id) };
  const final = await watch.until((e) => e.generationId === ids.video && isFinal(e));
  await watch.stop();
  expect(final.status, JSON.stringify(watch.events.filter((e) => e.status === "FAILED"))).toBe("COMPLETED");
  return { ...p, ids, events: watch.events };
}

const completions = (events: { generationId: string; status: string }[], id: string) =>
  events.filter((e) => e.generationId === id && e.status === "COMPLETED").length;

describe("webhooks wake parked jobs", () => {
  it("by default the Suno callbacks and the Creatomate webhook finish the ad (no 30 s poll needed)", async () => {
    const before = await sandboxStats(hooks);
    const started = Date.now();
    const { ids, events } = await runAd(hooks, "Tea House");
    expect(Date.now() - started).toBeLessThan(25_000);
    const after = await sandboxStats(hooks);
    expect(after.suno.callbacksSent - before.suno.callbacksSent).toBe(3);
    expect(after.suno.callbacksFailed - before.suno.callbacksFailed).toBe(0);
    expect(after.creatomate.webhooksSent - before.creatomate.webhooksSent).toBe(1);
    expect(after.creatomate.webhooksFailed - before.creatomate.webhooksFailed).toBe(0);
    // Each poll was caused by a wake-up, not a timer: at most one look per callback (+ one
    // when a callback raced the submission).
    expect(after.suno.recordInfoRequests - before.suno.recordInfoRequests).toBeLessThanOrEqual(4);
    expect(after.creatomate.getRequests - before.creatomate.getRequests).toBeLessThanOrEqual(2);
    for (const id of Object.values(ids)) expect(completions(events, id)).toBe(1);
  });

  it("a duplicated webhook is harmless: one completion event and one blob per stage", async () => {
    const before = await sandboxStats(hooks);
    const { ids, events, rowId } = await runAd(hooks, "Noodle Bar [sandbox:webhook-twice]");
    const after = await sandboxStats(hooks);
    // (The duplicates may still be on their way: counted below, once delivered.)
    expect(after.suno.generateRequests - before.suno.generateRequests).toBe(1);
    expect(after.creatomate.renderRequests - before.creatomate.renderRequests).toBe(1);
    for (const id of Object.values(ids)) expect(completions(events, id)).toBe(1);
    const stored = await hooks.api.app.services.prisma.generationEvent.count({
      where: { generationId: { in: Object.values(ids) }, status: "COMPLETED" },
    });
    expect(stored).toBe(3);
    // Late duplicates arriving after completion must not change anything either.
    await waitFor("every duplicate to be delivered", async () => {
      const s = await sandboxStats(hooks);
      return s.suno.callbacksSent - before.suno.callbacksSent === 6 && s.creatomate.webhooksSent - before.creatomate.webhooksSent === 2;
    });
    const blobs = await listBlobs(hooks, `projects/${rowId}/`);
    expect(blobs.filter((b) => /\/take-\d\.wav$/.test(b))).toEqual([`projects/${rowId}/songs/${ids.song}/take-1.wav`, `projects/${rowId}/songs/${ids.song}/take-2.wav`]);
    expect(blobs.filter((b) => b.endsWith(".mp4"))).toEqual([`projects/${rowId}/videos/${ids.video}/video.mp4`]);
    const rows = await Promise.all([
      hooks.api.app.services.prisma.song.findUniqueOrThrow({ where: { id: ids.song } }),
      hooks.api.app.services.prisma.video.findUniqueOrThrow({ where: { id: ids.video } }),
    ]);
    for (const row of rows) expect(row).toMatchObject({ status: "COMPLETED", progress: 100, attempt: 1 });
  });

  it("without webhooks the jobs poll and still complete", async () => {
    const before = await sandboxStats(polls);
    const { ids, events } = await runAd(polls, "Bike Shop [sandbox:no-webhook]");
    const after = await sandboxStats(polls);
    expect(after.suno.callbacksSent - before.suno.callbacksSent).toBe(0);
    expect(after.creatomate.webhooksSent - before.creatomate.webhooksSent).toBe(0);
    expect(after.suno.recordInfoRequests - before.suno.recordInfoRequests).toBeGreaterThanOrEqual(1);
    expect(after.creatomate.getRequests - before.creatomate.getRequests).toBeGreaterThanOrEqual(1);
    for (const id of Object.values(ids)) expect(completions(events, id)).toBe(1);
  });
});

describe("webhook authentication", () => {
  it("refuses a webhook with a wrong or missing signature (401) and does not wake the job", async () => {
    const p = await projectWithPhotos(hooks, { photos: 0 });
    const lyric = await hooks.api.app.services.prisma.lyric.create({
      data: { projectId: p.rowId, language: "EN", status: "COMPLETED", progress: 100, title: "Hook", text: "la la" },
    });
    const res = await hooks.api.gql<{ generateSong: { id: string } }>(
      SONG,
      { p: p.projectId, l: globalId("Lyric", lyric.id), i: { style: "[sandbox:suno:hold]" } },
      p.user.token,
    );
    expect(res.errors).toBeUndefined();
    const songId = rowIdOf(res.data!.generateSong.id);
    const row = await waitFor("the song to park", async () => {
      const r = await hooks.api.app.services.prisma.song.findUniqueOrThrow({ where: { id: songId } });
      return r.providerTaskId && (await jobState(hooks, "SONG", songId, 1)) === "delayed" ? r : null;
    });
    const body = JSON.stringify({ code: 200, msg: "ok", data: { callbackType: "complete", task_id: row.providerTaskId, data: [] } });
    const post = (path: string) => fetch(`${hooks.api.url}${path}`, { method: "POST", body, headers: { "content-type": "application/json" } });

    const good = new URL(callbackUrl(hooks.api.config, "SONG", songId));
    const sig = good.searchParams.get("sig")!;
    const wrong = `${sig.slice(0, -2)}${sig.endsWith("AA") ? "BB" : "AA"}`;
    const videoSig = new URL(callbackUrl(hooks.api.config, "VIDEO", songId)).searchParams.get("sig")!;
    for (const path of [
      `/webhooks/suno?id=${songId}&sig=${wrong}`,
      `/webhooks/suno?id=${songId}`,
      `/webhooks/suno?id=${songId}&sig=${videoSig}`, // signed for another kind
      `/webhooks/creatomate?id=${songId}&sig=${sig}`,
      `/webhooks/suno?id=not-a-uuid&sig=${sig}`,
    ]) {
      const r = await post(path);
      expect(r.status, path).toBe(401);
      expect(await r.json()).toEqual({ error: "invalid signature" });
    }
    expect(await jobState(hooks, "SONG", songId, 1)).toBe("delayed");

    // Correctly signed, but about another Suno task (e.g. an earlier attempt's): ignored.
    const stale = await fetch(`${hooks.api.url}${good.pathname}${good.search}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: 200, msg: "ok", data: { callbackType: "complete", task_id: "someothertask", data: [] } }),
    });
    expect(stale.status).toBe(200);
    expect(await stale.json()).toEqual({ ok: true, ignored: "stale task" });
    expect(await jobState(hooks, "SONG", songId, 1)).toBe("delayed");

    // The correctly signed URL (the one Suno was given) wakes the job.
    const r = await post(`${good.pathname}${good.search}`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true, woke: true });
    await waitFor("the woken job to look and park again", async () => (await jobState(hooks, "SONG", songId, 1)) === "delayed");
    // Let it finish so the stack closes cleanly.
    for (let i = 0; i < 3; i++) await advanceSuno(hooks, row.providerTaskId!);
    await waitFor("the song to complete", async () => {
      const r2 = await hooks.api.app.services.prisma.song.findUniqueOrThrow({ where: { id: songId } });
      return r2.status === "COMPLETED";
    });
  });
});
