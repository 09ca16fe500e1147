// Provider webhooks (Suno callbacks, Creatomate render webhooks). They only wake the job that
// waits for them; the job then reads the provider's state itself. So a duplicate, late or
// replayed webhook is harmless, and the webhook body is never trusted for results. The URLs
// and their signatures are made in jobs/callbacks.ts.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Services } from "../services.js";
import type { RouteHandler } from "./server.js";
import { verifyCallback } from "../jobs/callbacks.js";
import { findRow, providerIdOf, STAGES } from "../generations/stages.js";
import { PROVIDER_TASKS } from "../jobs/steps/index.js";
import { adoptFromCallback } from "../jobs/submissions.js";

const MAX_BODY = 1024 * 1024;

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

function handler(services: Services, task: (typeof PROVIDER_TASKS)[number]): RouteHandler {
  const { kind } = task;
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const id = url.searchParams.get("id");
    if (!verifyCallback(services.config, kind, id, url.searchParams.get("sig"))) {
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
      providerId = task.taskIdInCallback(body);
    } catch {
      services.log.warn({ kind, id }, "webhook body not understood; waking the job anyway");
    }
    const row = await findRow(services.prisma, kind, id!);
    if (!row) return reply(res, 200, { ok: true, ignored: "unknown generation" });
    const expected = providerIdOf(kind, row);
    if (providerId && expected && providerId !== expected) return reply(res, 200, { ok: true, ignored: "stale task" });
    // The answer to our submission was lost (worker killed, database down): this callback tells
    // us the task's id, so the job resumes it instead of paying for another (jobs/submissions.ts).
    if (providerId && !expected && (await adoptFromCallback(services, kind, row.id, row.attempt, providerId))) {
      services.log.info({ kind, id, providerId }, "adopted a submitted task from the provider's callback");
    }
    if (row.status !== "PROCESSING") return reply(res, 200, { ok: true, ignored: row.status });
    const woke = await services.jobs.wake(kind, id!, row.attempt);
    reply(res, 200, { ok: true, woke });
  };
}

export function webhookRoutes(services: Services): Record<string, RouteHandler> {
  const routes: Record<string, RouteHandler> = {};
  for (const task of PROVIDER_TASKS) {
    const path = STAGES[task.kind].webhookPath;
    if (path) routes[path] = handler(services, task);
  }
  return routes;
}
