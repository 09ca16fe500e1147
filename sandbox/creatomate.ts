/**
 * Creatomate under /creatomate:
 *   GET  /creatomate/v1/templates            → [{id, name, tags, created_at, updated_at}] (also /v2/templates)
 *   GET  /creatomate/v2/templates/:id        → full template incl. `source` (also /v1/templates/:id); unknown → 404
 *   POST /creatomate/v1/renders              → HTTP 202 + ARRAY of Render objects
 *   POST /creatomate/v2/renders              → HTTP 202 + ONE Render object (v2 shape, for completeness)
 *   GET  /creatomate/v1/renders/:id          → Render object (also /v2/renders/:id); unknown → 404
 * Errors: `{hint, message}` (hint = the explanation, message = the HTTP reason phrase).
 *
 * Render body: `template_id` (or `tags` — renders every template carrying one of them — or `source`),
 * `modifications` (element name → value), `output_format` mp4 (default) | gif | jpg | png, `frame_rate`,
 * `render_scale`, `max_width`, `max_height`, `webhook_url`, `metadata` (string, echoed back).
 * An unknown template_id is a 400. Output size: template size × render_scale, fitted into
 * max_width/max_height, then capped to 640 px on the longer side (sandbox speed); the reported
 * width/height are the real file's. Videos are capped to `renderMaxSeconds` (default 6 s).
 *
 * Status: planned → waiting → rendering → succeeded | failed, ~10 s in total in demo time (10 % / 20 % /
 * 70 %), divided by `speed`; [sandbox:duration=NN] makes it NN wall-clock seconds. The file is built when
 * `rendering` starts; `succeeded` waits for it. `url` is set at once and answers 404 until `succeeded`;
 * `snapshot_url` exists only when the RenderScript sets `snapshot_time` (a JPEG of that moment);
 * `duration` and `file_size` are null until then. Top-level `duration` of the source sets the video
 * length. Text elements are drawn (DejaVu Sans) during their `time`/`duration`.
 * Rate limit: 30 requests per 10 s for the whole account, every endpoint (429 + retry-after). On succeeded/failed the Render
 * object is POSTed to `webhook_url` (15 s timeout). Polling one render more than
 * `creatomateGetLimitPerSec` times a second → 429.
 */
import { randomUUID } from "node:crypto";
import type { SandboxContext } from "./context.js";
import { RateLimiter, readMarkers, type MarkerSet } from "./faults.js";
import { applyContentFaults, applyPollFaults, gate, type ErrorKind, type ProviderErrors } from "./gate.js";
import { collectStrings, isRecord, readJson, sendJson, type SandboxRequest } from "./http.js";
import { CONTENT_TYPES, produceRender, type OutputFormat, type RenderInputs, type RenderOutcome } from "./render.js";
import { findTemplate, SANDBOX_TEMPLATES, templateSummary, type SandboxTemplate } from "./templates.js";

const REASON: Record<ErrorKind, string> = {
  auth: "Unauthorized",
  invalid: "Bad Request",
  not_found: "Not Found",
  rate_limit: "Too Many Requests",
  server: "Internal Server Error",
  unavailable: "Service Unavailable",
  too_large: "Payload Too Large",
};

const creatomateErrors: ProviderErrors = {
  provider: "creatomate",
  malformedBody: '[{"id":"',
  send(res, status, message, kind, headers = {}) {
    sendJson(res, status, { hint: message, message: REASON[kind] }, headers);
  },
};


interface RenderView {
  id: string;
  status: string;
  error_message: string | null;
  url: string;
  snapshot_url: string | null;
  template_id: string | null;
  template_name: string | null;
  template_tags: string[] | null;
  output_format: OutputFormat;
  render_scale: number;
  width: number;
  height: number;
  frame_rate: number;
  duration: number | null;
  file_size: number | null;
  modifications: Record<string, unknown>;
  webhook_url: string | null;
  metadata: string | null;
}

interface RenderTask {
  view: RenderView;
  /** statuses to walk through; the last one is decided when the output is ready */
  plan: string[];
  index: number;
  delays: number[];
  markers: MarkerSet;
  inputs: RenderInputs;
  job: Promise<RenderOutcome> | null;
  busy: Promise<void>;
  timer: NodeJS.Timeout | undefined;
  generation: number;
}

