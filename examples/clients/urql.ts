// urql 5 with graphcache for castad: HTTP (uploads built in), graphql-ws subscriptions with
// connectionParams as a function (fresh token + resume point on every reconnect), or SSE.
import { Client, fetchExchange, subscriptionExchange } from "@urql/core";
import { cacheExchange } from "@urql/exchange-graphcache";
import { relayPagination } from "@urql/exchange-graphcache/extras";
import { createClient as createWsClient } from "graphql-ws";
import { createClient as createSseClient } from "graphql-sse";
import introspection from "../../possible-types.json" with { type: "json" };
import type { CastadClientOptions } from "./apollo.js";

export function createUrqlClient(opts: CastadClientOptions) {
  const authHeaders = async (): Promise<Record<string, string>> => {
    const token = await opts.getToken();
    return token ? { authorization: `Bearer ${token}` } : {};
  };
  type Sink = { next(value: unknown): void; error(err: unknown): void; complete(): void };
  let subscribe: (request: { query: string; variables?: Record<string, unknown> }, sink: Sink) => () => void;
  if (opts.subscriptions === "sse") {
    const sse = createSseClient({
      url: opts.url,
      headers: async () => ({ ...(await authHeaders()), "x-castad-last-sequences": JSON.stringify(opts.sequences.lastSequences()) }),
      retryAttempts: Infinity,
      retry: () => new Promise((r) => setTimeout(r, 200)),
    });
    subscribe = (request, sink) => sse.subscribe(request, sink as never);
  } else {
    const ws = createWsClient({
      url: opts.url.replace(/^http/, "ws"),
      ...(opts.webSocketImpl ? { webSocketImpl: opts.webSocketImpl } : {}),
      connectionParams: async () => ({ ...(await authHeaders()), lastSequences: opts.sequences.lastSequences() }),
      retryAttempts: Infinity,
      shouldRetry: () => true,
    });
    subscribe = (request, sink) => ws.subscribe(request, sink as never);
  }

  return new Client({
    url: opts.url,
    // Every request carries the token; multipart uploads also the CSRF-prevention header.
    fetch: async (input, init) => {
      const headers = new Headers(init?.headers);
      for (const [k, v] of Object.entries(await authHeaders())) headers.set(k, v);
      headers.set("x-graphql-yoga-csrf", "1");
      return fetch(input, { ...init, headers });
    },
    exchanges: [
      cacheExchange({
        possibleTypes: introspection.possibleTypes,
        keys: { GenerationEvent: () => null, PageInfo: () => null, AuthPayload: () => null },
        resolvers: { Query: { projects: relayPagination() }, Project: { adRuns: relayPagination() } },
        updates: {
          // A new ad run shows up in project.adRuns / project.videos without a manual refetch.
          Mutation: {
            generateAd: (_result, args, cache) => {
              cache.invalidate({ __typename: "Project", id: args.projectId as string }, "adRuns");
              cache.invalidate({ __typename: "Project", id: args.projectId as string }, "videos");
            },
          },
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: subscribe({ query: request.query ?? "", variables: request.variables as Record<string, unknown> }, sink) }),
        }),
      }),
    ],
  });
}
