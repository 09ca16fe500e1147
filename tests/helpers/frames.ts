// Reads video frames with the same ffmpeg the sandbox uses, to check what a viewer would see:
// the middle band of a frame (where captions are drawn) as 8-bit gray pixels.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findFfmpeg } from "../../sandbox/ffmpeg.js";

/** Gray pixels of the horizontal band around `yFraction` (default the middle) at second `at`. */
export async function grayBand(video: Buffer, at: number, width: number, height: number, yFraction = 0.5): Promise<Buffer> {
  const ffmpeg = findFfmpeg();
  if (!ffmpeg) throw new Error("ffmpeg is needed to read frames");
  const dir = await mkdtemp(join(tmpdir(), "castad-frames-"));
  try {
    const file = join(dir, "video.mp4");
    await writeFile(file, video);
    const bandH = Math.max(2, Math.round(height / 6) & ~1);
    const y = Math.max(0, Math.min(height - bandH, Math.round(height * yFraction - bandH / 2)));
    const args = ["-v", "error", "-ss", at.toFixed(3), "-i", file, "-frames:v", "1", "-vf", `crop=${width}:${bandH}:0:${y}`, "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"];
    return await new Promise<Buffer>((resolve, reject) => {
      const child = spawn(ffmpeg, args, { stdio: ["ignore", "pipe", "pipe"] });
      const out: Buffer[] = [];
      let err = "";
      child.stdout.on("data", (c: Buffer) => out.push(c));
      child.stderr.on("data", (c: Buffer) => (err += c.toString()));
      child.on("error", reject);
      child.on("close", (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg ${code}: ${err}`))));
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Share of pixels (0..1) whose gray level differs by more than 40 between two same-size bands. */
export function differs(a: Buffer, b: Buffer): number {
  if (a.length !== b.length || a.length === 0) throw new Error(`bands differ in size: ${a.length} vs ${b.length}`);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > 40) n++;
  return n / a.length;
}
