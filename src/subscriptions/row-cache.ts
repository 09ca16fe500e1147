// Each event delivered to N subscribers of a project resolves the same generation row. This
// process-wide memo fetches it once per (generation, event) instead of once per subscriber.
import type { PrismaClient } from "../db/client.js";
import { findRow, type AnyRow, type Kind } from "../generations/stages.js";

const TTL_MS = 10_000;
const MAX_ENTRIES = 5_000;

class GenerationRowCache {
  private readonly entries = new Map<string, { at: number; row: Promise<AnyRow | null> }>();
  constructor(private readonly prisma: PrismaClient) {}

  get(kind: Kind, id: string, sequence: number): Promise<AnyRow | null> {
    const key = `${kind}:${id}:${sequence}`;
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < TTL_MS) return hit.row;
    if (this.entries.size >= MAX_ENTRIES) {
      for (const [k, v] of this.entries) if (now - v.at >= TTL_MS || this.entries.size >= MAX_ENTRIES) this.entries.delete(k);
    }
    const row = findRow(this.prisma, kind, id);
    row.catch(() => this.entries.delete(key));
    this.entries.set(key, { at: now, row });
    return row;
  }
}

const caches = new WeakMap<PrismaClient, GenerationRowCache>();
export function rowCacheFor(prisma: PrismaClient): GenerationRowCache {
  let cache = caches.get(prisma);
  if (!cache) caches.set(prisma, (cache = new GenerationRowCache(prisma)));
  return cache;
}
