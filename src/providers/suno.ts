// Suno (as offered by sunoapi.org / kie.ai): submit a custom-lyrics song, poll its record, parse
// its callbacks. Wire traps handled here:
//   - errors come as JSON `{code, msg}` with a non-200 `code`, sometimes on HTTP 200;
//   - record-info is camelCase, the callback is snake_case;
//   - unknown statuses are "still in progress", never success;
//   - one request yields two tracks; pickTrack chooses one deterministically.
import { z } from "zod";
import type { Config } from "../config.js";
import {
  ProviderError,
  ProviderErrorCode,
  recode,
  safeDetail,
  type ProviderErrorCode as Code,
} from "./errors.js";
import { providerHttpClient, type HttpTimeouts, type ProviderClientOptions } from "./http.js";
import { looseNumber as num, truncateAt } from "./util.js";

type SunoModel = "V4" | "V4_5" | "V4_5PLUS" | "V4_5ALL" | "V5" | "V5_5";

export interface SunoTrack {
  id: string;
  audioUrl: string | null;
  streamAudioUrl: string | null;
  imageUrl: string | null;
  title: string | null;
  tags: string | null;
  /** Seconds; null until known. */
  duration: number | null;
}

interface SunoTaskError {
  code: Code;
  message: string;
  retryable: boolean;
}

export interface SunoTaskState {
  taskId: string;
  state: "pending" | "succeeded" | "failed";
  /** Raw provider status: record-info `status`, or for callbacks TEXT_SUCCESS/FIRST_SUCCESS/SUCCESS/`callback:<type>`. */
  providerStatus: string;
  /** 0-100. Not monotonic across unknown statuses: keep the max on the caller side. */
  progress: number;
  tracks: SunoTrack[];
  error?: SunoTaskError;
}

export interface SunoSubmitInput {
  lyrics: string;
  title: string;
  style: string;
  callBackUrl: string;
  model?: SunoModel;
  vocalGender?: "m" | "f";
  negativeTags?: string;
}

/** The documented request body of POST /api/v1/generate. */
interface SunoGenerateBody {
  prompt?: string;
  style?: string;
  title?: string;
  customMode: boolean;
  instrumental: boolean;
  model: SunoModel;
  callBackUrl?: string;
  negativeTags?: string;
  vocalGender?: "m" | "f";
}

interface SunoLimits {
  prompt: number;
  style: number;
  title: number;
}

/** Documented per-model limits (characters). V4_5ALL has the V4_5 prompt/style limits but V4's 80-character title. */
function sunoLimits(model: SunoModel): SunoLimits {
  if (model === "V4") return { prompt: 3000, style: 200, title: 80 };
  return { prompt: 5000, style: 1000, title: model === "V4_5ALL" ? 80 : 100 };
}

/** Hosts of the Suno API give the same codes different meanings (see sunoBodyStatus). */
export type SunoErrorCodes = "sunoapi" | "kie";

const chars = (s: string) => [...s].length;

// ---- wire schemas (lenient: only what we use; unknown keys are dropped) ----

const str = z
  .string()
  .nullish()
  .transform((v) => (v === null || v === undefined || v.trim() === "" ? null : v));
const codeNum = z.union([z.number(), z.string()]).transform((v) => Number(v));

const recordTrackSchema = z.object({
  id: z.string(),
  audioUrl: str,
  streamAudioUrl: str,
  imageUrl: str,
  title: str,
  tags: str,
  duration: num,
});

const recordInfoSchema = z.object({
  code: codeNum,
  msg: z.string().nullish(),
  data: z
    .object({
      taskId: z.string(),
      status: z.string().nullish(),
      type: z.string().nullish(),
      response: z
        .object({
          taskId: z.string().nullish(),
          sunoData: z.array(recordTrackSchema).nullish(),
        })
        .nullish(),
      errorCode: z.union([z.number(), z.string()]).nullish(),
      errorMessage: z.string().nullish(),
    })
    .nullish(),
});

const callbackTrackSchema = z.object({
  id: z.string(),
  audio_url: str,
  stream_audio_url: str,
  image_url: str,
  title: str,
  tags: str,
  duration: num,
});

