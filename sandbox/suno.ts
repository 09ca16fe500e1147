/**
 * Suno (sunoapi.org / kie.ai shape) under /suno:
 *   POST /suno/api/v1/generate
 *   GET  /suno/api/v1/generate/record-info?taskId=...
 *   GET  /suno/api/v1/generate/credit                  → {code: 200, msg, data: <remaining credits>}
 *   POST /suno/api/v1/generate/get-timestamped-lyrics  {taskId, audioId} → data.alignedWords[{word, success, startS, endS, palign}]
 *
 * ERROR TRANSPORT (as documented in sunoapi.org's OpenAPI: one 200 response whose body `code` may be
 * 400/401/404/405/409/413/422/429/430/451/455/500): every error body is `{code, msg, data: null}`
 * and by default the HTTP status is 200 for codes below 500. `sunoErrorHttpStatus: "mirror"`
 * (env SANDBOX_SUNO_ERROR_HTTP=mirror) sends HTTP status = code instead. Clients must read the body.
 * ERROR CODES per host (`sunoErrorCodes`): sunoapi.org (default) 429 = insufficient credits,
 * 430 = call frequency too high; kie.ai 402 = insufficient credits, 429 = rate limit.
 * Credits: the account starts with `sunoCredits`; each accepted task costs 12 (a sandbox figure);
 * with too few left, generate answers the host's credits code. [sandbox:no-credits] forces that.
 *
 * Validation (in this order): auth (401) → markers → rate limit (> limit generate requests per 10 s → 429)
 * → callBackUrl missing (422 "Please enter callBackUrl") → customMode/instrumental not booleans
 * (422 if missing, 400 if wrong type) → model missing (422) / unknown (400) → required fields missing
 * (422 "Please enter style|prompt|title") → prompt too long (413) → style/title too long (400)
 * → vocalGender not m|f (400).
 * Limits: V4 prompt 3000 / style 200 / title 80; V4_5, V4_5PLUS, V4_5ALL, V5, V5_5 prompt 5000 /
 * style 1000 / title 100; non-custom mode prompt 500.
 *
 * Progress (demo time, divided by `speed`): PENDING → TEXT_SUCCESS (+3 s) → FIRST_SUCCESS (+5 s)
 * → SUCCESS (+7 s); [sandbox:duration=NN] makes every step NN wall-clock seconds.
 * Callbacks (POST callBackUrl, 15 s timeout, failures only counted): text / first / complete, each
 * `{code: 200, msg, data: {callbackType, task_id, data: [2 tracks, snake_case]}}`; on failure
 * `{code: <errorCode>, msg: <errorMessage>, data: {callbackType: "error", task_id, data: null}}`.
 * Track fields: stream_audio_url and image_url appear from FIRST_SUCCESS, audio_url and duration
 * only at SUCCESS (empty string / null before).
 * record-info: `response` is null while PENDING (and when a task fails before any text), otherwise
 * `{taskId, sunoData: [2 tracks, camelCase]}`. Unknown taskId → code 404. More than
 * `sunoRecordInfoLimitPerSec` polls per second for one task → 429.
 */
import { createHash, randomUUID } from "node:crypto";
import type { SandboxContext } from "./context.js";
import { RateLimiter, readMarkers, type MarkerSet } from "./faults.js";
import { applyContentFaults, applyPollFaults, gate, type ProviderErrors } from "./gate.js";
import { isRecord, readJson, sendJson, type SandboxRequest } from "./http.js";
import {
  wavDurationSeconds,
  wavSpecForSeconds,
  wavSpecForTotalBytes,
  type WavSpec,
} from "./wav.js";
import { makePng } from "./png.js";

const SUNO_STATUSES = ["PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS"] as const;
interface ModelLimits {
  prompt: number;
  style: number;
  title: number;
  modelName: string;
}

const V4: ModelLimits = { prompt: 3000, style: 200, title: 80, modelName: "chirp-v4" };
const V45 = (modelName: string): ModelLimits => ({ prompt: 5000, style: 1000, title: 100, modelName });