const OUTPUT_FORMATS: readonly OutputFormat[] = ["mp4", "gif", "jpg", "png"];
const SANDBOX_MAX_SIDE = 640;

function even(n: number): number {
  const r = Math.max(2, Math.round(n));
  return r % 2 === 0 ? r : r - 1;
}

function optPositive(b: Record<string, unknown>, key: string): number | null | "invalid" {
  const v = b[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) return "invalid";
  return v;
}

export class CreatomateService {
  private renders = new Map<string, RenderTask>();
  private pollLimiter: RateLimiter;
  private accountLimiter: RateLimiter;
  private generation = 0;

  constructor(private readonly ctx: SandboxContext) {
    this.pollLimiter = new RateLimiter(ctx.opts.creatomateGetLimitPerSec, 1000);
    this.accountLimiter = new RateLimiter(ctx.opts.creatomateAccountLimitPer10s, 10_000);
  }

  reset(): void {
    for (const t of this.renders.values()) this.ctx.clearTimer(t.timer);
    this.renders.clear();
    this.pollLimiter.clear();
    this.accountLimiter.clear();
    this.generation++;
  }

  async handle(r: SandboxRequest): Promise<void> {
    const sub = r.path.slice("/creatomate".length);
    const ctx = this.ctx;
    // Documented: 30 requests per 10 s for the whole account, whatever the endpoint.
    if (!this.accountLimiter.allow("account")) {
      ctx.stats.rateLimited++;
      creatomateErrors.send(r.res, 429, "Too many requests: at most 30 per 10 seconds for this account.", "rate_limit", { "retry-after": "1" });
      return;
    }
    let m: RegExpExecArray | null;
    if (r.method === "GET" && /^\/v[12]\/templates\/?$/.test(sub)) {
      ctx.stats.creatomate.templateRequests++;
      if (!(await gate(ctx, r, creatomateErrors))) return;
      sendJson(r.res, 200, SANDBOX_TEMPLATES.map(templateSummary));
      return;
    }
    if (r.method === "GET" && (m = /^\/v[12]\/templates\/([^/]+)$/.exec(sub))) {
      ctx.stats.creatomate.templateRequests++;
      if (!(await gate(ctx, r, creatomateErrors))) return;
      const t = findTemplate(decodeURIComponent(m[1] ?? ""));
      if (!t) {
        creatomateErrors.send(r.res, 404, "The template could not be found.", "not_found");
        return;
      }
      sendJson(r.res, 200, t);
      return;
    }
    if (r.method === "POST" && (m = /^\/(v[12])\/renders\/?$/.exec(sub))) {
      ctx.stats.creatomate.renderRequests++;
      if (!(await gate(ctx, r, creatomateErrors))) return;
      await this.create(r, m[1] === "v2");
      return;
    }
    if (r.method === "GET" && (m = /^\/v[12]\/renders\/([^/]+)$/.exec(sub))) {
      ctx.stats.creatomate.getRequests++;
      if (!(await gate(ctx, r, creatomateErrors))) return;
      this.get(r, decodeURIComponent(m[1] ?? ""));
      return;
    }
    if (!(await gate(ctx, r, creatomateErrors))) return;
    creatomateErrors.send(r.res, 404, `Not found: ${r.method} ${r.path}`, "not_found");
  }

  private bad(r: SandboxRequest, hint: string): void {
    creatomateErrors.send(r.res, 400, hint, "invalid");
  }

