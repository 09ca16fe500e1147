import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { useContentEncoding } from "@whatwg-node/server";
import type { Services } from "../services.js";
import type { Context } from "./context.js";
import { schema } from "../schema/index.js";
import type { IncomingMessage } from "node:http";
import { clientIpOf, createContext } from "./context.js";
import { createMaskError, useGlobalIdErrorField } from "./errors.js";
import { useOperationLimits } from "./operation-limits.js";
import { useBodyLimits } from "./bodies.js";
import { usePrometheus } from "@graphql-yoga/plugin-prometheus";
import { useDisableIntrospection } from "@graphql-yoga/plugin-disable-introspection";
import { usePersistedOperations } from "@graphql-yoga/plugin-persisted-operations";
import { documentIdOf, persistedNotFoundError, persistedOnlyError, type TrustedDocuments } from "./trusted-documents.js";
import { useCsrfPrevention } from "./csrf.js";
import { graphiqlTabs } from "./graphiql-tabs.js";
import { useSharedSubscriptionExecution } from "../subscriptions/shared-execution.js";

export type ServerContext = Record<string, unknown>;
export type Yoga = YogaServerInstance<ServerContext, Context>;

/** yoga logs `(message, ...objects)`: strings make the message, an Error becomes `err` and
 *  other objects are merged as fields (never "[object Object]"). */
export function yogaLogger(log: Services["log"]) {
  const write = (level: "debug" | "info" | "warn" | "error") => (...args: unknown[]) => {
    const fields: Record<string, unknown> = {};
    const words: string[] = [];
    for (const arg of args) {
      if (arg instanceof Error) fields["err"] = arg;
      else if (arg && typeof arg === "object") Object.assign(fields, arg);
      else if (arg !== undefined) words.push(String(arg));
    }
    log[level]({ component: "yoga", ...fields }, words.join(" ") || "yoga");
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

/** Compresses responses (gzip/deflate, as the client accepts) except event streams and
 *  incremental delivery, where a compressor would hold events back until its buffer fills.
 *  Wraps whatwg-node's own plugin; compressed request bodies are not accepted (its other half). */
function useResponseCompression(): Plugin {
  const inner = useContentEncoding();
  return {
    onResponse(payload) {
      const type = payload.response.headers.get("content-type") ?? "";
      if (type.startsWith("text/event-stream") || type.startsWith("multipart/mixed")) return;
      return inner.onResponse?.(payload as never);
    },
  };
}

export function createYogaServer(services: Services, trusted: TrustedDocuments | null = null): Yoga {
  const { config } = services;
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    landingPage: false,
    // GraphiQL bundled with the server instead of loaded from a CDN: it works offline too. The
    // bundle (~47 MB resident once loaded) is loaded with the first GraphiQL page, not at start.
    renderGraphiQL: async (options) => (await import("@graphql-yoga/render-graphiql")).renderGraphiQL(options),
    // Off by default in production (GRAPHIQL=true turns it on).
    graphiql: config.graphiql && {
      title: "castad",
      // SSE carries GraphiQL's headers (the bearer token) as they are; WebSocket clients
      // send the token in connectionParams instead.
      subscriptionsProtocol: "SSE",
      defaultTabs: graphiqlTabs,
      defaultQuery: graphiqlTabs[0]!.query,
    },
    // Body limits per content type (JSON small, multipart per the upload limits): bodies.ts.
    maxRequestBodySize: false,
    plugins: [
      // A live event runs once per distinct selection, not once per subscriber.
      useSharedSubscriptionExecution(),
      useResponseCompression(),
      useCsrfPrevention(),
      ...useBodyLimits(config),
      ...useOperationLimits(config),
      useGlobalIdErrorField(),
      ...(config.introspection ? [] : [useDisableIntrospection()]),
      ...(trusted
        ? [
            usePersistedOperations({
              getPersistedOperation: (id: string) => trusted.get(id) ?? null,
              extractPersistedOperationId: (params) => documentIdOf(params as { documentId?: unknown; extensions?: unknown }),
              allowArbitraryOperations: false,
              customErrors: { persistedQueryOnly: persistedOnlyError, notFound: persistedNotFoundError, keyNotFound: persistedOnlyError },
            }),
          ]
        : []),
      // Operation durations and errors by operation name into this process's registry; served
      // by the probes route (/metrics), not by yoga.
      usePrometheus({
        registry: services.metrics.registry,
        endpoint: false,
        metrics: {
          graphql_envelop_request: true,
          graphql_envelop_request_duration: true,
          graphql_envelop_error_result: true,
          graphql_envelop_phase_parse: true,
          graphql_envelop_phase_validate: true,
          graphql_envelop_phase_context: true,
          graphql_envelop_phase_execute: true,
          graphql_envelop_phase_subscribe: true,
          graphql_yoga_http_duration: true,
          graphql_envelop_request_time_summary: false,
          graphql_envelop_deprecated_field: false,
          graphql_envelop_schema_change: false,
          graphql_envelop_execute_resolver: false,
        },
      }),
    ],
    // No allowedHeaders list: yoga reflects whatever headers the preflight asks for, so clients'
    // own headers (apollographql-client-name/-version, apollo-require-preflight,
    // x-graphql-yoga-csrf, sentry-trace, baggage, traceparent, x-castad-last-sequences…) pass.
    cors: {
      origin: config.CORS_ORIGINS === "*" ? "*" : config.CORS_ORIGINS.split(",").map((o) => o.trim()).filter(Boolean),
      credentials: false,
    },
    maskedErrors: { maskError: createMaskError(services.log), errorMessage: "Unexpected error." },
    logging: yogaLogger(services.log),
    // HTTP and SSE requests authenticate by header; graphql-ws operations by the connection's
    // connectionParams, handed over by server.ts as `connectionAuthorization` (and the resume
    // point as `connectionLastSequences`).
    context: (initial) =>
      "connectionAuthorization" in initial
        ? createContext(services, initial.connectionAuthorization, initial.connectionLastSequences, clientIpOf(config, initial["req"] as IncomingMessage | undefined))
        : createContext(
            services,
            initial.request.headers.get("authorization") ?? undefined,
            initial.request.headers.get("x-castad-last-sequences") ?? undefined,
            clientIpOf(config, initial["req"] as IncomingMessage | undefined),
          ),
  });
}
