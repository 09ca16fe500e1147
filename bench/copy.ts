// Streamed copy of a provider file into blob storage: peak RSS growth while copying 50 MB and
// 200 MB (memory must not grow with file size). Not in the default run: BENCH_PARTS=copy.
import { startSandbox } from "../sandbox/server.js";
import { BlobStorage } from "../src/storage/blob-storage.js";
import { copyUrlToBlob, createDownloadDispatcher } from "../src/providers/download.js";
import type { Config } from "../src/config.js";
import { table } from "./lib.js";

export async function runCopy(config: Config, container: string): Promise<string> {
  const sandbox = await startSandbox({ port: 0, speed: 1000, sunoGenerateLimitPer10s: 0 });
  const storage = await BlobStorage.connect({ ...config, AZURE_STORAGE_CONTAINER: container });
  const dispatcher = createDownloadDispatcher();
  const rows: string[][] = [];
  try {
    // Warm-up (connection pools, code paths) so the first measured copy is not charged for it.
    await copyUrlToBlob({ url: `${sandbox.url}/media/samples/song.wav?bytes=${8 * 1024 * 1024}`, storage, key: "warm-up", maxBytes: 1024 ** 3, timeoutMs: 60_000, dispatcher });
    for (const mb of [50, 200, 50]) {
      const url = `${sandbox.url}/media/samples/song.wav?bytes=${mb * 1024 * 1024}`;
      const base = process.memoryUsage().rss;
      let peak = base;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      const t0 = performance.now();
      const res = await copyUrlToBlob({ url, storage, key: `bench-${mb}`, maxBytes: 1024 ** 3, timeoutMs: 120_000, dispatcher });
      clearInterval(timer);
      rows.push([`${(res.bytes / 1024 / 1024).toFixed(0)} MB`, `${((performance.now() - t0) / 1000).toFixed(2)} s`, `${((peak - base) / 1024 / 1024).toFixed(1)} MB`]);
    }
  } finally {
    await dispatcher.close();
    await sandbox.close();
  }
  return table(["file", "time", "peak RSS growth"], rows);
}