  private async create(r: SandboxRequest, v2: boolean): Promise<void> {
    const ctx = this.ctx;
    const parsed = await readJson(r.req);
    if (!parsed.ok || !isRecord(parsed.value)) return this.bad(r, "The request body must be a JSON object.");
    const b = parsed.value;
    const modifications = b.modifications ?? {};
    const metadata = b.metadata ?? null;
    // Markers may come in any text the render carries: metadata, modifications, or a source's elements.
    const content = [typeof metadata === "string" ? metadata : "", ...collectStrings(modifications), ...collectStrings(isRecord(b.source) ? b.source : {})].join("\n");
    const markers = readMarkers(content, "creatomate");
    if (applyContentFaults(ctx, r, creatomateErrors, "renders", content, markers)) return;

    if (!isRecord(modifications)) return this.bad(r, "'modifications' must be an object of element names to values.");
    if (metadata !== null && typeof metadata !== "string") return this.bad(r, "'metadata' must be a string.");
    const outputFormat = b.output_format ?? "mp4";
    if (typeof outputFormat !== "string" || !OUTPUT_FORMATS.includes(outputFormat as OutputFormat)) {
      return this.bad(r, `'output_format' must be one of ${OUTPUT_FORMATS.join(", ")}.`);
    }
    const webhookUrl = b.webhook_url ?? null;
    if (webhookUrl !== null) {
      if (typeof webhookUrl !== "string") return this.bad(r, "'webhook_url' must be a string.");
      try {
        new URL(webhookUrl);
      } catch {
        return this.bad(r, "'webhook_url' is not a valid URL.");
      }
    }
    const nums: Record<string, number | null> = {};
    for (const k of ["frame_rate", "render_scale", "max_width", "max_height"]) {
      const v = optPositive(b, k);
      if (v === "invalid") return this.bad(r, `'${k}' must be a positive number.`);
      nums[k] = v;
    }

    let targets: Array<SandboxTemplate | null>;
    if (typeof b.template_id === "string" && b.template_id !== "") {
      const t = findTemplate(b.template_id);
      if (!t) return this.bad(r, `The template '${b.template_id}' could not be found.`);
      targets = [t];
    } else if (Array.isArray(b.tags) && b.tags.length > 0) {
      const tags = b.tags.filter((x): x is string => typeof x === "string");
      targets = SANDBOX_TEMPLATES.filter((t) => t.tags.some((x) => tags.includes(x)));
      if (targets.length === 0) return this.bad(r, "No templates carry the given tags.");
    } else if (isRecord(b.source)) {
      targets = [null];
    } else {
      return this.bad(r, "Provide a 'template_id', 'tags' or a 'source'.");
    }

    const views = targets.map((t) =>
      this.createRender(t, isRecord(b.source) ? b.source : null, modifications, {
        outputFormat: outputFormat as OutputFormat,
        webhookUrl,
        metadata,
        frameRate: nums.frame_rate ?? null,
        renderScale: nums.render_scale ?? null,
        maxWidth: nums.max_width ?? null,
        maxHeight: nums.max_height ?? null,
        markers,
      }),
    );
    if (markers.acceptHang) {
      // The renders exist (and will call the webhook when done); the answer naming them never comes.
      ctx.hanging.add(r.res);
      r.res.on("close", () => ctx.hanging.delete(r.res));
      return;
    }
    sendJson(r.res, 202, v2 ? views[0] : views);
  }

