/**
 * Provider sandbox: one loopback HTTP server that speaks the documented wire formats of OpenAI,
 * Suno (sunoapi.org/kie.ai) and Creatomate, with time scaling and failure injection.
 *
 * Routes:
 *   /openai/v1/...       see openai.ts        (client baseURL: `${url}/openai/v1`)
 *   /suno/api/v1/...     see suno.ts          (client base:    `${url}/suno`)
 *   /creatomate/v1/...   see creatomate.ts    (client base:    `${url}/creatomate`)
 *   /media/...           generated files, see media.ts (GET/HEAD, Content-Length, Range)
 *   GET  /_sandbox/stats                        → SandboxStats (see context.ts)
 *   POST /_sandbox/reset                        → clears tasks, renders, media, counters, stats
 *   POST /_sandbox/suno/:taskId/advance         → one step forward (for [sandbox:hold] tasks)
 *   POST /_sandbox/creatomate/:renderId/advance → one step forward; answers when the step is done
 *   GET  /_sandbox/health                       → {ok: true}
 * Control routes need no API key. Failure markers: see faults.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SandboxContext, emptyStats, type ResolvedOptions, type SandboxStats } from "./context.js";
import { CreatomateService } from "./creatomate.js";
import { findFfmpeg } from "./ffmpeg.js";
import { sendJson, type SandboxRequest } from "./http.js";
import { serveMedia } from "./media.js";
import { findFont } from "./render.js";
import { OpenAIService } from "./openai.js";
import { SunoService } from "./suno.js";

export type { SandboxStats } from "./context.js";
export { sandboxMarker, sandboxMarkers, type MarkerName, type SandboxProvider } from "./faults.js";
export { SANDBOX_TEMPLATE_IDS, SANDBOX_TEMPLATE_ELEMENTS } from "./templates.js";

export interface SandboxOptions {
  /** default "127.0.0.1" */
  host?: string;
  /** default 0 (ephemeral); the CLI defaults to 4010 */
  port?: number;
  /** Bearer token every provider endpoint requires. Default "sandbox-key". */
  apiKey?: string;
  /** Time scale: 1 = demo timings (Suno ~3/8/15 s, Creatomate ~10 s); 50 = 50x faster. Default 1. */
  speed?: number;
  /** Added latency per provider request (wall-clock ms). Default 0. */
  latencyMs?: number;
  /** 0..1 probability of an injected 500 on provider endpoints. Default 0. */
  errorRate?: number;
  /** Base URL used in returned media URLs. Default http://host:port. */
  publicUrl?: string;
  log?: (msg: string) => void;
  /** Suno error transport: "200" (default, as documented: HTTP 200 with the error in the body's
   *  `code`, for codes < 500) or "mirror" (HTTP status = body code). */
  sunoErrorHttpStatus?: "mirror" | "200";
  /** Whose error codes the Suno sandbox speaks: sunoapi.org (default: 429 = credits, 430 = rate
   *  limit) or kie.ai (402 = credits, 429 = rate limit). */
  sunoErrorCodes?: "sunoapi" | "kie";
  /** Suno credits of the account (GET /api/v1/generate/credit); each task costs 12. Default 10,000. */
  sunoCredits?: number;
  /** Track length range in seconds, picked per track from its seed. Default [60, 240] like Suno. */
  sunoTrackSeconds?: readonly [number, number];
  /** Creatomate requests allowed per 10 s for the whole account, every endpoint. Default 30; 0 disables. */
  creatomateAccountLimitPer10s?: number;
  /** Suno generate requests allowed per 10 s (default 20; 0 disables). */
  sunoGenerateLimitPer10s?: number;
  /** Suno record-info polls allowed per task per second (default 3; 0 disables). */
  sunoRecordInfoLimitPerSec?: number;
  /** Creatomate GET render polls allowed per render per second (default 10; 0 disables). */
  creatomateGetLimitPerSec?: number;
  /** ffmpeg binary; default: @ffmpeg-installer/ffmpeg, then `ffmpeg` on PATH. null = never use ffmpeg. */
  ffmpegPath?: string | null;
  /** Cap on rendered video length in seconds. Default 6. */
  renderMaxSeconds?: number;
  /** TTF font for text elements; default DejaVu Sans (Debian fonts-dejavu-core). null = draw no text. */
  fontPath?: string | null;
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:43123 */
  url: string;
  /** Closes the server, kills ffmpeg children, clears timers, drops held connections. */
  close(): Promise<void>;
  /** Same as GET /_sandbox/stats. */
  stats(): SandboxStats;
  /** Clears tasks/renders/media/fault counters/stats. */
  reset(): void;
}

