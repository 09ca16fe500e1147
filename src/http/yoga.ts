import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import type { Context, Services } from "../context.js";
import { schema } from "../schema/index.js";
import { contextFromAuthorization } from "./context.js";
import { createMaskError } from "./errors.js";
import { useMaxDepth } from "./depth-limit.js";

export type ServerContext = Record<string, unknown>;
export type Yoga = YogaServerInstance<ServerContext, Context>;

export function createYogaServer(services: Services): Yoga {
  const { config } = services;
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    // GraphiQL bundled with the server instead of loaded from a CDN: it works offline too.
    renderGraphiQL,
    graphiql: {
      title: "castad",
      // SSE carries GraphiQL's headers (the bearer token) as they are; WebSocket clients
      // send the token in connectionParams instead.
      subscriptionsProtocol: "SSE",
      defaultQuery: "# Sign up or in, then set the header: { \"Authorization\": \"Bearer <token>\" }\nquery { viewer { id email } }\n",
    },
    // Uploads are buffered by the request parser: cap the whole body at what the per-file
    // and per-call limits allow (plus form overhead). Each file is then checked in the resolver.
    maxRequestBodySize: config.UPLOAD_MAX_FILES * config.UPLOAD_MAX_FILE_BYTES + 1024 * 1024,
    plugins: [useMaxDepth(config.QUERY_MAX_DEPTH)],
    cors: {
      origin: config.CORS_ORIGINS === "*" ? "*" : config.CORS_ORIGINS.split(",").map((o) => o.trim()).filter(Boolean),
      credentials: false,
      allowedHeaders: ["authorization", "content-type", "graphql-require-preflight", "x-graphql-client-name"],
    },
    maskedErrors: { maskError: createMaskError(services.log), errorMessage: "Unexpected error." },
    logging: {
      debug: (...args) => services.log.debug(args.map(String).join(" ")),
      info: (...args) => services.log.info(args.map(String).join(" ")),
      warn: (...args) => services.log.warn(args.map(String).join(" ")),
      error: (...args) => services.log.error(args.map(String).join(" ")),
    },
    // HTTP and SSE requests authenticate by header; graphql-ws subscriptions arrive with their
    // context already built from connectionParams (see server.ts).
    context: (initial) =>
      "services" in initial ? (initial as unknown as Context) : contextFromAuthorization(services, initial.request.headers.get("authorization") ?? undefined),
  });
}
