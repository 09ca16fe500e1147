// One port for everything: GraphQL over HTTP and SSE (yoga), GraphQL over WebSocket
// (graphql-ws, same path), health probes and provider webhooks.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { useServer } from "graphql-ws/use/ws";
import { execute, subscribe } from "graphql";
import type { Services } from "../context.js";
import { createYogaServer, type Yoga } from "./yoga.js";
import { contextFromAuthorization } from "./context.js";

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface HttpServerOptions {
  host: string;
  port: number;
  /** Extra routes by exact path (e.g. provider webhooks), POST only. */
  routes?: Record<string, RouteHandler>;
}

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  yoga: Yoga;
  close(): Promise<void>;
}

/** `authorization` from graphql-ws connectionParams, in any letter case (GraphiQL sends its
 *  header editor's keys as they were typed, e.g. "Authorization"). */
function authorizationParam(params: Readonly<Record<string, unknown>> | undefined): unknown {
  if (!params) return undefined;
  const key = Object.keys(params).find((k) => k.toLowerCase() === "authorization");
  return key ? params[key] : undefined;
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

async function readiness(services: Services) {
  const check = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      return "ok";
    } catch {
      return "unavailable";
    }
  };
  const [database, redis] = await Promise.all([
    check(() => services.prisma.$queryRaw`SELECT 1`),
    check(() => services.redis.ping()),
  ]);
  return { status: database === "ok" && redis === "ok" ? "ok" : "unavailable", database, redis };
}

export async function startHttpServer(services: Services, opts: HttpServerOptions): Promise<RunningServer> {
  const yoga = createYogaServer(services);
  const routes = opts.routes ?? {};
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/health") return json(res, 200, { status: "ok" });
    if (path === "/ready") {
      void readiness(services).then((r) => json(res, r.status === "ok" ? 200 : 503, r));
      return;
    }
    const route = path ? routes[path] : undefined;
    if (route) {
      if (req.method !== "POST") return json(res, 405, { error: "use POST" });
      route(req, res).catch((err: unknown) => {
        services.log.error({ err, path }, "webhook handler failed");
        if (!res.headersSent) json(res, 500, { error: "internal error" });
      });
      return;
    }
    if (path === "/graphql" || path === "/graphql/") return void yoga.handle(req, res);
    json(res, 404, { error: "not found", graphql: "/graphql" });
  });

  const wss = new WebSocketServer({ server, path: "/graphql" });
  const ws = useServer(
    {
      // A WebSocket without a valid token is refused at connection time (close code 4403).
      onConnect: async (ctx) => {
        const context = await contextFromAuthorization(services, authorizationParam(ctx.connectionParams));
        return context.viewer !== null;
      },
      execute: (args) => (args.rootValue as { execute: typeof execute }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: typeof subscribe }).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        const args = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory({
            ...(await contextFromAuthorization(services, authorizationParam(ctx.connectionParams))),
          }),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wss,
    services.config.SUBSCRIPTION_KEEPALIVE_MS,
  );

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host === "0.0.0.0" || opts.host === "::" ? "127.0.0.1" : opts.host;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    yoga,
    close: async () => {
      await ws.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
