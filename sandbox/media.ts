/**
 * Media store and `GET|HEAD /media/<key>` with Content-Length and single-range support.
 *
 * Keys in use:
 *   suno/<taskId>/<trackId>.wav        track audio (published at SUCCESS)
 *   suno/<taskId>/<trackId>/stream     stream audio (published at FIRST_SUCCESS)
 *   suno/<taskId>/<trackId>.png        cover image (published at FIRST_SUCCESS)
 *   creatomate/<renderId>.<ext>        render output (published at succeeded)
 *   creatomate/<renderId>-snapshot.jpg snapshot (published at succeeded)
 * Always available (handy for tests and local runs):
 *   samples/photo-<n>.png[?w=&h=]      generated photo (default 640x360)
 *   samples/song.wav[?seconds=|?bytes=] generated melody (default 8 s; bytes up to 2 GB, streamed)
 *   samples/broken.png                 bytes that are not an image (to make renders fail)
 */
import { createReadStream } from "node:fs";
import type { ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { makePng } from "./png.js";
import { wavSpecForSeconds, wavSpecForTotalBytes, wavStream, wavTotalBytes, type WavSpec } from "./wav.js";
import { sendJson } from "./http.js";

type MediaEntry =
  | { kind: "buffer"; contentType: string; data: Buffer }
  | { kind: "file"; contentType: string; path: string; size: number }
  | { kind: "wav"; spec: WavSpec };

export class MediaStore {
  private entries = new Map<string, MediaEntry>();
  bytesServed = 0;
  requests = 0;

  put(key: string, entry: MediaEntry): void {
    this.entries.set(key, entry);
  }

  get(key: string, query: URLSearchParams = new URLSearchParams()): MediaEntry | undefined {
    return this.entries.get(key) ?? sampleEntry(key, query);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  deletePrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  clear(): void {
    this.entries.clear();
  }
}

const sampleCache = new Map<string, Buffer>();

function sampleEntry(path: string, q: URLSearchParams): MediaEntry | undefined {
  const photo = /^samples\/photo-(\d+)\.png$/.exec(path);
  if (photo) {
    const w = clampInt(q.get("w"), 640, 16, 2048);
    const h = clampInt(q.get("h"), 360, 16, 2048);
    const ck = `${photo[1]}:${w}x${h}`;
    let data = sampleCache.get(ck);
    if (!data) {
      data = makePng(w, h, Number(photo[1]));
      if (sampleCache.size > 64) sampleCache.clear();
      sampleCache.set(ck, data);
    }
    return { kind: "buffer", contentType: "image/png", data };
  }
  if (path === "samples/song.wav") {
    const bytes = Number(q.get("bytes"));
    if (Number.isFinite(bytes) && bytes > 0) return { kind: "wav", spec: wavSpecForTotalBytes(7, Math.min(bytes, 2 * 1024 ** 3)) };
    const seconds = Math.min(600, Math.max(0.1, Number(q.get("seconds") ?? "8") || 8));
    return { kind: "wav", spec: wavSpecForSeconds(7, seconds) };
  }
  if (path === "samples/broken.png") {
    return { kind: "buffer", contentType: "image/png", data: Buffer.from("this is not a PNG image at all\n") };
  }
  return undefined;
}

function clampInt(v: string | null, dflt: number, min: number, max: number): number {
  const n = v === null ? dflt : Math.floor(Number(v));
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : dflt;
}

function entrySize(e: MediaEntry): number {
  if (e.kind === "buffer") return e.data.length;
  if (e.kind === "file") return e.size;
  return wavTotalBytes(e.spec);
}

function contentType(e: MediaEntry): string {
  return e.kind === "wav" ? "audio/wav" : e.contentType;
}

/** Parses a single `bytes=a-b` range. Returns null for "serve everything", "invalid" for 416. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | "invalid" {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null; // multi-range or junk: ignore, serve the whole file
  const a = m[1] ?? "";
  const b = m[2] ?? "";
  if (a === "" && b === "") return "invalid";
  let start: number;
  let end: number;
  if (a === "") {
    const suffix = Number(b);
    if (suffix === 0) return "invalid";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return "invalid";
  return { start, end };
}

function bodyStream(e: MediaEntry, start: number, end: number): Readable {
  if (e.kind === "buffer") return Readable.from([e.data.subarray(start, end + 1)]);
  if (e.kind === "file") return createReadStream(e.path, { start, end });
  return wavStream(e.spec, start, end);
}

export async function serveMedia(
  store: MediaStore,
  key: string,
  query: URLSearchParams,
  method: string,
  rangeHeader: string | undefined,
  res: ServerResponse,
): Promise<void> {
  store.requests++;
  if (method !== "GET" && method !== "HEAD") {
    sendJson(res, 405, { error: "method not allowed" }, { allow: "GET, HEAD" });
    return;
  }
  const entry = store.get(key, query);
  if (!entry) {
    sendJson(res, 404, { error: "not found", key });
    return;
  }
  const size = entrySize(entry);
  const range = parseRange(rangeHeader, size);
  if (range === "invalid") {
    res.writeHead(416, { "content-range": `bytes */${size}` });
    res.end();
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  const headers: Record<string, string> = {
    "content-type": contentType(entry),
    "content-length": String(size === 0 ? 0 : end - start + 1),
    "accept-ranges": "bytes",
    "cache-control": "no-store",
  };
  if (range) headers["content-range"] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (method === "HEAD" || size === 0) {
    res.end();
    return;
  }
  const stream = bodyStream(entry, start, end);
  stream.on("data", (c: Buffer) => {
    store.bytesServed += c.length;
  });
  try {
    await pipeline(stream, res);
  } catch {
    // client went away; nothing to do
    stream.destroy();
  }
}
