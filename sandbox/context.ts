/** Shared state of one running sandbox: options, stats, timers, outgoing webhooks, media, ffmpeg. */
import type { ServerResponse } from "node:http";
import { FaultCounters } from "./faults.js";
import { FfmpegRunner } from "./ffmpeg.js";

export const RENDER_TIMEOUT_MS = 60_000;
import { MediaStore } from "./media.js";

export interface ResolvedOptions {
  host: string;
  port: number;
  apiKey: string;
  speed: number;
  latencyMs: number;
  errorRate: number;
  publicUrl: string | undefined;
  log: (msg: string) => void;
  sunoErrorHttpStatus: "mirror" | "200";
  sunoErrorCodes: "sunoapi" | "kie";
  sunoCredits: number;
  sunoTrackSeconds: readonly [number, number];
  creatomateAccountLimitPer10s: number;
  sunoGenerateLimitPer10s: number;
  sunoRecordInfoLimitPerSec: number;
  creatomateGetLimitPerSec: number;
  ffmpegPath: string | null;
  fontPath: string | null;
  renderMaxSeconds: number;
}

/**
 * GET /_sandbox/stats. `*Requests` count every request that reached that endpoint (including ones
 * rejected for auth, validation, rate limits or injected faults); `completions`, `tasks`, `renders`
 * count accepted work; `callbacksSent`/`webhooksSent` count finished delivery attempts (a 2xx answer,
 * an error answer, a timeout or a connection error), of which `callbacksFailed`/`webhooksFailed` did
 * not get a 2xx. `faultsInjected` counts responses altered by markers or `errorRate`; `rateLimited`
 * counts 429s from the simulated rate limits.
 */
export interface SandboxStats {
  openai: { requests: number; completions: number };
  suno: {
    generateRequests: number;
    recordInfoRequests: number;
    callbacksSent: number;
    callbacksFailed: number;
    tasks: number;
  };
  creatomate: {
    renderRequests: number;
    getRequests: number;
    webhooksSent: number;
    webhooksFailed: number;
    renders: number;
    templateRequests: number;
  };
  media: { requests: number; bytesServed: number };
  faultsInjected: number;
  rateLimited: number;
}

export function emptyStats(): SandboxStats {
  return {
    openai: { requests: 0, completions: 0 },
    suno: { generateRequests: 0, recordInfoRequests: 0, callbacksSent: 0, callbacksFailed: 0, tasks: 0 },
    creatomate: {
      renderRequests: 0,
      getRequests: 0,
      webhooksSent: 0,
      webhooksFailed: 0,
      renders: 0,
      templateRequests: 0,
    },
    media: { requests: 0, bytesServed: 0 },
    faultsInjected: 0,
    rateLimited: 0,
  };
}

export class SandboxContext {
  baseUrl = "";
  stats: SandboxStats = emptyStats();
  readonly media = new MediaStore();
  readonly faults = new FaultCounters();
  readonly ffmpeg: FfmpegRunner;
  readonly hanging = new Set<ServerResponse>();
  closed = false;
  private timers = new Set<NodeJS.Timeout>();
  private aborts = new Set<AbortController>();

  constructor(
    readonly opts: ResolvedOptions,
    readonly tmpDir: string,
  ) {
    // A slideshow of a few seconds renders in one or two here; a render still running after
    // 60 s is killed and the render fails (with a reason) instead of spinning a core.
    this.ffmpeg = new FfmpegRunner(opts.ffmpegPath, 2, RENDER_TIMEOUT_MS);
  }

  log(msg: string): void {
    this.opts.log(msg);
  }

  /** Demo-time milliseconds → wall-clock milliseconds. */
  scaled(ms: number): number {
    return ms / this.opts.speed;
  }

  setTimer(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, Math.max(0, ms));
    this.timers.add(t);
    return t;
  }

  clearTimer(t: NodeJS.Timeout | undefined): void {
    if (!t) return;
    clearTimeout(t);
    this.timers.delete(t);
  }

  /** An AbortSignal that fires after timeoutMs or when the sandbox closes/resets. */
  abortable(timeoutMs: number): { signal: AbortSignal; done: () => void } {
    const ac = new AbortController();
    this.aborts.add(ac);
    const t = setTimeout(() => ac.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    return {
      signal: ac.signal,
      done: () => {
        clearTimeout(t);
        this.aborts.delete(ac);
      },
    };
  }

  /** POSTs JSON (callback/webhook). Never throws. Resolves true on a 2xx answer. */
  async postJson(url: string, body: unknown, timeoutMs = 15_000): Promise<boolean> {
    const { signal, done } = this.abortable(timeoutMs);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "castad-provider-sandbox" },
        body: JSON.stringify(body),
        signal,
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) this.log(`webhook ${url} answered ${res.status}`);
      return res.ok;
    } catch (err) {
      this.log(`webhook ${url} failed: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    } finally {
      done();
    }
  }

  /** Cancels timers, in-flight webhooks and ffmpeg children (used by reset and close). */
  cancelWork(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const ac of this.aborts) ac.abort(new Error("sandbox reset"));
    this.aborts.clear();
    this.ffmpeg.killAll();
  }

  releaseHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }
}
