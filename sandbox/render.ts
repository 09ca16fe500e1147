/**
 * Produces a Creatomate render's output file: downloads the image/audio URLs from the modifications,
 * checks they look like media, and builds a short slideshow MP4 (or GIF/JPG/PNG) with ffmpeg.
 * Without ffmpeg the embedded fallback media is served instead. Never throws: failures come back as
 * `{ok: false, error}` and become the render's `error_message`.
 */
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, open, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { SandboxContext } from "./context.js";
import { FALLBACK_GIF_BASE64, FALLBACK_JPG_BASE64, FALLBACK_MP4_BASE64 } from "./fallback-media.js";
import { makePng } from "./png.js";

export type OutputFormat = "mp4" | "gif" | "jpg" | "png";

export interface RenderInputs {
  images: Array<{ name: string; url: string }>;
  audio: { name: string; url: string } | null;
  outputFormat: OutputFormat;
  width: number;
  height: number;
  frameRate: number;
  /** seconds (video formats) */
  duration: number;
  /** RenderScript `snapshot_time`: a JPEG of that moment is made alongside an MP4; null = none. */
  snapshotTime: number | null;
  /** Text elements drawn over the video during [time, time + duration) (duration null = to the end). */
  texts: Array<{ text: string; time: number; duration: number | null; y: number }>;
}

/** A font the bundled ffmpeg's drawtext can use, or null. Nanum Gothic (Debian's fonts-nanum)
 *  first: it has Hangul as well as Latin, so Korean stores' captions are not drawn as boxes;
 *  DejaVu Sans (fonts-dejavu-core) otherwise. */
export function findFont(): string | null {
  for (const p of [
    "/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
  ]) {
    if (existsSync(p)) return p;
  }
  return null;
}

export type RenderOutcome =
  | {
      ok: true;
      file: string;
      contentType: string;
      size: number;
      snapshot: { path: string; size: number } | null;
      duration: number | null;
    }
  | { ok: false; error: string };

export const CONTENT_TYPES: Record<OutputFormat, string> = {
  mp4: "video/mp4",
  gif: "image/gif",
  jpg: "image/jpeg",
  png: "image/png",
};

const MAX_DOWNLOAD_BYTES = 1024 * 1024 * 1024;

class RenderError extends Error {}

function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`; // drop query strings (SAS tokens)
  } catch {
    return url.slice(0, 200);
  }
}

async function download(ctx: SandboxContext, name: string, url: string, dest: string): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RenderError(`The source of element '${name}' is not a valid URL: ${url.slice(0, 200)}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new RenderError(`The source of element '${name}' must be an http(s) URL: ${safeUrl(url)}`);
  }
  const { signal, done } = ctx.abortable(120_000);
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal });
    } catch (err) {
      throw new RenderError(
        `The file of element '${name}' could not be downloaded from ${safeUrl(url)}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (!res.ok || !res.body) {
      await res.arrayBuffer().catch(() => undefined);
      throw new RenderError(
        `The file of element '${name}' could not be downloaded from ${safeUrl(url)} (HTTP ${res.status})`,
      );
    }
    let total = 0;
    const limiter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        total += chunk.length;
        if (total > MAX_DOWNLOAD_BYTES) cb(new RenderError(`The file of element '${name}' is too large`));
        else cb(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), limiter, createWriteStream(dest));
    } catch (err) {
      if (err instanceof RenderError) throw err;
      throw new RenderError(
        `The file of element '${name}' could not be downloaded from ${safeUrl(url)}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  } finally {
    done();
  }
}

async function head(path: string, n = 16): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function looksLikeImage(b: Buffer): boolean {
  if (b.length < 4) return false;
  if (b[0] === 0x89 && b.subarray(1, 4).toString("latin1") === "PNG") return true;
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return true;
  if (b.subarray(0, 4).toString("latin1") === "GIF8") return true;
  if (b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP") return true;
  if (b.subarray(0, 2).toString("latin1") === "BM") return true;
  return false;
}

function looksLikeAudio(b: Buffer): boolean {
  if (b.length < 4) return false;
  const s4 = b.subarray(0, 4).toString("latin1");
  if (s4 === "RIFF" && b.subarray(8, 12).toString("latin1") === "WAVE") return true;
  if (b.subarray(0, 3).toString("latin1") === "ID3") return true;
  if (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0) return true; // MPEG / ADTS frame sync
  if (s4 === "OggS" || s4 === "fLaC") return true;
  if (b.subarray(4, 8).toString("latin1") === "ftyp") return true; // m4a / mp4
  return false;
}

function lastLine(s: string): string {
  const lines = s
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines[lines.length - 1] ?? "unknown error").slice(0, 300);
}