  private createRender(
    template: SandboxTemplate | null,
    source: Record<string, unknown> | null,
    modifications: Record<string, unknown>,
    o: {
      outputFormat: OutputFormat;
      webhookUrl: string | null;
      metadata: string | null;
      frameRate: number | null;
      renderScale: number | null;
      maxWidth: number | null;
      maxHeight: number | null;
      markers: MarkerSet;
    },
  ): RenderView {
    const ctx = this.ctx;
    const id = randomUUID();
    const src = template?.source ?? source ?? {};
    const baseW = typeof src.width === "number" && src.width > 0 ? src.width : 1280;
    const baseH = typeof src.height === "number" && src.height > 0 ? src.height : 720;
    const scale = o.renderScale ?? 1;
    let w = baseW * scale;
    let h = baseH * scale;
    if (o.maxWidth && w > o.maxWidth) {
      h = (h * o.maxWidth) / w;
      w = o.maxWidth;
    }
    if (o.maxHeight && h > o.maxHeight) {
      w = (w * o.maxHeight) / h;
      h = o.maxHeight;
    }
    const longer = Math.max(w, h);
    if (longer > SANDBOX_MAX_SIDE) {
      w = (w * SANDBOX_MAX_SIDE) / longer;
      h = (h * SANDBOX_MAX_SIDE) / longer;
    }
    const width = even(w);
    const height = even(h);
    const templateFps = typeof src.frame_rate === "number" ? src.frame_rate : 25;
    const frameRate = Math.min(30, Math.max(1, Math.round(o.frameRate ?? templateFps)));
    const templateDuration = typeof src.duration === "number" && src.duration > 0 ? src.duration : 15;
    const duration = Math.min(ctx.opts.renderMaxSeconds, templateDuration);

    const elements = Array.isArray(src.elements) ? src.elements.filter(isRecord) : [];
    const valueFor = (el: Record<string, unknown>): string | null => {
      const name = typeof el.name === "string" ? el.name : "";
      const mod = modifications[name] ?? modifications[`${name}.source`];
      if (typeof mod === "string" && mod !== "") return mod;
      return typeof el.source === "string" && el.source !== "" ? el.source : null;
    };
    const images: RenderInputs["images"] = [];
    let audio: RenderInputs["audio"] = null;
    const texts: RenderInputs["texts"] = [];
    for (const el of elements) {
      const name = typeof el.name === "string" ? el.name : String(el.id ?? "element");
      if (el.type === "text") {
        const mod = modifications[name] ?? modifications[`${name}.text`];
        const text = typeof mod === "string" ? mod : typeof el.text === "string" ? el.text : "";
        if (text.trim() === "") continue;
        const time = typeof el.time === "number" && el.time >= 0 ? el.time : 0;
        const dur = typeof el.duration === "number" && el.duration > 0 ? el.duration : null;
        const y = typeof el.y === "string" && /^\d+(\.\d+)?%$/.test(el.y) ? Number.parseFloat(el.y) / 100 : 0.5;
        texts.push({ text, time, duration: dur, y });
        continue;
      }
      const url = valueFor(el);
      if (!url) continue;
      if (el.type === "image" && images.length < 5) images.push({ name, url });
      else if (el.type === "audio" && !audio) audio = { name, url };
    }
    // Documented: a snapshot is made only when the RenderScript sets `snapshot_time`.
    const snapshotTime = typeof src.snapshot_time === "number" && src.snapshot_time >= 0 ? Math.min(src.snapshot_time, duration) : null;

    const ext = o.outputFormat;
    const view: RenderView = {
      id,
      status: "planned",
      error_message: null,
      url: `${ctx.baseUrl}/media/creatomate/${id}.${ext}`,
      snapshot_url: ext === "mp4" && snapshotTime !== null ? `${ctx.baseUrl}/media/creatomate/${id}-snapshot.jpg` : null,
      template_id: template?.id ?? null,
      template_name: template?.name ?? null,
      template_tags: template ? [...template.tags] : null,
      output_format: ext,
      render_scale: scale,
      width,
      height,
      frame_rate: frameRate,
      duration: null,
      file_size: null,
      modifications,
      webhook_url: o.webhookUrl,
      metadata: o.metadata,
    };

    const total = o.markers.durationSec !== null ? o.markers.durationSec * 1000 : ctx.scaled(10_000);
    const plan = ["planned", "waiting"];
    const delays = [0, total * 0.1];
    const extra = o.markers.status?.toLowerCase();
    if (extra && !["failed", "cancelled", "succeeded", "planned", "waiting", "rendering"].includes(extra)) {
      plan.push(o.markers.status ?? extra);
      delays.push(total * 0.1);
      delays.push(total * 0.1);
    } else {
      delays.push(total * 0.2);
    }
    plan.push("rendering", "done");
    delays.push(total * 0.7);

    const task: RenderTask = {
      view,
      plan,
      index: 0,
      delays,
      markers: o.markers,
      inputs: { images, audio, outputFormat: ext, width, height, frameRate, duration, snapshotTime, texts },
      job: null,
      busy: Promise.resolve(),
      timer: undefined,
      generation: this.generation,
    };
    this.renders.set(id, task);
    ctx.stats.creatomate.renders++;
    ctx.log(`creatomate render ${id} accepted${o.markers.hold ? " (held)" : ""}`);
    this.scheduleNext(task);
    return { ...view };
  }

  private isTerminal(t: RenderTask): boolean {
    return t.index >= t.plan.length - 1;
  }

  private scheduleNext(t: RenderTask): void {
    if (t.markers.hold || this.isTerminal(t)) return;
    const delay = t.delays[t.index + 1] ?? 0;
    t.timer = this.ctx.setTimer(() => {
      t.timer = undefined;
      void this.enqueueStep(t).then(() => this.scheduleNext(t));
    }, delay);
  }

