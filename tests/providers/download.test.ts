import { randomBytes } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../sandbox/server.js";
import { startAzurite, type AzuriteHandle } from "../../sandbox/azurite.js";
import { BlobStorage } from "../../src/storage/blob-storage.js";
import { azuriteConnectionString } from "../../src/config.js";
import { copyUrlToBlob, createDownloadDispatcher } from "../../src/providers/download.js";
import { createSunoClient, parseCallback, pickTrack } from "../../src/providers/suno.js";
import { providerError, startStub, testConfig } from "../helpers/providers.js";
import { startReceiver, type Receiver } from "../helpers/receiver.js";

const FILE_BYTES = 52_428_800; // 50 MiB
const BIG_BYTES = 4 * FILE_BYTES; // 200 MiB: shows the peak does not follow the file size

let sb: Sandbox;
let rx: Receiver;
let azurite: AzuriteHandle;
let storage: BlobStorage;
const dispatcher = createDownloadDispatcher(2_000);
const prefix = `providers-${randomBytes(4).toString("hex")}/`;

beforeAll(async () => {
  [sb, rx, azurite] = await Promise.all([
    startSandbox({ port: 0, apiKey: "sandbox-key", speed: 100 }),
    startReceiver(),
    startAzurite({ host: "127.0.0.1", port: 0 }),
  ]);
  storage = await BlobStorage.connect({
    storageConnectionString: azuriteConnectionString(azurite.host, azurite.port),
    AZURE_STORAGE_CONTAINER: "providers-test",
    STORAGE_URL_MODE: "sas",
    STORAGE_SAS_TTL_SECONDS: 600,
  });
});
afterAll(async () => {
  if (storage) await storage.deletePrefix(prefix);
  await dispatcher.close();
  await Promise.all([sb?.close(), rx?.close(), azurite?.stop()]);
});

// A full GC before the baseline sample, so that garbage left by earlier tests is not counted.
setFlagsFromString("--expose_gc");
const gc = runInNewContext("gc") as () => void;

/** A finished sandbox Suno task's picked track (the sandbox serves its audio as a streamed WAV). */
async function sunoTrack(marker = "") {
  const suno = createSunoClient(testConfig(sb.url));
  try {
    const taskId = await suno.submit({ lyrics: `[Verse]\nla la ${marker}`, title: "Song", style: "pop", callBackUrl: `${rx.url}/cb` });
    const done = await rx.waitFor((r) => {
      const d = (r.body as { data?: { task_id?: string; callbackType?: string } }).data;
      return d?.task_id === taskId && d.callbackType === "complete";
    });
    return pickTrack(parseCallback(done!.body).tracks)!;
  } finally {
    await suno.close();
  }
}