const SUNO_MODELS: Record<string, ModelLimits> = {
  V4,
  V4_5: V45("chirp-v4-5"),
  V4_5PLUS: V45("chirp-v4-5-plus"),
  // Documented: V4_5ALL takes V4_5's prompt and style lengths but only 80 title characters.
  V4_5ALL: { ...V45("chirp-v4-5-all"), title: 80 },
  V5: V45("chirp-v5"),
  V5_5: V45("chirp-v5-5"),
};

const NON_CUSTOM_PROMPT_LIMIT = 500;
/** What one generate task costs in the sandbox (a sandbox figure, not a published price). */
export const SUNO_TASK_CREDITS = 12;

/** afterLevel: the normal steps before the failure; level: how far the tracks got (default afterLevel). */
const FAILURES: Record<string, { code: number; msg: string; afterLevel: 0 | 1 | 2; level?: Level }> = {
  CREATE_TASK_FAILED: { code: 500, msg: "Failed to create the generation task (sandbox).", afterLevel: 0 },
  SENSITIVE_WORD_ERROR: {
    code: 400,
    msg: "Your content contains sensitive words and could not be processed (sandbox).",
    afterLevel: 0,
  },
  GENERATE_AUDIO_FAILED: { code: 501, msg: "Audio generation failed (sandbox).", afterLevel: 1 },
  // The song is finished; delivering the callback failed (so no callback arrives at all).
  CALLBACK_EXCEPTION: { code: 531, msg: "An error occurred during the callback (sandbox).", afterLevel: 2, level: 3 },
  // A file the task needed could not be downloaded (code 451); nothing wrong with the lyrics.
  DOWNLOAD_FAILED: { code: 451, msg: "Failed to download the file (sandbox).", afterLevel: 1 },
};

type Level = 0 | 1 | 2 | 3;
type CallbackType = "text" | "first" | "complete" | "error";

interface Step {
  status: string;
  level: Level;
  callback: CallbackType | null;
  /** wall-clock ms spent in the previous step before entering this one */
  delayMs: number;
  failure?: { code: number; msg: string };
}

interface Track {
  id: string;
  seed: number;
  wav: WavSpec;
}

interface SunoTask {
  taskId: string;
  param: string;
  model: string;
  limits: ModelLimits;
  title: string;
  style: string;
  prompt: string;
  callBackUrl: string;
  createTime: string;
  tracks: Track[];
  plan: Step[];
  index: number;
  level: Level;
  markers: MarkerSet;
  timer: NodeJS.Timeout | undefined;
  /** callbacks of one task are delivered one after another, in order */
  callbacks: Promise<void>;
}

const sunoErrorsFor = (ctx: SandboxContext): ProviderErrors => ({
  provider: "suno",
  malformedBody: '{"code":200,"msg":"success","data":{"taskId":"',
  send(res, status, message, _kind, headers = {}) {
    const http = ctx.opts.sunoErrorHttpStatus === "200" && status < 500 ? 200 : status;
    sendJson(res, http, { code: status, msg: message, data: null }, headers);
  },
});

function createTime(d: Date): string {
  return d.toISOString().replace("T", " ").slice(0, 19);
}