async function fallback(dir: string, inputs: RenderInputs, seed: number): Promise<RenderOutcome> {
  const file = join(dir, `output.${inputs.outputFormat}`);
  const data =
    inputs.outputFormat === "mp4"
      ? Buffer.from(FALLBACK_MP4_BASE64, "base64")
      : inputs.outputFormat === "gif"
        ? Buffer.from(FALLBACK_GIF_BASE64, "base64")
        : inputs.outputFormat === "jpg"
          ? Buffer.from(FALLBACK_JPG_BASE64, "base64")
          : makePng(inputs.width, inputs.height, seed);
  await writeFile(file, data);
  let snapshot: { path: string; size: number } | null = null;
  if (inputs.outputFormat === "mp4" && inputs.snapshotTime !== null) {
    const jpg = Buffer.from(FALLBACK_JPG_BASE64, "base64");
    snapshot = { path: join(dir, "snapshot.jpg"), size: jpg.length };
    await writeFile(snapshot.path, jpg);
  }
  return {
    ok: true,
    file,
    contentType: CONTENT_TYPES[inputs.outputFormat],
    size: data.length,
    snapshot,
    duration: inputs.outputFormat === "mp4" ? 1 : inputs.outputFormat === "gif" ? 1 : null,
  };
}

/** drawtext filters (",drawtext=…" each) for the text elements, each text in its own file so no
 *  escaping of the words is needed. Empty without a font (logged once per render). */
async function drawTexts(ctx: SandboxContext, dir: string, inputs: RenderInputs): Promise<string> {
  if (inputs.texts.length === 0) return "";
  const font = ctx.opts.fontPath;
  if (!font) {
    ctx.log("no font found (install fonts-dejavu-core): text elements are not drawn");
    return "";
  }
  const size = Math.max(12, Math.round(Math.min(inputs.width, inputs.height) / 14));
  let out = "";
  for (const [i, t] of inputs.texts.slice(0, 200).entries()) {
    const file = join(dir, `text-${i}.txt`);
    await writeFile(file, t.text);
    const end = t.duration === null ? inputs.duration : t.time + t.duration;
    if (end <= t.time || t.time >= inputs.duration) continue;
    out +=
      `,drawtext=fontfile=${font}:textfile=${file}:fontsize=${size}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=8` +
      `:x=(w-text_w)/2:y=h*${t.y.toFixed(3)}-text_h/2:enable='between(t,${t.time.toFixed(3)},${end.toFixed(3)})'`;
  }
  return out;
}