describe("copyUrlToBlob", () => {
  /** Copies a fresh sandbox song of `bytes` and samples RSS every 5 ms while it runs. */
  async function measuredCopy(bytes: number, key: string) {
    const track = await sunoTrack(`[sandbox:audio-bytes=${bytes}]`);
    gc();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      const rss = process.memoryUsage().rss;
      if (rss > peak) peak = rss;
    }, 5);
    let progressCalls = 0;
    const started = Date.now();
    try {
      const result = await copyUrlToBlob({
        url: track.audioUrl!,
        storage,
        key,
        maxBytes: 300 * 1024 * 1024,
        timeoutMs: 60_000,
        dispatcher,
        onProgress: () => progressCalls++,
      });
      return { result, growth: peak - baseline, baseline, ms: Date.now() - started, progressCalls };
    } finally {
      clearInterval(sampler);
    }
  }

  it(`streams ${FILE_BYTES / 1024 / 1024} MiB and ${BIG_BYTES / 1024 / 1024} MiB songs into Azurite; memory does not follow the file size`, async () => {
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    const small = await measuredCopy(FILE_BYTES, `${prefix}song-50.wav`);
    const big = await measuredCopy(BIG_BYTES, `${prefix}song-200.wav`);
    console.log(
      `[providers] copy sandbox → Azurite, peak RSS growth (sampled every 5 ms; the sandbox generating the file runs in this process too): ` +
        `${mib(FILE_BYTES)} file: ${mib(small.growth)} in ${small.ms} ms (baseline ${mib(small.baseline)}); ` +
        `${mib(BIG_BYTES)} file: ${mib(big.growth)} in ${big.ms} ms (baseline ${mib(big.baseline)})`,
    );
    for (const [run, bytes, key] of [[small, FILE_BYTES, "song-50.wav"], [big, BIG_BYTES, "song-200.wav"]] as const) {
      expect(run.result).toEqual({ bytes, contentType: "audio/wav" });
      expect(await storage.properties(`${prefix}${key}`)).toEqual({ size: bytes, contentType: "audio/wav" });
      expect(run.progressCalls).toBeGreaterThan(10);
    }
    // Live data is ~2-3 x 4 MiB upload blocks; the rest of the peak is Buffer garbage V8 lets pile
    // up (tens of MiB) before collecting it. Buffering the file would cost at least the file size.
    // Exact numbers belong to `npm run bench`; here only what no buffering copy could pass:
    // holding the 200 MB file (or half of it) in memory would exceed this.
    expect(big.growth).toBeLessThan(BIG_BYTES / 2);
  });

  it("404 → permanent MEDIA_NOT_FOUND; too large → permanent MEDIA_TOO_LARGE (nothing stored)", async () => {
    const missing = await providerError(() =>
      copyUrlToBlob({ url: `${sb.url}/media/suno/nope/nope.wav?sig=secret123`, storage, key: `${prefix}missing`, maxBytes: 1e6, timeoutMs: 5_000, dispatcher }),
    );
    expect(missing).toMatchObject({ code: "MEDIA_NOT_FOUND", retryable: false, status: 404 });
    expect(missing.message).not.toContain("secret123");

    const track = await sunoTrack();
    const tooBig = await providerError(() =>
      copyUrlToBlob({ url: track.audioUrl!, storage, key: `${prefix}big`, maxBytes: 1000, timeoutMs: 5_000, dispatcher }),
    );
    expect(tooBig).toMatchObject({ code: "MEDIA_TOO_LARGE", retryable: false });
    expect(await storage.properties(`${prefix}big`)).toBeNull();
  });

  it("sends no Authorization header, follows redirects, 5xx is retryable, a stalled body times out", async () => {
    const headersSeen: Array<string | undefined> = [];
    const stub = await startStub((req, res) => {
      headersSeen.push(req.headers.authorization);
      if (req.url === "/redirect") {
        res.writeHead(302, { location: "/file" });
        res.end();
      } else if (req.url === "/file") {
        res.writeHead(200, { "content-type": "image/png", "content-length": "4" });
        res.end("\x89PNG");
      } else if (req.url === "/busy") {
        res.writeHead(503);
        res.end();
      } else {
        res.writeHead(200, { "content-type": "audio/mpeg", "content-length": "1000000" });
        res.write(Buffer.alloc(1000)); // ...and then nothing
      }
    });
    try {
      const ok = await copyUrlToBlob({ url: `${stub.url}/redirect`, storage, key: `${prefix}img`, maxBytes: 1e6, timeoutMs: 5_000, dispatcher });
      expect(ok).toEqual({ bytes: 4, contentType: "image/png" });
      expect(headersSeen.every((h) => h === undefined)).toBe(true);

      const busy = await providerError(() => copyUrlToBlob({ url: `${stub.url}/busy`, storage, key: `${prefix}busy`, maxBytes: 1e6, timeoutMs: 5_000, dispatcher }));
      expect(busy).toMatchObject({ code: "MEDIA_DOWNLOAD_FAILED", retryable: true, status: 503 });

      const stalled = await providerError(() => copyUrlToBlob({ url: `${stub.url}/stall`, storage, key: `${prefix}stall`, maxBytes: 2e6, timeoutMs: 400, dispatcher }));
      expect(stalled).toMatchObject({ code: "PROVIDER_TIMEOUT", retryable: true });

      const scheme = await providerError(() => copyUrlToBlob({ url: "file:///etc/passwd", storage, key: `${prefix}x`, maxBytes: 1, timeoutMs: 100 }));
      expect(scheme.retryable).toBe(false);
    } finally {
      await stub.close();
    }
  });
});
