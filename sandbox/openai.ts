/**
 * OpenAI-compatible endpoints under /openai/v1:
 *   POST /openai/v1/chat/completions   (json_schema / json_object / plain text; `stream: true` → SSE)
 *   GET  /openai/v1/models
 * Errors: `{error: {message, type, param, code}}` with HTTP 400/401/404/429/500/503; out of credits is
 * a 429 with type/code `insufficient_quota` ([sandbox:no-credits]).
 * Any `model` string is accepted (OpenAI-compatible servers use their own names).
 */
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { SandboxContext } from "./context.js";
import { readMarkers } from "./faults.js";
import { applyContentFaults, gate, type ErrorKind, type ProviderErrors } from "./gate.js";
import { isRecord, readJson, sendJson, type SandboxRequest } from "./http.js";
import { exampleForSchema } from "./jsonschema.js";
import { lyricsText, parseBrief, songStyle, songTitle } from "./lyrics.js";

const ERROR_TYPE: Record<ErrorKind, { type: string; code: string | null }> = {
  auth: { type: "invalid_request_error", code: "invalid_api_key" },
  invalid: { type: "invalid_request_error", code: null },
  not_found: { type: "invalid_request_error", code: "not_found" },
  rate_limit: { type: "requests", code: "rate_limit_exceeded" },
  server: { type: "server_error", code: null },
  unavailable: { type: "server_error", code: "service_unavailable" },
  too_large: { type: "invalid_request_error", code: "context_length_exceeded" },
};

const openaiErrors: ProviderErrors = {
  provider: "openai",
  malformedBody: '{"id":"chatcmpl-sandbox","object":"chat.completion","choices":[{"index":0,"message":{"role":"assist',
  send(res, status, message, kind, headers = {}) {
    const t = ERROR_TYPE[kind];
    sendJson(res, status, { error: { message, type: t.type, param: null, code: t.code } }, headers);
  },
};

function badRequest(res: ServerResponse, message: string, param: string | null): void {
  sendJson(res, 400, { error: { message, type: "invalid_request_error", param, code: null } });
}

function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => (isRecord(p) && typeof p.text === "string" ? p.text : typeof p === "string" ? p : ""))
      .join("\n");
  }
  return "";
}

const MODELS = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-5-mini"];

export class OpenAIService {
  constructor(private readonly ctx: SandboxContext) {}

  reset(): void {}

  async handle(r: SandboxRequest): Promise<void> {
    const ctx = this.ctx;
    ctx.stats.openai.requests++;
    const sub = r.path.slice("/openai/v1".length);
    const isCompletions = sub === "/chat/completions" && r.method === "POST";
    const isModels = sub === "/models" && r.method === "GET";
    if (!(await gate(ctx, r, openaiErrors))) return;
    if (isModels) {
      const created = Math.floor(Date.now() / 1000);
      sendJson(r.res, 200, {
        object: "list",
        data: MODELS.map((id) => ({ id, object: "model", created, owned_by: "sandbox" })),
      });
      return;
    }
    if (!isCompletions) {
      openaiErrors.send(r.res, 404, `Unknown request URL: ${r.method} ${r.path}.`, "not_found");
      return;
    }
    const body = await readJson(r.req);
    if (!body.ok) {
      badRequest(r.res, "We could not parse the JSON body of your request.", null);
      return;
    }
    const b = body.value;
    if (!isRecord(b)) {
      badRequest(r.res, "The request body must be a JSON object.", null);
      return;
    }
    if (typeof b.model !== "string" || b.model.trim() === "") {
      badRequest(r.res, "you must provide a model parameter", "model");
      return;
    }
    if (!Array.isArray(b.messages) || b.messages.length === 0) {
      badRequest(r.res, "'messages' must be a non-empty array.", "messages");
      return;
    }
    for (const [i, m] of b.messages.entries()) {
      if (!isRecord(m) || typeof m.role !== "string") {
        badRequest(r.res, `Invalid value for 'messages[${i}]': each message needs a 'role'.`, `messages[${i}].role`);
        return;
      }
      if (m.content === undefined) {
        badRequest(r.res, `Missing required parameter: 'messages[${i}].content'.`, `messages[${i}].content`);
        return;
      }
    }
    const content = JSON.stringify(b.messages);
    const markers = readMarkers(content, "openai");
    if (applyContentFaults(ctx, r, openaiErrors, "chat.completions", content, markers)) return;
    if (markers.noCredits) {
      // Documented: "You exceeded your current quota" is a 429 whose type and code are
      // `insufficient_quota` — not a rate limit, and without retry-after.
      sendJson(r.res, 429, {
        error: {
          message: "You exceeded your current quota, please check your plan and billing details.",
          type: "insufficient_quota",
          param: null,
          code: "insufficient_quota",
        },
      });
      return;
    }

    const texts = b.messages.map((m) => (isRecord(m) ? messageText(m.content) : ""));
    const userTexts = b.messages
      .filter((m) => isRecord(m) && m.role === "user")
      .map((m) => (isRecord(m) ? messageText(m.content) : ""));
    const brief = parseBrief([...userTexts].reverse().join("\n") + "\n" + texts.join("\n"));

    let answer: string;
    const rf = b.response_format;
    if (isRecord(rf) && rf.type === "json_schema") {
      const js = rf.json_schema;
      if (!isRecord(js) || typeof js.name !== "string") {
        badRequest(r.res, "Missing required parameter: 'response_format.json_schema.name'.", "response_format.json_schema.name");
        return;
      }
      answer = JSON.stringify(exampleForSchema(js.schema ?? { type: "object" }, brief));
    } else if (isRecord(rf) && rf.type === "json_object") {
      answer = JSON.stringify({
        title: songTitle(brief),
        lyrics: lyricsText(brief),
        style: songStyle(brief),
        language: brief.languageLabel,
      });
    } else {
      answer = lyricsText(brief);
    }

    ctx.stats.openai.completions++;
    const id = `chatcmpl-${randomBytes(12).toString("base64url")}`;
    const created = Math.floor(Date.now() / 1000);
    const promptTokens = Math.max(1, Math.ceil(texts.join("").length / 4));
    const completionTokens = Math.max(1, Math.ceil(answer.length / 4));
    if (b.stream === true) {
      this.stream(r.res, id, created, b.model, answer);
      return;
    }
    sendJson(r.res, 200, {
      id,
      object: "chat.completion",
      created,
      model: b.model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: answer, refusal: null },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
      system_fingerprint: "fp_sandbox",
    });
  }

  private stream(res: ServerResponse, id: string, created: number, model: string, answer: string): void {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({
        id,
        object: "chat.completion.chunk",
        created,
        model,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      })}\n\n`;
    res.write(chunk({ role: "assistant", content: "" }, null));
    const pieces = answer.match(/[\s\S]{1,40}/g) ?? [];
    for (const p of pieces) res.write(chunk({ content: p }, null));
    res.write(chunk({}, "stop"));
    res.end("data: [DONE]\n\n");
  }
}