export async function produceRender(ctx: SandboxContext, id: string, inputs: RenderInputs): Promise<RenderOutcome> {
  const dir = join(ctx.tmpDir, `render-${id}`);
  try {
    await mkdir(dir, { recursive: true });
    const imagePaths: string[] = [];
    for (const [i, img] of inputs.images.entries()) {
      const p = join(dir, `image-${i + 1}`);
      await download(ctx, img.name, img.url, p);
      if (!looksLikeImage(await head(p))) {
        throw new RenderError(
          `The file of element '${img.name}' (${safeUrl(img.url)}) could not be decoded: it is not a supported image (PNG, JPEG, GIF, WebP)`,
        );
      }
      imagePaths.push(p);
    }
    let audioPath: string | null = null;
    if (inputs.audio) {
      audioPath = join(dir, "audio");
      await download(ctx, inputs.audio.name, inputs.audio.url, audioPath);
      if (!looksLikeAudio(await head(audioPath))) {
        throw new RenderError(
          `The file of element '${inputs.audio.name}' (${safeUrl(inputs.audio.url)}) could not be decoded: it is not a supported audio file`,
        );
      }
    }
    if (imagePaths.length === 0) {
      const p = join(dir, "placeholder.png");
      await writeFile(p, makePng(inputs.width, inputs.height, id.charCodeAt(0)));
      imagePaths.push(p);
    }
    if (ctx.closed) return { ok: false, error: "The sandbox was shut down" };
    if (!ctx.ffmpeg.binary) {
      ctx.log("ffmpeg not found: serving the embedded fallback media");
      return await fallback(dir, inputs, id.charCodeAt(0));
    }
    const W = inputs.width;
    const H = inputs.height;
    const fr = inputs.frameRate;
    const fit = `scale=${W}:${H}:force_original_aspect_ratio=increase,crop=${W}:${H},setsar=1`;
    const out = join(dir, `output.${inputs.outputFormat}`);
    let snapshotPath: string | null = null;
    let args: string[];
    if (inputs.outputFormat === "jpg" || inputs.outputFormat === "png") {
      args = ["-i", imagePaths[0] as string, "-vf", fit, "-frames:v", "1", out];
    } else {
      const n = imagePaths.length;
      const per = inputs.duration / n;
      args = [];
      for (const p of imagePaths) args.push("-loop", "1", "-framerate", String(fr), "-t", per.toFixed(3), "-i", p);
      if (audioPath) args.push("-i", audioPath);
      else args.push("-f", "lavfi", "-t", String(inputs.duration), "-i", "anullsrc=r=44100:cl=stereo");
      const chains = imagePaths.map((_, i) => `[${i}:v]${fit},fps=${fr},format=yuv420p[v${i}]`);
      const labels = imagePaths.map((_, i) => `[v${i}]`).join("");
      if (inputs.outputFormat === "mp4") {
        const text = await drawTexts(ctx, dir, inputs);
        const snapAt = inputs.snapshotTime === null ? null : Math.min(Math.max(0, inputs.snapshotTime), Math.max(0, inputs.duration - 0.05));
        if (snapAt !== null) snapshotPath = join(dir, "snapshot.jpg");
        const graph = [
          ...chains,
          snapAt === null
            ? `${labels}concat=n=${n}:v=1:a=0${text}[vout]`
            : `${labels}concat=n=${n}:v=1:a=0${text},split=2[vout][vs0]`,
          ...(snapAt === null ? [] : [`[vs0]trim=start=${snapAt.toFixed(3)},setpts=PTS-STARTPTS[vsnap]`]),
          `[${n}:a]apad,atrim=0:${inputs.duration}[aout]`,
        ].join(";");
        args.push(
          "-filter_complex", graph,
          "-map", "[vout]", "-map", "[aout]",
          "-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage", "-pix_fmt", "yuv420p",
          "-r", String(fr), "-c:a", "aac", "-b:a", "96k", "-ar", "44100",
          "-t", String(inputs.duration), "-movflags", "+faststart", out,
        );
        if (snapshotPath) args.push("-map", "[vsnap]", "-frames:v", "1", "-q:v", "4", snapshotPath);
      } else {
        const graph = [...chains, `${labels}concat=n=${n}:v=1:a=0[vout]`].join(";");
        args.push("-filter_complex", graph, "-map", "[vout]", "-r", String(Math.min(fr, 10)), "-t", String(inputs.duration), out);
      }
    }
    const result = await ctx.ffmpeg.run(args);
    if (!result.ok) {
      if (ctx.closed) return { ok: false, error: "The sandbox was shut down" };
      return { ok: false, error: `Rendering failed: one of the input files could not be decoded (${lastLine(result.stderr)})` };
    }
    const st = await stat(out);
    const snapshot = snapshotPath ? { path: snapshotPath, size: (await stat(snapshotPath)).size } : null;
    return {
      ok: true,
      file: out,
      contentType: CONTENT_TYPES[inputs.outputFormat],
      size: st.size,
      snapshot,
      duration: inputs.outputFormat === "mp4" || inputs.outputFormat === "gif" ? inputs.duration : null,
    };
  } catch (err) {
    if (err instanceof RenderError) return { ok: false, error: err.message };
    return { ok: false, error: `Rendering failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
