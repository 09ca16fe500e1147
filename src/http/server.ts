// One port for everything: GraphQL over HTTP and SSE (yoga), GraphQL over WebSocket
// (graphql-ws, same path), health probes and provider webhooks.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { useServer } from "graphql-ws/use/ws";
import { execute, GraphQLError, NoSchemaIntrospectionCustomRule, subscribe } from "graphql";
import type { Services } from "../services.js";
import { createYogaServer, type Yoga } from "./yoga.js";
import { AUTH_MESSAGE, AUTH_REASON, createContext } from "./context.js";
import { defaultWebRoot, staticHandler } from "./static.js";
import { serveProbe, type Drain } from "./probes.js";
import { correlationFrom, enterCorrelation, traceparentOf, withCorrelation, type Correlation } from "../correlation.js";
import { adminDashboard, ADMIN_PATH } from "./admin.js";
import { loadTrustedDocuments, trustedQuery } from "./trusted-documents.js";
import { createUploadGate } from "./bodies.js";
import { ErrorCode } from "../errors.js";
import { FRAME_SINK, type FrameSink } from "../subscriptions/shared-execution.js";
import { coalesceWrites } from "./coalesce-writes.js";

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface HttpServerOptions {
  host: string;
  port: number;
  /** Extra routes by exact path (e.g. provider webhooks), POST only. */
  routes?: Record<string, RouteHandler>;
  /** Shared with the process's other parts: /ready turns 503 once draining. */
  drain?: Drain;
  /** Folder of the built web app served at `/` (default web/dist); null serves no app. */
  webRoot?: string | null;
}

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  yoga: Yoga;
  /** Graceful stop: subscriptions end (WebSocket close 1012, which graphql-ws clients retry;
   *  SSE streams end), new requests are still served for `acceptMs`, then the port closes and
   *  requests in flight (uploads included) finish; whatever still runs at `deadline` is cut. */
  drain(opts: { deadline: number; acceptMs: number }): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());

const findKey = (obj: Readonly<Record<string, unknown>>, name: string) => Object.keys(obj).find((k) => k.toLowerCase() === name);

/** `authorization` from graphql-ws connectionParams, in any letter case (GraphiQL sends its
 *  header editor's keys as they were typed, e.g. "Authorization"), at the top level or in the
 *  common `{ headers: { Authorization } }` shape. */
export function authorizationParam(params: Readonly<Record<string, unknown>> | undefined | null): unknown {
  if (!params) return undefined;
  const key = findKey(params, "authorization");
  if (key) return params[key];
  const headersKey = findKey(params, "headers");
  const headers = headersKey ? params[headersKey] : undefined;
  if (headers && typeof headers === "object") {
    const inner = findKey(headers as Record<string, unknown>, "authorization");
    if (inner) return (headers as Record<string, unknown>)[inner];
  }
  return undefined;
}

/**
 * WebSocket close codes for auth, named like HTTP's extensions.reason (close reason
 * "<REASON>: <message>"):
 *  - 4401 TOKEN_MISSING / TOKEN_INVALID / SESSION_REVOKED: graphql-ws treats 4401 as fatal, so
 *    clients stop instead of retrying with the same token; sign in again.
 *  - 4419 TOKEN_EXPIRED: at connect, or when the access token expires on an open socket.
 *    graphql-ws retries it; a client whose connectionParams is a function that refreshes an
 *    expired token reconnects with the new one (and resumes: lastSequences).
 */
export const WS_CLOSE = { unauthorized: 4401, tokenExpired: 4419 } as const;

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}