function seedOf(s: string): number {
  return createHash("sha1").update(s).digest().readUInt32LE(0);
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** A coarse loudness curve (0..1) for players to draw, like the documented waveformData. */
function waveform(seed: number): number[] {
  return Array.from({ length: 32 }, (_, i) => round2(0.3 + 0.7 * Math.abs(Math.sin((seed % 97) + i * 0.7))));
}

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

export class SunoService {
  private tasks = new Map<string, SunoTask>();
  private credits: number;
  private readonly codes: { credits: number; rate: number };
  private readonly errors: ProviderErrors;
  private generateLimiter: RateLimiter;
  private pollLimiter: RateLimiter;

  constructor(private readonly ctx: SandboxContext) {
    this.errors = sunoErrorsFor(ctx);
    this.credits = ctx.opts.sunoCredits;
    this.codes = ctx.opts.sunoErrorCodes === "kie" ? { credits: 402, rate: 429 } : { credits: 429, rate: 430 };
    this.generateLimiter = new RateLimiter(ctx.opts.sunoGenerateLimitPer10s, 10_000);
    this.pollLimiter = new RateLimiter(ctx.opts.sunoRecordInfoLimitPerSec, 1000);
  }

  reset(): void {
    for (const t of this.tasks.values()) this.ctx.clearTimer(t.timer);
    this.tasks.clear();
    this.credits = this.ctx.opts.sunoCredits;
    this.generateLimiter.clear();
    this.pollLimiter.clear();
  }

  get taskCount(): number {
    return this.tasks.size;
  }

  async handle(r: SandboxRequest): Promise<void> {
    const sub = r.path.slice("/suno".length);
    if (sub === "/api/v1/generate" && r.method === "POST") {
      this.ctx.stats.suno.generateRequests++;
      if (!(await gate(this.ctx, r, this.errors))) return;
      await this.generate(r);
      return;
    }
    if (sub === "/api/v1/generate/record-info" && r.method === "GET") {
      this.ctx.stats.suno.recordInfoRequests++;
      if (!(await gate(this.ctx, r, this.errors))) return;
      this.recordInfo(r);
      return;
    }
    if (sub === "/api/v1/generate/credit" && r.method === "GET") {
      if (!(await gate(this.ctx, r, this.errors))) return;
      sendJson(r.res, 200, { code: 200, msg: "success", data: this.credits });
      return;
    }
    if (sub === "/api/v1/generate/get-timestamped-lyrics" && r.method === "POST") {
      if (!(await gate(this.ctx, r, this.errors))) return;
      await this.timestampedLyrics(r);
      return;
    }
    if (!(await gate(this.ctx, r, this.errors))) return;
    this.errors.send(r.res, 404, `Not found: ${r.method} ${r.path}`, "not_found");
  }

  private reject(r: SandboxRequest, code: number, msg: string): void {
    this.errors.send(r.res, code, msg, code === 413 ? "too_large" : "invalid");
  }

  private async generate(r: SandboxRequest): Promise<void> {
    const ctx = this.ctx;
    const parsed = await readJson(r.req);
    if (!parsed.ok || !isRecord(parsed.value)) {
      this.reject(r, 400, "Invalid request body: expected a JSON object.");
      return;
    }
    const b = parsed.value;
    const prompt = str(b.prompt);
    const style = str(b.style);
    const title = str(b.title);
    const content = [prompt ?? "", title ?? "", style ?? ""].join("\n");
    const markers = readMarkers(content, "suno");
    if (applyContentFaults(ctx, r, this.errors, "generate", content, markers)) return;

    if (markers.noCredits || this.credits < SUNO_TASK_CREDITS) {
      this.errors.send(r.res, this.codes.credits, "Insufficient credits. Please top up your account.", "invalid");
      return;
    }
    if (!this.generateLimiter.allow("generate")) {
      ctx.stats.rateLimited++;
      this.errors.send(
        r.res,
        this.codes.rate,
        "Your call frequency is too high. Please try again later.",
        "rate_limit",
        { "retry-after": "1" },
      );
      return;
    }

    const callBackUrl = str(b.callBackUrl);
    if (!callBackUrl || callBackUrl.trim() === "") return this.reject(r, 422, "Please enter callBackUrl");
    try {
      new URL(callBackUrl);
    } catch {
      return this.reject(r, 422, "callBackUrl is not a valid URL");
    }
    for (const k of ["customMode", "instrumental"] as const) {
      if (b[k] === undefined || b[k] === null) return this.reject(r, 422, `Please enter ${k}`);
      if (typeof b[k] !== "boolean") return this.reject(r, 400, `${k} must be a boolean`);
    }
    const customMode = b.customMode === true;
    const instrumental = b.instrumental === true;
    const model = str(b.model);
    if (!model) return this.reject(r, 422, "Please enter model");
    const limits = SUNO_MODELS[model];
    if (!limits) {
      return this.reject(r, 400, `Invalid model: ${model}. Supported: ${Object.keys(SUNO_MODELS).join(", ")}`);
    }
    const required: Array<"style" | "prompt" | "title"> = customMode
      ? instrumental
        ? ["style", "title"]
        : ["style", "prompt", "title"]
      : ["prompt"];
    for (const k of required) {
      const v = str(b[k]);
      if (!v || v.trim() === "") return this.reject(r, 422, `Please enter ${k}`);
    }
    const promptLimit = customMode ? limits.prompt : NON_CUSTOM_PROMPT_LIMIT;
    if (prompt && [...prompt].length > promptLimit) {
      return this.reject(r, 413, `Prompt too long: the maximum for ${model} is ${promptLimit} characters`);
    }
    if (customMode && style && [...style].length > limits.style) {
      return this.reject(r, 400, `Style too long: the maximum for ${model} is ${limits.style} characters`);
    }
    if (customMode && title && [...title].length > limits.title) {
      return this.reject(r, 400, `Title too long: the maximum for ${model} is ${limits.title} characters`);
    }
    if (b.vocalGender !== undefined && b.vocalGender !== null && b.vocalGender !== "m" && b.vocalGender !== "f") {
      return this.reject(r, 400, "vocalGender must be 'm' or 'f'");
    }

    const taskId = randomUUID().replace(/-/g, "");
    const [minS, maxS] = ctx.opts.sunoTrackSeconds;
    const wavFor = (seed: number): WavSpec =>
      markers.audioBytes !== null
        ? wavSpecForTotalBytes(seed, markers.audioBytes)
        : wavSpecForSeconds(seed, Math.round(minS + (seed % 1000) / 1000 * Math.max(0, maxS - minS)));
    const tracks: Track[] = [0, 1].map((i) => {
      const seed = seedOf(`${taskId}:${i}`);
      return { id: randomUUID(), seed, wav: wavFor(seed) };
    });
    const task: SunoTask = {
      taskId,
      param: JSON.stringify(b),
      model,
      limits,
      title: customMode ? (title ?? "") : "Sandbox Song",
      style: customMode ? (style ?? "") : "pop, upbeat",
      prompt: customMode ? (instrumental ? "" : (prompt ?? "")) : (prompt ?? ""),
      callBackUrl,
      createTime: createTime(new Date()),
      tracks,
      plan: this.plan(markers),
      index: 0,
      level: 0,
      markers,
      timer: undefined,
      callbacks: Promise.resolve(),
    };
    this.tasks.set(taskId, task);
    this.credits -= SUNO_TASK_CREDITS;
    ctx.stats.suno.tasks++;
    ctx.log(`suno task ${taskId} accepted (${model}${markers.hold ? ", held" : ""})`);
    if (markers.acceptHang) {
      ctx.hanging.add(r.res);
      r.res.on("close", () => ctx.hanging.delete(r.res));
    } else {
      sendJson(r.res, 200, { code: 200, msg: "success", data: { taskId } });
    }
    this.scheduleNext(task);
  }

  private plan(m: MarkerSet): Step[] {
    const d = (demoMs: number) => (m.durationSec !== null ? m.durationSec * 1000 : this.ctx.scaled(demoMs));
    const pending: Step = { status: "PENDING", level: 0, callback: null, delayMs: 0 };
    const text: Step = { status: "TEXT_SUCCESS", level: 1, callback: "text", delayMs: d(3000) };
    const first: Step = { status: "FIRST_SUCCESS", level: 2, callback: "first", delayMs: d(5000) };
    const done: Step = { status: "SUCCESS", level: 3, callback: "complete", delayMs: d(7000) };
    const wanted = m.downloadFail ? "DOWNLOAD_FAILED" : (m.status?.toUpperCase() ?? null);
    if (!wanted || (SUNO_STATUSES as readonly string[]).includes(wanted)) return [pending, text, first, done];
    const f = FAILURES[wanted];
    if (f) {
      const normal = [pending, text, first, done];
      const failStep = normal[f.afterLevel + 1] ?? done;
      return [
        ...normal.slice(0, f.afterLevel + 1),
        {
          // A failed download shows as GENERATE_AUDIO_FAILED with errorCode 451.
          status: wanted === "DOWNLOAD_FAILED" ? "GENERATE_AUDIO_FAILED" : wanted,
          level: f.level ?? f.afterLevel,
          callback: wanted === "CALLBACK_EXCEPTION" ? null : "error",
          delayMs: failStep.delayMs,
          failure: { code: f.code, msg: f.msg },
        },
      ];
    }
    // Unknown status: shown as an extra in-progress step between TEXT_SUCCESS and FIRST_SUCCESS.
    const odd: Step = { status: m.status ?? wanted, level: 1, callback: null, delayMs: first.delayMs / 2 };
    return [pending, text, odd, { ...first, delayMs: first.delayMs / 2 }, done];
  }

  private isTerminal(t: SunoTask): boolean {
    return t.index >= t.plan.length - 1;
  }

  private scheduleNext(t: SunoTask): void {
    if (t.markers.hold || this.isTerminal(t)) return;
    const next = t.plan[t.index + 1];
    if (!next) return;
    t.timer = this.ctx.setTimer(() => {
      t.timer = undefined;
      this.step(t);
      this.scheduleNext(t);
    }, next.delayMs);
  }

  private step(t: SunoTask): void {
    if (this.isTerminal(t)) return;
    t.index++;
    const s = t.plan[t.index];
    if (!s) return;
    if (s.level > t.level) t.level = s.level;
    this.publishMedia(t);
    this.ctx.log(`suno task ${t.taskId} → ${s.status}`);
    if (s.callback) this.sendCallback(t, s);
  }

  /** POST /_sandbox/suno/:taskId/advance. Returns null for an unknown task. */
  advance(taskId: string): { taskId: string; status: string; advanced: boolean } | null {
    const t = this.tasks.get(taskId);
    if (!t) return null;
    if (this.isTerminal(t)) return { taskId, status: this.status(t), advanced: false };
    this.ctx.clearTimer(t.timer);
    t.timer = undefined;
    this.step(t);
    this.scheduleNext(t);
    return { taskId, status: this.status(t), advanced: true };
  }

  private status(t: SunoTask): string {
    return t.plan[t.index]?.status ?? "PENDING";
  }

  private mediaKeys(t: SunoTask, tr: Track) {
    return {
      audio: `suno/${t.taskId}/${tr.id}.wav`,
      stream: `suno/${t.taskId}/${tr.id}/stream`,
      image: `suno/${t.taskId}/${tr.id}.png`,
    };
  }

  private publishMedia(t: SunoTask): void {
    for (const tr of t.tracks) {
      const k = this.mediaKeys(t, tr);
      if (t.level >= 2 && !this.ctx.media.has(k.stream)) {
        this.ctx.media.put(k.stream, { kind: "wav", spec: tr.wav });
        this.ctx.media.put(k.image, { kind: "buffer", contentType: "image/png", data: makePng(256, 256, tr.seed) });
      }
      if (t.level >= 3) this.ctx.media.put(k.audio, { kind: "wav", spec: tr.wav });
    }
  }

  private trackView(t: SunoTask, tr: Track) {
    const k = this.mediaKeys(t, tr);
    const url = (key: string) => `${this.ctx.baseUrl}/media/${key}`;
    return {
      id: tr.id,
      audioUrl: t.level >= 3 ? url(k.audio) : "",
      streamAudioUrl: t.level >= 2 ? url(k.stream) : "",
      imageUrl: t.level >= 2 ? url(k.image) : "",
      prompt: t.prompt,
      modelName: t.limits.modelName,
      title: t.title,
      tags: t.style,
      createTime: t.createTime,
      duration: t.level >= 3 ? wavDurationSeconds(tr.wav) : null,
    };
  }

  private sendCallback(t: SunoTask, s: Step): void {
    if (t.markers.noWebhook) return;
    let body: unknown;
    if (s.callback === "error") {
      body = {
        code: s.failure?.code ?? 500,
        msg: s.failure?.msg ?? "Generation failed (sandbox).",
        data: { callbackType: "error", task_id: t.taskId, data: null },
      };
    } else {
      const msg =
        s.callback === "text"
          ? "Text generation completed successfully."
          : s.callback === "first"
            ? "First track generation completed successfully."
            : "All generated successfully.";
      body = {
        code: 200,
        msg,
        data: {
          callbackType: s.callback,
          task_id: t.taskId,
          data: t.tracks.map((tr) => {
            const v = this.trackView(t, tr);
            return {
              id: v.id,
              audio_url: v.audioUrl,
              // Documented: the callback also carries the provider's own (source_*) URLs.
              source_audio_url: v.audioUrl,
              stream_audio_url: v.streamAudioUrl,
              source_stream_audio_url: v.streamAudioUrl,
              image_url: v.imageUrl,
              source_image_url: v.imageUrl,
              prompt: v.prompt,
              model_name: v.modelName,
              title: v.title,
              tags: v.tags,
              createTime: v.createTime,
              duration: v.duration,
            };
          }),
        },
      };
    }
    const times = t.markers.webhookTwice ? 2 : 1;
    t.callbacks = t.callbacks.then(async () => {
      for (let i = 0; i < times; i++) {
        if (this.ctx.closed || !this.tasks.has(t.taskId)) return;
        const ok = await this.ctx.postJson(t.callBackUrl, body, 15_000);
        this.ctx.stats.suno.callbacksSent++;
        if (!ok) this.ctx.stats.suno.callbacksFailed++;
      }
    });
  }

  /** Words of the lyrics sung one after another from 2 s on: 0.4 s a word, 0.6 s between lines.
   *  A section tag travels with the first word after it (`"[Verse]\nWaggin'"`), as in the docs. */
  private async timestampedLyrics(r: SandboxRequest): Promise<void> {
    const parsed = await readJson(r.req);
    const b = parsed.ok && isRecord(parsed.value) ? parsed.value : {};
    const taskId = str(b.taskId);
    const audioId = str(b.audioId);
    if (!taskId) return this.reject(r, 422, "Please enter taskId");
    if (!audioId) return this.reject(r, 422, "Please enter audioId");
    const t = this.tasks.get(taskId);
    const track = t?.tracks.find((x) => x.id === audioId);
    if (!t || !track) return this.reject(r, 404, "Task or audio not found");
    if (t.level < 3) return this.reject(r, 400, "The audio is not ready yet");
    const words: Array<{ word: string; success: boolean; startS: number; endS: number; palign: number }> = [];
    const end = wavDurationSeconds(track.wav);
    let at = 2;
    let tag = "";
    for (const line of t.prompt.split("\n")) {
      const trimmed = line.trim();
      if (/^\[[^\]]*\]$/.test(trimmed)) {
        tag = `${trimmed}\n`;
        continue;
      }
      for (const w of trimmed.split(/\s+/).filter(Boolean)) {
        if (at + 0.4 > end) break;
        words.push({ word: `${tag}${w}`, success: true, startS: round2(at), endS: round2(at + 0.4), palign: 0 });
        tag = "";
        at += 0.4;
      }
      at += 0.6;
    }
    sendJson(r.res, 200, { code: 200, msg: "success", data: { alignedWords: words, waveformData: waveform(track.seed), hootCer: 0, isStreamed: false } });
  }

  private recordInfo(r: SandboxRequest): void {
    const taskId = r.query.get("taskId");
    if (!taskId) {
      this.errors.send(r.res, 422, "Please enter taskId", "invalid");
      return;
    }
    const t = this.tasks.get(taskId);
    if (!t) {
      this.errors.send(r.res, 404, `Task not found: ${taskId}`, "not_found");
      return;
    }
    if (applyPollFaults(this.ctx, r.res, this.errors, "record-info", taskId, t.markers)) return;
    if (!this.pollLimiter.allow(taskId)) {
      this.ctx.stats.rateLimited++;
      this.errors.send(r.res, this.codes.rate, "Too many requests for this task, at most 3 per second.", "rate_limit", {
        "retry-after": "1",
      });
      return;
    }
    const step = t.plan[t.index];
    sendJson(r.res, 200, {
      code: 200,
      msg: "success",
      data: {
        taskId: t.taskId,
        parentMusicId: "",
        param: t.param,
        response: t.level === 0 ? null : { taskId: t.taskId, sunoData: t.tracks.map((tr) => this.trackView(t, tr)) },
        status: this.status(t),
        type: "GENERATE",
        operationType: "generate",
        errorCode: step?.failure?.code ?? null,
        errorMessage: step?.failure?.msg ?? null,
      },
    });
  }
}