function resolveOptions(o: SandboxOptions): ResolvedOptions {
  const num = (v: number | undefined, d: number) => (typeof v === "number" && Number.isFinite(v) ? v : d);
  const speed = num(o.speed, 1);
  return {
    host: o.host ?? "127.0.0.1",
    port: num(o.port, 0),
    apiKey: o.apiKey ?? "sandbox-key",
    speed: speed > 0 ? speed : 1,
    latencyMs: Math.max(0, num(o.latencyMs, 0)),
    errorRate: Math.min(1, Math.max(0, num(o.errorRate, 0))),
    publicUrl: o.publicUrl?.replace(/\/+$/, ""),
    log: o.log ?? (() => undefined),
    sunoErrorHttpStatus: o.sunoErrorHttpStatus ?? "200",
    sunoErrorCodes: o.sunoErrorCodes ?? "sunoapi",
    sunoCredits: Math.max(0, num(o.sunoCredits, 10_000)),
    sunoTrackSeconds: o.sunoTrackSeconds ?? [60, 240],
    creatomateAccountLimitPer10s: num(o.creatomateAccountLimitPer10s, 30),
    sunoGenerateLimitPer10s: num(o.sunoGenerateLimitPer10s, 20),
    sunoRecordInfoLimitPerSec: num(o.sunoRecordInfoLimitPerSec, 3),
    creatomateGetLimitPerSec: num(o.creatomateGetLimitPerSec, 10),
    ffmpegPath: o.ffmpegPath === undefined ? findFfmpeg() : o.ffmpegPath,
    fontPath: o.fontPath === undefined ? findFont() : o.fontPath,
    renderMaxSeconds: Math.max(1, num(o.renderMaxSeconds, 6)),
  };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const opts = resolveOptions(options);
  const tmp = mkdtempSync(join(tmpdir(), "castad-sandbox-"));
  const ctx = new SandboxContext(opts, tmp);
  const openai = new OpenAIService(ctx);
  const suno = new SunoService(ctx);
  const creatomate = new CreatomateService(ctx);
  const sockets = new Set<Socket>();

  const stats = (): SandboxStats => {
    const s = structuredClone(ctx.stats);
    s.media = { requests: ctx.media.requests, bytesServed: ctx.media.bytesServed };
    return s;
  };

  const reset = (): void => {
    ctx.cancelWork();
    ctx.releaseHanging();
    suno.reset();
    creatomate.reset();
    openai.reset();
    ctx.media.clear();
    ctx.media.requests = 0;
    ctx.media.bytesServed = 0;
    ctx.faults.clear();
    ctx.stats = emptyStats();
    try {
      rmSync(tmp, { recursive: true, force: true });
    } catch {
      // ignore
    }
    ctx.log("sandbox reset");
  };

  async function control(r: SandboxRequest): Promise<void> {
    const p = r.path;
    let m: RegExpExecArray | null;
    if (p === "/_sandbox/stats" && r.method === "GET") return sendJson(r.res, 200, stats());
    if (p === "/_sandbox/health" && r.method === "GET") return sendJson(r.res, 200, { ok: true });
    if (p === "/_sandbox/reset" && r.method === "POST") {
      reset();
      return sendJson(r.res, 200, { ok: true });
    }
    if (r.method === "POST" && (m = /^\/_sandbox\/suno\/([^/]+)\/advance$/.exec(p))) {
      const out = suno.advance(decodeURIComponent(m[1] ?? ""));
      return out ? sendJson(r.res, 200, out) : sendJson(r.res, 404, { error: "unknown Suno task" });
    }
    if (r.method === "POST" && (m = /^\/_sandbox\/creatomate\/([^/]+)\/advance$/.exec(p))) {
      const out = await creatomate.advance(decodeURIComponent(m[1] ?? ""));
      return out
        ? sendJson(r.res, 200, { ...out.render, advanced: out.advanced })
        : sendJson(r.res, 404, { error: "unknown Creatomate render" });
    }
    sendJson(r.res, 404, { error: `unknown sandbox control route ${r.method} ${p}` });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? "/", "http://sandbox.local");
    const r: SandboxRequest = { method: req.method ?? "GET", path: u.pathname, query: u.searchParams, req, res };
    const p = r.path;
    if (p.startsWith("/openai/")) return openai.handle(r);
    if (p.startsWith("/suno/")) return suno.handle(r);
    if (p.startsWith("/creatomate/")) return creatomate.handle(r);
    if (p.startsWith("/media/")) {
      const range = typeof req.headers.range === "string" ? req.headers.range : undefined;
      return serveMedia(ctx.media, decodeURIComponent(p.slice("/media/".length)), r.query, r.method, range, res);
    }
    if (p.startsWith("/_sandbox/")) return control(r);
    if (p === "/" || p === "/healthz") {
      return sendJson(res, 200, {
        name: "castad provider sandbox",
        openai: `${ctx.baseUrl}/openai/v1`,
        suno: `${ctx.baseUrl}/suno`,
        creatomate: `${ctx.baseUrl}/creatomate`,
        ffmpeg: ctx.ffmpeg.binary !== null,
      });
    }
    sendJson(res, 404, { error: `not found: ${r.method} ${p}` });
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      ctx.log(`sandbox error on ${req.method} ${req.url}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      if (!res.headersSent) sendJson(res, 500, { error: "sandbox internal error" });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const urlHost = opts.host === "0.0.0.0" || opts.host === "::" ? "127.0.0.1" : opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  const url = `http://${urlHost}:${addr.port}`;
  ctx.baseUrl = opts.publicUrl ?? url;
  ctx.log(
    `provider sandbox listening on ${url} (speed ${opts.speed}, ffmpeg ${ctx.ffmpeg.binary ?? "not found: embedded fallback media"})`,
  );

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    if (closing) return closing;
    ctx.closed = true;
    ctx.cancelWork();
    ctx.ffmpeg.close();
    ctx.releaseHanging();
    suno.reset();
    creatomate.reset();
    closing = new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      for (const s of sockets) s.destroy();
    }).then(() => {
      try {
        rmSync(tmp, { recursive: true, force: true });
      } catch {
        // ignore
      }
    });
    return closing;
  };

  return { url, close, stats, reset };
}