const callbackSchema = z.object({
  code: codeNum,
  msg: z.string().nullish(),
  data: z
    .object({
      callbackType: z.string().nullish(),
      task_id: z.string().nullish(),
      taskId: z.string().nullish(),
      data: z.array(callbackTrackSchema).nullish(),
    })
    .nullish(),
});

const generateResponseSchema = z.object({
  code: codeNum,
  msg: z.string().nullish(),
  data: z.object({ taskId: z.string().min(1) }),
});

// ---- status mapping ----

const PROGRESS: Record<string, number> = { PENDING: 10, TEXT_SUCCESS: 40, FIRST_SUCCESS: 75, SUCCESS: 100 };
const FAILED_STATUSES = new Set(["CREATE_TASK_FAILED", "GENERATE_AUDIO_FAILED", "CALLBACK_EXCEPTION", "SENSITIVE_WORD_ERROR"]);

/** Code 451: the provider could not download a file (e.g. a reference audio or its own result).
 *  Nothing is wrong with the lyrics: a new task may well succeed. */
const DOWNLOAD_FAILED = 451;

function errorForFailedStatus(status: string, message: string | null | undefined, errorCode?: number): SunoTaskError {
  const detail = message ? safeDetail(message) : status;
  if (errorCode === DOWNLOAD_FAILED) {
    return { code: ProviderErrorCode.SUNO_DOWNLOAD_FAILED, message: `${status} (${errorCode}): ${detail}`, retryable: true };
  }
  if (status === "SENSITIVE_WORD_ERROR") {
    return { code: ProviderErrorCode.SUNO_SENSITIVE_WORD, message: `${status}: ${detail}`, retryable: false };
  }
  return { code: ProviderErrorCode.SUNO_GENERATE_FAILED, message: `${status}: ${detail}`, retryable: false };
}

/**
 * Callback `code` (documented): 400 lyrics contain copyrighted/forbidden content, 408 timeout,
 * 413 audio matches existing work, 500 server error, 501 generation failed, 531 failed (credits
 * refunded). A failed task is terminal, so every failure is permanent for THIS task — the same
 * verdict getRecord gives for the matching record-info status (CREATE_TASK_FAILED,
 * GENERATE_AUDIO_FAILED, CALLBACK_EXCEPTION); whether to submit a new task is the job layer's call.
 */
function errorForCallbackCode(code: number, msg: string | null | undefined): SunoTaskError {
  const detail = `callback code ${code}: ${safeDetail(msg ?? "")}`;
  if (code === DOWNLOAD_FAILED) return { code: ProviderErrorCode.SUNO_DOWNLOAD_FAILED, message: detail, retryable: true };
  if (msg && /sensitive|prohibited|forbidden word|banned/i.test(msg)) {
    return { code: ProviderErrorCode.SUNO_SENSITIVE_WORD, message: detail, retryable: false };
  }
  if (code === 400 || code === 413) {
    return { code: ProviderErrorCode.SUNO_CONTENT_REJECTED, message: detail, retryable: false };
  }
  return { code: ProviderErrorCode.SUNO_GENERATE_FAILED, message: detail, retryable: false };
}

function stateFromStatus(taskId: string, status: string, tracks: SunoTrack[], errorMessage?: string | null, errorCode?: number): SunoTaskState {
  if (status === "SUCCESS") return { taskId, state: "succeeded", providerStatus: status, progress: 100, tracks };
  // CALLBACK_EXCEPTION = Suno failed to deliver its callback; the song itself may be finished.
  // Usable tracks make it a success (nobody should pay twice for a callback hiccup).
  if (status === "CALLBACK_EXCEPTION" && pickTrack(tracks)) return { taskId, state: "succeeded", providerStatus: status, progress: 100, tracks };
  if (FAILED_STATUSES.has(status)) {
    return { taskId, state: "failed", providerStatus: status, progress: 100, tracks, error: errorForFailedStatus(status, errorMessage, errorCode) };
  }
  return { taskId, state: "pending", providerStatus: status, progress: PROGRESS[status] ?? 10, tracks };
}