export async function startHttpServer(services: Services, opts: HttpServerOptions): Promise<RunningServer> {
  const trusted = services.config.TRUSTED_DOCUMENTS_FILE ? loadTrustedDocuments(services.config.TRUSTED_DOCUMENTS_FILE) : null;
  const yoga = createYogaServer(services, trusted);
  const admin = adminDashboard(services);
  const uploads = createUploadGate(services.config, services.redis);
  const routes = opts.routes ?? {};
  const drain = opts.drain ?? { draining: false };
  const webRoot = opts.webRoot === undefined ? defaultWebRoot() : opts.webRoot;
  const web = webRoot ? staticHandler(webRoot) : null;
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (serveProbe(services, drain, path, res)) return;
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const correlation = correlationFrom(header("x-request-id"), header("traceparent"));
    res.setHeader("x-request-id", correlation.requestId);
    res.setHeader("traceparent", traceparentOf(correlation));
    withCorrelation(correlation, () => handle(req, res, path));
  });

  function handle(req: IncomingMessage, res: ServerResponse, path: string) {
    const started = Date.now();
    res.once("finish", () => services.log.debug({ method: req.method, path, status: res.statusCode, durationMs: Date.now() - started }, "request"));
    // While draining, every response ends its connection, so keep-alive clients move on.
    if (drain.draining) res.setHeader("connection", "close");
    const route = path ? routes[path] : undefined;
    if (route) {
      if (req.method !== "POST") return json(res, 405, { error: "use POST" });
      route(req, res).catch((err: unknown) => {
        services.log.error({ err, path }, "webhook handler failed");
        if (!res.headersSent) json(res, 500, { error: "internal error" });
      });
      return;
    }
    if (path === "/graphql" || path === "/graphql/") {
      // A body refused half-way (over a limit) is discarded as it keeps arriving, so the client
      // reads the answer instead of a reset connection; one still coming after 10 s is cut.
      res.once("finish", () => {
        if (req.complete || req.destroyed) return;
        req.resume();
        setTimeout(() => req.destroy(), 10_000).unref();
      });
      // Multipart bodies are admitted (token, concurrency) before anything reads them.
      uploads.admit(req, res).then(
        (admitted) => (admitted ? yoga.handle(req, res) : undefined),
        (err: unknown) => {
          services.log.error({ err }, "upload admission failed");
          if (!res.headersSent) json(res, 500, { errors: [{ message: "internal error", extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
          req.resume();
        },
      );
      return;
    }
    if (path === ADMIN_PATH || path.startsWith(`${ADMIN_PATH}/`)) {
      admin(req, res).catch((err: unknown) => {
        services.log.error({ err, path }, "queue dashboard failed");
        if (!res.headersSent) json(res, 500, { error: "internal error" });
      });
      return;
    }
    if (web && path) {
      web(req, res, path).catch((err: unknown) => {
        services.log.error({ err, path }, "serving the web app failed");
        if (!res.headersSent) json(res, 500, { error: "internal error" });
      });
      return;
    }
    json(res, 404, { error: "not found", graphql: "/graphql" });
  }

  const wss = new WebSocketServer({ server, path: "/graphql" });
  wss.on("connection", (socket, req) => coalesceWrites(socket, req.socket));
  const ws = useServer(
    {
      // A WebSocket without a valid token is refused at connection time (see WS_CLOSE).
      onConnect: async (ctx) => {
        const socket = ctx.extra.socket;
        const context = await createContext(services, authorizationParam(ctx.connectionParams));
        const failure = context.viewer ? null : (context.authFailure ?? "missing");
        if (failure) {
          const code = failure === "expired" ? WS_CLOSE.tokenExpired : WS_CLOSE.unauthorized;
          const message = failure === "missing" ? "send connectionParams.authorization: Bearer <accessToken>" : AUTH_MESSAGE[failure];
          // Closed here with a code the client can act on; graphql-ws then sends no ack.
          socket.close(code, `${AUTH_REASON[failure]}: ${message}`.slice(0, 123));
          return true;
        }
        // The socket lives no longer than its access token: close it when the token expires,
        // so the client reconnects with a refreshed one (and its subscriptions resume).
        const expiresAt = context.viewer!.tokenExpiresAt;
        if (expiresAt) {
          const close = () => socket.close(WS_CLOSE.tokenExpired, `${AUTH_REASON.expired}: ${AUTH_MESSAGE.expired}`.slice(0, 123));
          const timer = setTimeout(close, Math.min(2 ** 31 - 1, Math.max(0, expiresAt - Date.now())));
          timer.unref();
          socket.once("close", () => clearTimeout(timer));
        }
        return true;
      },
      // Each operation on a socket is a request of its own: its id (from the message's
      // extensions.requestId / extensions.traceparent, or made) is in every log line it causes
      // and in the jobs it starts, as for HTTP.
      execute: (args) => {
        const root = args.rootValue as WsRoot;
        return withCorrelation(root.correlation, () => root.execute(args));
      },
      // graphql-ws calls this, after awaiting onSubscribe, from the async function that then
      // iterates the result (`for await`): entering the operation's correlation here makes it
      // current in that loop, for every event it pulls. (Wrapping each next() in run() instead
      // was 15 % of a delivery's CPU at 10,000 subscribers.)
      subscribe: (args) => {
        const root = args.rootValue as WsRoot;
        enterCorrelation(root.correlation);
        return root.subscribe(args);
      },
      onSubscribe: async (ctx, id, params) => {
        // The yoga plugins for trusted documents and introspection see HTTP requests only;
        // graphql-ws messages get the same rules here.
        const query = trusted ? trustedQuery(trusted, params) : params.query;
        if (query instanceof GraphQLError) return [query];
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          connectionAuthorization: authorizationParam(ctx.connectionParams),
          connectionLastSequences: ctx.connectionParams?.lastSequences,
        });
        const correlation = correlationFrom(stringOf(params.extensions?.["requestId"]), stringOf(params.extensions?.["traceparent"]));
        withCorrelation(correlation, () => services.log.debug({ operationName: params.operationName, transport: "ws" }, "operation"));
        const rootValue: WsRoot = { execute, subscribe, correlation, [FRAME_SINK]: nextFrames(ctx.extra.socket, id, services.config.WS_MAX_BUFFERED_BYTES) };
        const args = {
          schema,
          operationName: params.operationName,
          document: parse(query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue,
        };
        const errors = validate(args.schema, args.document);
        if (!services.config.introspection) errors.push(...validate(args.schema, args.document, [NoSchemaIntrospectionCustomRule]));
        if (errors.length) return errors;
        return args;
      },
    },
    wss,
    services.config.SUBSCRIPTION_KEEPALIVE_MS,
  );

  // Redis' event stream dropped: close every WebSocket with 1013 "Try Again Later", a code
  // graphql-ws clients reconnect on (and resubscribe with the last sequence they saw).
  services.events.onInterrupted(() => {
    for (const client of wss.clients) client.close(1013, "event stream interrupted; reconnect");
  });

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
    drain: async ({ deadline, acceptMs }) => {
      drain.draining = true;
      for (const client of wss.clients) client.close(1012, "server restarting");
      await services.events.closeListeners();
      await sleep(Math.min(acceptMs, deadline - Date.now()));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.race([closed, sleep(deadline - Date.now())]);
      server.closeAllConnections();
      await closed;
      await ws.dispose();
    },
    close: async () => {
      await ws.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface WsRoot {
  execute: typeof execute;
  subscribe: typeof subscribe;
  correlation: Correlation;
  [FRAME_SINK]: FrameSink;
}

/** The `next` frames of subscription `id` (shared-execution.ts), in graphql-ws's own format.
 *  Past `maxBuffered` bytes waiting in the socket, results go graphql-ws's way again, which
 *  waits for each write: a client that does not read then holds up its own stream, whose buffer
 *  overflows into a catch-up from the database (generation-updates.ts), instead of growing this
 *  process's memory. */
function nextFrames(socket: WebSocket, id: string, maxBuffered: number): FrameSink {
  const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  return {
    next(payloadJson) {
      if (socket.readyState !== socket.OPEN || socket.bufferedAmount > maxBuffered) return false;
      socket.send(`${head}${payloadJson}}`);
      return true;
    },
  };
}

const stringOf = (v: unknown) => (typeof v === "string" ? v : null);

