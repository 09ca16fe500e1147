// Photo blobs without a row: an upload stores its blobs first and writes the rows in one
// transaction after; an API killed in between (or a failed clean-up) leaves the blobs behind.
// The workers sweep them: a blob under projects/<id>/images/ older than the grace period
// (uploads in flight are younger) whose key no ProjectImage row holds is deleted.
import type { Services } from "../services.js";
import { imageBlobKey } from "./keys.js";

const IMAGE_KEY = /^projects\/[0-9a-f-]{36}\/images\/[0-9a-f-]{36}\.[a-z]+$/;
const BATCH = 500;

export interface SweepResult {
  checked: number;
  deleted: number;
}

export async function sweepOrphanImages(services: Pick<Services, "prisma" | "storage" | "log">, graceMs: number): Promise<SweepResult> {
  const result: SweepResult = { checked: 0, deleted: 0 };
  const cutoff = Date.now() - graceMs;
  let batch: string[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const rows = await services.prisma.projectImage.findMany({ where: { blobKey: { in: batch } }, select: { blobKey: true } });
    const held = new Set(rows.map((r) => r.blobKey));
    for (const key of batch) {
      if (held.has(key)) continue;
      await services.storage.delete(key);
      result.deleted++;
    }
    batch = [];
  };
  // The key layout's prefix for every project's images ("projects/").
  const prefix = imageBlobKey("", "", "").split("/")[0] + "/";
  for await (const blob of services.storage.list(prefix)) {
    if (!IMAGE_KEY.test(blob.name) || blob.lastModified.getTime() > cutoff) continue;
    result.checked++;
    batch.push(blob.name);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  if (result.deleted) services.log.info(result, "deleted photo blobs that no row refers to");
  return result;
}
