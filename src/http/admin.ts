// The queue dashboard (bull-board) at /admin/queues, for users whose role is ADMIN only, and
// read-only unless ADMIN_QUEUES_WRITE=true. bull-board has no adapter for a bare node:http
// server; its Hono adapter runs on one through @hono/node-server's request listener.
//
// A browser cannot add an Authorization header to the dashboard's own page and API requests,
// so `/admin/queues?token=<JWT>` trades a token for an HttpOnly, SameSite=Strict cookie scoped
// to /admin/queues (then redirects to drop the token from the address bar). The Authorization
// header works as well. Either way the user's role is read from the database on every request,
// so taking the role away takes effect at once.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Services } from "../services.js";
import { bearerToken, verifyToken } from "../auth/tokens.js";
import { KINDS } from "../generations/stages.js";

export const ADMIN_PATH = "/admin/queues";
const COOKIE = "castad_admin";

function cookieToken(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === COOKIE) return decodeURIComponent(v.join("="));
  }
  return null;
}

function deny(res: ServerResponse, status: 401 | 403, error: string) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify({ error }));
}

/** bull-board and Hono are loaded on the first admin request, not at every process start. */
async function loadDashboard(services: Services) {
  const [{ createBullBoard }, { BullMQAdapter }, { HonoAdapter }, { getRequestListener }, { serveStatic }, { Hono }] = await Promise.all([
    import("@bull-board/api"),
    import("@bull-board/api/bullMQAdapter"),
    import("@bull-board/hono"),
    import("@hono/node-server"),
    import("@hono/node-server/serve-static"),
    import("hono"),
  ]);
  const serverAdapter = new HonoAdapter(serveStatic);
  serverAdapter.setBasePath(ADMIN_PATH);
  createBullBoard({
    queues: KINDS.map((kind) => new BullMQAdapter(services.jobs.queues[kind], { readOnlyMode: !services.config.ADMIN_QUEUES_WRITE })),
    serverAdapter,
    options: { uiConfig: { boardTitle: "castad queues" } },
  });
  const app = new Hono();
  app.route(ADMIN_PATH, serverAdapter.registerPlugin());
  return getRequestListener(app.fetch);
}

export function adminDashboard(services: Services) {
  const { config } = services;
  let listener: ReturnType<typeof loadDashboard> | undefined;
  const secure = config.publicUrl.startsWith("https:");

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const fromQuery = url.searchParams.get("token");
    const token = bearerToken(req.headers.authorization) ?? fromQuery ?? cookieToken(req);
    if (!token) return deny(res, 401, "sign in: send Authorization: Bearer <token>, or open /admin/queues?token=<token>");
    const check = await verifyToken(config, token);
    if (!check.ok) return deny(res, 401, "invalid or expired token");
    const user = await services.prisma.user.findUnique({ where: { id: check.userId }, select: { role: true } });
    if (user?.role !== "ADMIN") return deny(res, 403, "the queue dashboard is for admins");
    if (fromQuery) {
      url.searchParams.delete("token");
      res.writeHead(303, {
        location: url.pathname + url.search,
        "set-cookie": `${COOKIE}=${encodeURIComponent(token)}; Path=${ADMIN_PATH}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`,
        "cache-control": "no-store",
      });
      res.end();
      return;
    }
    listener ??= loadDashboard(services);
    await (await listener)(req, res);
  };
}
