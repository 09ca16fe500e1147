// createProviders end to end against the sandbox: lyrics → song → copy to storage → video from
// our stored files → copy to storage. One agent per provider, closed at the end.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "ioredis";
import { startSandbox, SANDBOX_TEMPLATE_IDS, type Sandbox } from "../../sandbox/server.js";
import { startAzurite, type AzuriteHandle } from "../../sandbox/azurite.js";
import { BlobStorage } from "../../src/storage/blob-storage.js";
import { azuriteConnectionString, type Config } from "../../src/config.js";
import { createProviders, parseCreatomateWebhook, parseSunoCallback, pickTrack } from "../../src/providers/index.js";
import { dropPrefix, newRedis, randomPrefix, testConfig } from "../helpers/providers.js";
import { startReceiver, type Receiver } from "../helpers/receiver.js";

let sb: Sandbox;
let rx: Receiver;
let azurite: AzuriteHandle;
let storage: BlobStorage;
let redis: Redis;
let config: Config;
const prefix = randomPrefix();

beforeAll(async () => {
  [sb, rx, azurite] = await Promise.all([
    startSandbox({ port: 0, apiKey: "sandbox-key", speed: 100, sunoTrackSeconds: [20, 20] }),
    startReceiver(),
    startAzurite({ host: "127.0.0.1", port: 0 }),
  ]);
  config = testConfig(sb.url, {
    REDIS_PREFIX: prefix,
    AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString(azurite.host, azurite.port),
    AZURE_STORAGE_CONTAINER: "pipeline",
    CREATOMATE_TEMPLATE_ID: SANDBOX_TEMPLATE_IDS.portrait,
  });
  storage = await BlobStorage.connect(config);
  redis = newRedis();
});
afterAll(async () => {
  await Promise.all([sb?.close(), rx?.close()]);
  await azurite?.stop();
  if (redis) {
    await dropPrefix(redis, prefix);
    redis.disconnect();
  }
});

describe("createProviders", () => {
  it("lyrics → song → stored audio → video rendered from stored files → stored video", async () => {
    const p = createProviders(config, redis);
    try {
      const lyrics = await p.lyrics.generate({ storeName: "Bakery Sol", address: "3 Harbor Rd, Busan", description: "Fresh bread every morning", language: "KO" });
      expect(lyrics.lyrics).toContain("Bakery Sol");

      const taskId = await p.suno.submit({ lyrics: lyrics.lyrics, title: lyrics.title, style: "acoustic pop, jingle", callBackUrl: `${rx.url}/suno` });
      await rx.waitFor((r) => {
        const d = (r.body as { data?: { task_id?: string; callbackType?: string } }).data;
        return d?.task_id === taskId && d.callbackType === "complete";
      });
      const song = await p.suno.getRecord(taskId); // trust the record, not the callback
      expect(song.state).toBe("succeeded");
      const track = pickTrack(song.tracks)!;
      const audio = await p.copyUrlToBlob({ url: track.audioUrl!, storage, key: `${prefix}/song.wav`, maxBytes: 50e6 });
      const cover = await p.copyUrlToBlob({ url: track.imageUrl!, storage, key: `${prefix}/cover.png`, maxBytes: 5e6 });
      expect(audio.bytes).toBeGreaterThan(1000);
      expect(cover.contentType).toBe("image/png");

      const template = await p.creatomate.getTemplate(config.creatomate.templateId!);
      const modifications = p.creatomate.buildModifications(template, {
        imageUrls: [await storage.readUrl(`${prefix}/cover.png`)],
        audioUrl: await storage.readUrl(`${prefix}/song.wav`),
        lyrics: lyrics.lyrics,
        storeName: "Bakery Sol",
      });
      const render = await p.creatomate.createRender({ templateId: template.id, modifications, webhookUrl: `${rx.url}/creatomate`, metadata: "video-1" });
      const hook = await rx.waitFor((r) => (r.body as { id?: string }).id === render.id);
      expect(parseCreatomateWebhook(hook!.body).state).toBe("succeeded");
      const done = await p.creatomate.getRender(render.id);
      expect(done.state).toBe("succeeded");
      const video = await p.copyUrlToBlob({ url: done.url!, storage, key: `${prefix}/video.mp4`, maxBytes: 100e6, provider: "creatomate" });
      expect(video.bytes).toBe(done.fileSize);
      expect(await storage.properties(`${prefix}/video.mp4`)).toMatchObject({ size: done.fileSize });
      expect(parseSunoCallback(rx.received.find((r) => r.path === "/suno")!.body).taskId).toBe(taskId);
    } finally {
      await p.close();
      await storage.deletePrefix(`${prefix}/`);
    }
    await p.close(); // idempotent
  });
});
