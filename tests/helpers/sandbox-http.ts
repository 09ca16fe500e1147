// JSON requests to the sandbox with its API key, and a loose accessor for the bodies it answers.
import { SANDBOX_KEY as KEY } from "./providers.js";

export function headers(key = KEY): Record<string, string> {
  return { authorization: `Bearer ${key}`, "content-type": "application/json" };
}

export async function postJson(
  url: string,
  body: unknown,
  key = KEY,
): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const res = await fetch(url, { method: "POST", headers: headers(key), body: JSON.stringify(body) });
  return read(res);
}

export async function getJson(url: string, key = KEY): Promise<{ status: number; headers: Headers; json: unknown }> {
  return read(await fetch(url, { headers: { authorization: `Bearer ${key}` } }));
}

/** Status, headers, raw text and the parsed JSON body (undefined when it is not JSON). */
async function read(res: Response): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** Loose accessor for JSON test bodies: get(obj, "data", "taskId"). */
export function get(v: unknown, ...path: Array<string | number>): unknown {
  let cur: unknown = v;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

export async function bytes(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}