/** Parses a record-info response body (already JSON). Throws PROVIDER_BAD_RESPONSE on shape errors. */
export function parseRecordInfo(body: unknown, expectedTaskId?: string): SunoTaskState {
  const parsed = recordInfoSchema.safeParse(body);
  if (!parsed.success || !parsed.data.data) {
    throw badResponse(`record-info body has an unexpected shape${parsed.success ? " (no data)" : `: ${z.prettifyError(parsed.error).slice(0, 300)}`}`, true);
  }
  const d = parsed.data.data;
  if (expectedTaskId && d.taskId !== expectedTaskId) throw badResponse(`record-info answered for another task`, true);
  const tracks: SunoTrack[] = (d.response?.sunoData ?? []).map((t) => ({
    id: t.id,
    audioUrl: t.audioUrl,
    streamAudioUrl: t.streamAudioUrl,
    imageUrl: t.imageUrl,
    title: t.title,
    tags: t.tags,
    duration: t.duration,
  }));
  const errorCode = d.errorCode === null || d.errorCode === undefined ? undefined : Number(d.errorCode);
  return stateFromStatus(d.taskId, d.status ?? "PENDING", tracks, d.errorMessage, Number.isFinite(errorCode) ? errorCode : undefined);
}

const CALLBACK_STATUS: Record<string, string> = { text: "TEXT_SUCCESS", first: "FIRST_SUCCESS", complete: "SUCCESS" };

/**
 * Parses a Suno callback body (snake_case). Never trust it: it is validated, and a caller should
 * still confirm a terminal state with getRecord before acting on it if the callback URL is not
 * authenticated. Throws ProviderError(PROVIDER_BAD_RESPONSE, not retryable) if it is not a Suno
 * callback.
 */
export function parseCallback(body: unknown): SunoTaskState {
  const parsed = callbackSchema.safeParse(body);
  if (!parsed.success || !parsed.data.data) {
    throw badResponse(`callback body has an unexpected shape${parsed.success ? " (no data)" : `: ${z.prettifyError(parsed.error).slice(0, 300)}`}`, false);
  }
  const { code, msg, data } = parsed.data;
  const taskId = data.task_id ?? data.taskId;
  if (!taskId) throw badResponse("callback without task_id", false);
  const tracks: SunoTrack[] = (data.data ?? []).map((t) => ({
    id: t.id,
    audioUrl: t.audio_url,
    streamAudioUrl: t.stream_audio_url,
    imageUrl: t.image_url,
    title: t.title,
    tags: t.tags,
    duration: t.duration,
  }));
  const type = data.callbackType ?? "";
  if (code !== 200 || type === "error") {
    return {
      taskId,
      state: "failed",
      providerStatus: `callback:${type || "error"}`,
      progress: 100,
      tracks,
      error: errorForCallbackCode(code === 200 ? 500 : code, msg),
    };
  }
  const status = CALLBACK_STATUS[type];
  if (!status) return { taskId, state: "pending", providerStatus: `callback:${type}`, progress: 10, tracks };
  return stateFromStatus(taskId, status, tracks);
}

/** Deterministic choice: the first track (in provider order) with an audio URL and a positive duration. */
export function pickTrack(tracks: readonly SunoTrack[]): SunoTrack | undefined {
  return tracks.find((t) => !!t.audioUrl && t.duration !== null && t.duration > 0);
}

/** The ProviderError for a failed task state, or undefined when it did not fail. */
export function sunoTaskError(state: SunoTaskState): ProviderError | undefined {
  if (state.state !== "failed") return undefined;
  const e = state.error ?? { code: ProviderErrorCode.SUNO_GENERATE_FAILED, message: state.providerStatus, retryable: false };
  return new ProviderError({
    provider: "suno",
    code: e.code,
    retryable: e.retryable,
    message: `task ${state.taskId} ${e.message}`,
    providerStatus: state.providerStatus,
  });
}

function badResponse(message: string, retryable: boolean) {
  return new ProviderError({ provider: "suno", code: ProviderErrorCode.PROVIDER_BAD_RESPONSE, retryable, message });
}

