// Apollo Client 4 for castad: HTTP (with uploads), graphql-ws subscriptions with
// connectionParams as a function (fresh token + resume point on every reconnect), or SSE.
import { ApolloClient, ApolloLink, InMemoryCache, Observable } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition, relayStylePagination } from "@apollo/client/utilities";
import UploadHttpLink from "apollo-upload-client/UploadHttpLink.mjs";
import { createClient as createWsClient } from "graphql-ws";
import { createClient as createSseClient } from "graphql-sse";
import { print, type OperationDefinitionNode } from "graphql";
// Generated next to schema.graphql by `npm run codegen` (without it Apollo silently drops
// `... on Lyric` fragments on Generation and Node).
import introspection from "../../possible-types.json" with { type: "json" };
import type { SequenceTracker } from "./resume.js";

export interface CastadClientOptions {
  url: string; // e.g. http://127.0.0.1:4000/graphql
  getToken: () => Promise<string | null> | string | null; // a fresh access token (refresh when expired)
  sequences: SequenceTracker;
  subscriptions?: "ws" | "sse";
  webSocketImpl?: unknown; // Node < 22: pass `ws`
}

export function createApolloClient(opts: CastadClientOptions) {
  const authHeaders = async (): Promise<Record<string, string>> => {
    const token = await opts.getToken();
    return token ? { authorization: `Bearer ${token}` } : {};
  };
  // Multipart uploads need a CSRF-prevention header; apollo-require-preflight is Apollo's.
  const http = new ApolloLink((operation, forward) => {
    const ready = authHeaders().then((headers) => operation.setContext({ headers: { ...headers, "apollo-require-preflight": "true" } }));
    return new Observable((observer) => {
      let sub: { unsubscribe(): void } | undefined;
      ready.then(() => (sub = forward(operation).subscribe(observer)), (err) => observer.error(err));
      return () => sub?.unsubscribe();
    });
  }).concat(new UploadHttpLink({ uri: opts.url }));

  let live: ApolloLink;
  if (opts.subscriptions === "sse") {
    const sse = createSseClient({
      url: opts.url,
      headers: async () => ({ ...(await authHeaders()), "x-castad-last-sequences": JSON.stringify(opts.sequences.lastSequences()) }),
      retryAttempts: Infinity,
      retry: () => new Promise((r) => setTimeout(r, 200)),
    });
    live = new ApolloLink(
      (operation) =>
        new Observable((observer) =>
          sse.subscribe({ query: print(operation.query), variables: operation.variables }, {
            next: (value) => observer.next(value as never),
            error: (err) => observer.error(err),
            complete: () => observer.complete(),
          }),
        ),
    );
  } else {
    live = new GraphQLWsLink(
      createWsClient({
        url: opts.url.replace(/^http/, "ws"),
        ...(opts.webSocketImpl ? { webSocketImpl: opts.webSocketImpl } : {}),
        connectionParams: async () => ({ ...(await authHeaders()), lastSequences: opts.sequences.lastSequences() }),
        retryAttempts: Infinity,
        shouldRetry: () => true,
      }),
    );
  }

  const isSubscription = ({ query }: { query: Parameters<typeof getMainDefinition>[0] }) => {
    const def = getMainDefinition(query) as OperationDefinitionNode;
    return def.kind === "OperationDefinition" && def.operation === "subscription";
  };

  return new ApolloClient({
    link: ApolloLink.split(isSubscription, live, http),
    cache: new InMemoryCache({
      possibleTypes: introspection.possibleTypes,
      typePolicies: {
        Query: { fields: { projects: relayStylePagination(), songs: relayStylePagination(["status"]), videos: relayStylePagination(["status"]) } },
        Project: { fields: { adRuns: relayStylePagination(), videos: relayStylePagination(), songs: relayStylePagination(), lyrics: relayStylePagination() } },
        GenerationEvent: { keyFields: false },
      },
    }),
  });
}