  /** Serialises steps of one render (timer and advance calls may race). */
  private enqueueStep(t: RenderTask): Promise<void> {
    const run = t.busy.then(() => this.step(t));
    t.busy = run.catch(() => undefined);
    return run;
  }

  private async step(t: RenderTask): Promise<void> {
    if (this.isTerminal(t) || t.generation !== this.generation || this.ctx.closed) return;
    const next = t.plan[t.index + 1];
    if (next === "done") {
      if (!t.job) t.job = this.startJob(t);
      const outcome = await t.job;
      if (t.generation !== this.generation || this.ctx.closed) return;
      t.index++;
      this.finish(t, outcome);
      return;
    }
    t.index++;
    t.view.status = next ?? t.view.status;
    if (next === "rendering" && !t.job) t.job = this.startJob(t);
    this.ctx.log(`creatomate render ${t.view.id} → ${t.view.status}`);
  }

  private startJob(t: RenderTask): Promise<RenderOutcome> {
    const wanted = t.markers.status?.toLowerCase();
    if (wanted === "failed" || wanted === "cancelled") return Promise.resolve({ ok: false, error: "skipped" });
    return produceRender(this.ctx, t.view.id, t.inputs);
  }

  private finish(t: RenderTask, outcome: RenderOutcome): void {
    const v = t.view;
    const wanted = t.markers.status?.toLowerCase();
    if (wanted === "failed") {
      v.status = "failed";
      v.error_message = `The render failed on purpose (sandbox marker [sandbox:status=failed]).`;
    } else if (wanted === "cancelled") {
      v.status = "cancelled";
    } else if (!outcome.ok) {
      v.status = "failed";
      v.error_message = outcome.error;
    } else {
      this.ctx.media.put(`creatomate/${v.id}.${v.output_format}`, {
        kind: "file",
        contentType: CONTENT_TYPES[v.output_format],
        path: outcome.file,
        size: outcome.size,
      });
      if (outcome.snapshot) {
        this.ctx.media.put(`creatomate/${v.id}-snapshot.jpg`, {
          kind: "file",
          contentType: "image/jpeg",
          path: outcome.snapshot.path,
          size: outcome.snapshot.size,
        });
      }
      v.status = "succeeded";
      v.duration = outcome.duration;
      v.file_size = outcome.size;
    }
    this.ctx.log(`creatomate render ${v.id} → ${v.status}${v.error_message ? `: ${v.error_message}` : ""}`);
    this.sendWebhook(t);
  }

  private sendWebhook(t: RenderTask): void {
    const url = t.view.webhook_url;
    if (!url || t.markers.noWebhook) return;
    const body = { ...t.view };
    const times = t.markers.webhookTwice ? 2 : 1;
    void (async () => {
      for (let i = 0; i < times; i++) {
        if (this.ctx.closed) return;
        const ok = await this.ctx.postJson(url, body, 15_000);
        this.ctx.stats.creatomate.webhooksSent++;
        if (!ok) this.ctx.stats.creatomate.webhooksFailed++;
      }
    })();
  }

  /** POST /_sandbox/creatomate/:id/advance — one step; waits for the file when finishing. */
  async advance(id: string): Promise<{ render: RenderView; advanced: boolean } | null> {
    const t = this.renders.get(id);
    if (!t) return null;
    if (this.isTerminal(t)) return { render: { ...t.view }, advanced: false };
    this.ctx.clearTimer(t.timer);
    t.timer = undefined;
    await this.enqueueStep(t);
    this.scheduleNext(t);
    return { render: { ...t.view }, advanced: true };
  }

  private get(r: SandboxRequest, id: string): void {
    const t = this.renders.get(id);
    if (!t) {
      creatomateErrors.send(r.res, 404, "The render could not be found.", "not_found");
      return;
    }
    if (applyPollFaults(this.ctx, r.res, creatomateErrors, "get-render", id, t.markers)) return;
    if (!this.pollLimiter.allow(id)) {
      this.ctx.stats.rateLimited++;
      creatomateErrors.send(r.res, 429, "Too many requests for this render, slow down.", "rate_limit", {
        "retry-after": "1",
      });
      return;
    }
    sendJson(r.res, 200, t.view);
  }
}