function invalid(message: string, code: Code = ProviderErrorCode.SUNO_INVALID_REQUEST) {
  return new ProviderError({ provider: "suno", code, retryable: false, message });
}

/**
 * Checks and normalizes a submission against the documented limits of `model`:
 *   - lyrics (the `prompt`) longer than the limit → permanent SUNO_PROMPT_TOO_LONG (cutting
 *     lyrics would silently change the song);
 *   - title and style longer than their limits are shortened at a word / comma boundary (they
 *     are labels; shortening them beats failing the whole job);
 *   - empty lyrics/title/style or a callBackUrl that is not http(s) → permanent SUNO_INVALID_REQUEST.
 */
export function buildGenerateBody(input: SunoSubmitInput, defaultModel: SunoModel): SunoGenerateBody {
  const model = input.model ?? defaultModel;
  const limits = sunoLimits(model);
  const lyrics = input.lyrics.trim();
  const title = input.title.replace(/\s+/g, " ").trim();
  const style = input.style.replace(/\s+/g, " ").trim();
  if (!lyrics) throw invalid("lyrics are empty");
  if (!title) throw invalid("title is empty");
  if (!style) throw invalid("style is empty");
  if (chars(lyrics) > limits.prompt) {
    throw invalid(`lyrics have ${chars(lyrics)} characters; ${model} accepts at most ${limits.prompt}`, ProviderErrorCode.SUNO_PROMPT_TOO_LONG);
  }
  let cb: URL;
  try {
    cb = new URL(input.callBackUrl);
  } catch {
    throw invalid("callBackUrl is not a URL");
  }
  if (cb.protocol !== "http:" && cb.protocol !== "https:") throw invalid("callBackUrl must be http(s)");
  const body: SunoGenerateBody = {
    prompt: lyrics,
    style: truncateAt(style, limits.style, /,/),
    title: truncateAt(title, limits.title),
    customMode: true,
    instrumental: false,
    model,
    callBackUrl: input.callBackUrl,
  };
  if (input.vocalGender) body.vocalGender = input.vocalGender;
  if (input.negativeTags?.trim()) body.negativeTags = truncateAt(input.negativeTags.trim(), limits.style, /,/);
  return body;
}

/**
 * The documented error transport is HTTP 200 with the error in the body's `code` (any HTTP status
 * is accepted too). Codes are translated into HTTP meanings for the retry policy, per host:
 *   - sunoapi.org: 429 = insufficient credits (→ 402, permanent PROVIDER_QUOTA, never retried),
 *     430 = call frequency too high (→ 429, rate limit);
 *   - kie.ai: 402 = insufficient credits, 429 = rate limit (already HTTP meanings);
 *   - both: 405 = over the call limit (→ 429), 455 = maintenance (→ 503).
 */
export function sunoBodyStatus(body: unknown, errorCodes: SunoErrorCodes = "sunoapi"): { status: number; message?: string } | undefined {
  if (!body || typeof body !== "object" || Array.isArray(body)) return undefined;
  const b = body as { code?: unknown; msg?: unknown };
  const code = typeof b.code === "number" ? b.code : typeof b.code === "string" && /^\d+$/.test(b.code) ? Number(b.code) : undefined;
  if (code === undefined || code === 200) return undefined;
  let status = code;
  if (errorCodes === "sunoapi" && code === 429) status = 402;
  else if (code === 430 || code === 405) status = 429;
  else if (code === 455) status = 503;
  return { status, ...(typeof b.msg === "string" ? { message: b.msg } : {}) };
}

const creditsSchema = z.object({ code: codeNum, data: z.union([z.number(), z.string()]).transform((v) => Number(v)) });

const alignedSchema = z.object({
  code: codeNum,
  data: z.object({
    alignedWords: z
      .array(z.object({ word: z.string(), startS: z.number(), endS: z.number(), success: z.boolean().nullish() }))
      .nullish(),
  }),
});

/** One sung word with its time in the track (seconds). Section tags such as `[Verse]` are removed. */
export interface AlignedWord {
  word: string;
  startS: number;
  endS: number;
}

