/** Small HTTP helpers shared by the sandbox route handlers. */
import type { IncomingMessage, ServerResponse } from "node:http";

export interface SandboxRequest {
  method: string;
  /** path without the query string, e.g. /suno/api/v1/generate */
  path: string;
  query: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** A 200 response whose JSON body is cut off in the middle ([sandbox:malformed]). */
export function sendMalformed(res: ServerResponse, prefix: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(200, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(prefix)),
  });
  res.end(prefix);
}

export function bearerToken(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m?.[1]?.trim() ?? null;
}

type BodyResult = { ok: true; value: unknown; text: string } | { ok: false; text: string; reason: string };

const MAX_BODY = 10 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_BODY) throw new Error("request body too large");
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function readJson(req: IncomingMessage): Promise<BodyResult> {
  let text: string;
  try {
    text = await readBody(req);
  } catch (err) {
    return { ok: false, text: "", reason: err instanceof Error ? err.message : String(err) };
  }
  if (text.trim() === "") return { ok: false, text, reason: "empty body" };
  try {
    return { ok: true, value: JSON.parse(text) as unknown, text };
  } catch {
    return { ok: false, text, reason: "invalid JSON" };
  }
}

/** Collects every string found inside a JSON-ish value (used to scan modifications for markers). */
export function collectStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, out);
  else if (isRecord(v)) for (const x of Object.values(v)) collectStrings(x, out);
  return out;
}
