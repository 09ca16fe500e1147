/**
 * ffmpeg: locating the binary and running it (with a small concurrency limit and child tracking so
 * `close()` can kill whatever is still running).
 * Lookup order: explicit option → npm `@ffmpeg-installer/ffmpeg` → `ffmpeg` on PATH → none (callers then
 * serve the embedded fallback media).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

let cached: string | null | undefined;

export function findFfmpeg(): string | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    const require = createRequire(import.meta.url);
    const mod = require("@ffmpeg-installer/ffmpeg") as { path?: unknown };
    if (typeof mod.path === "string" && existsSync(mod.path)) {
      cached = mod.path;
      return cached;
    }
  } catch {
    // optional dependency missing
  }
  try {
    const r = spawnSync("ffmpeg", ["-hide_banner", "-version"], { stdio: "ignore", timeout: 5000 });
    if (r.status === 0) cached = "ffmpeg";
  } catch {
    // not on PATH
  }
  return cached;
}

interface FfmpegResult {
  ok: boolean;
  code: number | null;
  stderr: string;
}

export class FfmpegRunner {
  private running = 0;
  private queue: Array<() => void> = [];
  readonly children = new Set<ChildProcess>();
  private closed = false;

  constructor(
    readonly binary: string | null,
    private readonly concurrency = 2,
    private readonly timeoutMs = 120_000,
  ) {}

  private async acquire(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
    this.running++;
  }

  private release(): void {
    this.running--;
    const next = this.queue.shift();
    if (next) next();
  }

  async run(args: string[]): Promise<FfmpegResult> {
    if (!this.binary) return { ok: false, code: null, stderr: "ffmpeg not available" };
    await this.acquire();
    try {
      if (this.closed) return { ok: false, code: null, stderr: "sandbox closed" };
      return await new Promise<FfmpegResult>((resolve) => {
        const child = spawn(this.binary as string, ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", ...args], {
          stdio: ["ignore", "ignore", "pipe"],
        });
        this.children.add(child);
        let stderr = "";
        child.stderr?.setEncoding("utf8");
        child.stderr?.on("data", (d: string) => {
          if (stderr.length < 20_000) stderr += d;
        });
        const timer = setTimeout(() => child.kill("SIGKILL"), this.timeoutMs);
        child.on("error", (err) => {
          clearTimeout(timer);
          this.children.delete(child);
          resolve({ ok: false, code: null, stderr: err.message });
        });
        child.on("close", (code) => {
          clearTimeout(timer);
          this.children.delete(child);
          resolve({ ok: code === 0, code, stderr });
        });
      });
    } finally {
      this.release();
    }
  }

  killAll(): void {
    for (const c of this.children) c.kill("SIGKILL");
    this.children.clear();
  }

  close(): void {
    this.closed = true;
    this.killAll();
    for (const next of this.queue.splice(0)) next();
  }
}