/** Parses a get-timestamped-lyrics body: words with times, section tags stripped, empty words dropped. */
export function parseAlignedWords(body: unknown): AlignedWord[] {
  const parsed = alignedSchema.safeParse(body);
  if (!parsed.success) throw badResponse("get-timestamped-lyrics answered without data.alignedWords", true);
  return (parsed.data.data.alignedWords ?? [])
    .map((w) => ({ word: w.word.replace(/\[[^\]]*\]/g, " ").replace(/\s+/g, " ").trim(), startS: w.startS, endS: w.endS }))
    .filter((w) => w.word !== "" && Number.isFinite(w.startS) && w.endS >= w.startS);
}

function mapSunoError(err: unknown): unknown {
  if (!(err instanceof ProviderError) || err.status === undefined) return err;
  if (/sensitive|prohibited word|banned word/i.test(err.message)) return recode(err, ProviderErrorCode.SUNO_SENSITIVE_WORD, { retryable: false });
  if (err.status === 413) return recode(err, ProviderErrorCode.SUNO_PROMPT_TOO_LONG);
  return err;
}

type SunoClientOptions = ProviderClientOptions;

export type SunoClient = ReturnType<typeof createSunoClient>;

export function createSunoClient(
  config: Pick<Config, "suno" | "SUNO_RATE_LIMIT_PER_10S"> & HttpTimeouts,
  opts: SunoClientOptions = {},
) {
  const http = providerHttpClient("suno", config.suno, config, opts, { bodyStatus: (body) => sunoBodyStatus(body, config.suno.errorCodes) });

  /** POSTs a generate body as-is (no client-side checks) and returns the taskId. */
  async function submitRequest(body: SunoGenerateBody, signal?: AbortSignal): Promise<string> {
    await opts.rateLimiter?.acquire("suno:generate", config.SUNO_RATE_LIMIT_PER_10S, 10_000, { signal });
    try {
      const res = await http.post("/api/v1/generate", body, { signal });
      const parsed = generateResponseSchema.safeParse(res.body);
      if (!parsed.success) throw badResponse("generate answered without data.taskId", true);
      return parsed.data.data.taskId;
    } catch (err) {
      throw mapSunoError(err);
    }
  }

  return {
    http,
    /** Validates, normalizes (see buildGenerateBody) and submits a custom-lyrics song. Returns the taskId. */
    async submit(input: SunoSubmitInput, signal?: AbortSignal): Promise<string> {
      return submitRequest(buildGenerateBody(input, config.suno.model), signal);
    },
    submitRequest,
    /** GET record-info. Unknown statuses come back as pending. */
    async getRecord(taskId: string, signal?: AbortSignal): Promise<SunoTaskState> {
      if (!taskId) throw invalid("taskId is empty");
      // Documented: at most ~3 record-info requests per second per task.
      await opts.rateLimiter?.acquire(`suno:record:${taskId}`, 3, 1_000, { signal });
      try {
        const res = await http.get("/api/v1/generate/record-info", { query: { taskId }, signal });
        return parseRecordInfo(res.body, taskId);
      } catch (err) {
        throw mapSunoError(err);
      }
    },
    /** GET /api/v1/generate/credit: the account's remaining credits (the start-up check's cheap call). */
    async getCredits(signal?: AbortSignal): Promise<number> {
      try {
        const res = await http.get("/api/v1/generate/credit", signal ? { signal } : {});
        const parsed = creditsSchema.safeParse(res.body);
        if (!parsed.success || !Number.isFinite(parsed.data.data)) throw badResponse("credit answered without a number in data", true);
        return parsed.data.data;
      } catch (err) {
        throw mapSunoError(err);
      }
    },
    /** POST get-timestamped-lyrics for one track: the sung words with their times (for captions). */
    async getAlignedWords(taskId: string, audioId: string, signal?: AbortSignal): Promise<AlignedWord[]> {
      try {
        const res = await http.post("/api/v1/generate/get-timestamped-lyrics", { taskId, audioId }, signal ? { signal } : {});
        return parseAlignedWords(res.body);
      } catch (err) {
        throw mapSunoError(err);
      }
    },
    close: (force?: boolean) => http.close(force),
  };
}
