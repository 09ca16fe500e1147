// Provider webhooks (Suno callbacks, Creatomate render webhooks). They only wake the job that
// waits for them; the job then reads the provider's state itself. So a duplicate, late or
// replayed webhook is harmless, and the webhook body is never trusted for results.
// Providers cannot send our headers, so each callback URL carries an HMAC of the generation
// id: a leaked URL exposes one generation's wake-up button, never a shared secret.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Config } from "../config.js";
import type { Services } from "../context.js";
import type { Kind } from "../generations/kinds.js";
import type { RouteHandler } from "../http/server.js";
import { parseCreatomateWebhook, parseSunoCallback } from "../providers/index.js";
import { isUuid } from "../resolvers/ids.js";
import { wakeJob } from "./wake.js";

const PATHS = { SONG: "/webhooks/suno", VIDEO: "/webhooks/creatomate" } as const;
const MAX_BODY = 1024 * 1024;

const sign = (config: Pick<Config, "webhookSecret">, kind: Kind, id: string) =>
  createHmac("sha256", config.webhookSecret).update(`${kind}:${id}`).digest("base64url");

export function webhookUrl(config: Pick<Config, "webhookSecret" | "publicUrl">, kind: "SONG" | "VIDEO", id: string): string {
  return `${config.publicUrl}${PATHS[kind]}?id=${id}&sig=${sign(config, kind, id)}`;
}

export function verifyWebhook(config: Pick<Config, "webhookSecret">, kind: Kind, id: string | null, sig: string | null): boolean {
  if (!id || !sig || !isUuid(id)) return false;
  const expected = Buffer.from(sign(config, kind, id));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error("webhook body too large");
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return null;
  }
}

function reply(res: ServerResponse, status: number, body: object) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function handler(services: Services, kind: "SONG" | "VIDEO"): RouteHandler {
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const id = url.searchParams.get("id");
    if (!verifyWebhook(services.config, kind, id, url.searchParams.get("sig"))) {
      services.log.warn({ kind }, "webhook with a missing or wrong signature refused");
      return reply(res, 401, { error: "invalid signature" });
    }
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      return reply(res, 413, { error: "body too large" });
    }
    // The provider's own id in the body must match the task we are waiting for; a callback
    // of an earlier attempt (retried since) must not wake the current one.
    let providerId: string | null = null;
    try {
      providerId = kind === "SONG" ? parseSunoCallback(body).taskId : parseCreatomateWebhook(body).id;
    } catch {
      services.log.warn({ kind, id }, "webhook body not understood; waking the job anyway");
    }
    const row =
      kind === "SONG"
        ? await services.prisma.song.findUnique({ where: { id: id! }, select: { attempt: true, providerTaskId: true, status: true } })
        : await services.prisma.video.findUnique({ where: { id: id! }, select: { attempt: true, providerRenderId: true, status: true } });
    if (!row) return reply(res, 200, { ok: true, ignored: "unknown generation" });
    const expected = "providerTaskId" in row ? row.providerTaskId : row.providerRenderId;
    if (providerId && expected && providerId !== expected) return reply(res, 200, { ok: true, ignored: "stale task" });
    if (row.status !== "PROCESSING") return reply(res, 200, { ok: true, ignored: row.status });
    const woke = await wakeJob(services, kind, id!, row.attempt);
    reply(res, 200, { ok: true, woke });
  };
}

export function webhookRoutes(services: Services): Record<string, RouteHandler> {
  return { [PATHS.SONG]: handler(services, "SONG"), [PATHS.VIDEO]: handler(services, "VIDEO") };
}
