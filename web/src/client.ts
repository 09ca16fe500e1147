// The GraphQL client: urql with graphcache (normalized by __typename + id, the API's Relay
// global ids), HTTP for queries and mutations, and one graphql-ws WebSocket for subscriptions.
import { Client, fetchExchange, mapExchange, subscriptionExchange } from "urql";
import { cacheExchange } from "@urql/exchange-graphcache";
import { relayPagination } from "@urql/exchange-graphcache/extras";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import { accessToken, refreshNow, session, signOut } from "./session";
import { socketState, onOffline, untilOnline } from "./connection";
import { lastSequences } from "./sequences";
import schema from "./gql/introspection";

export const graphqlUrl = () => new URL("/graphql", window.location.href).toString();
const wsUrl = () => graphqlUrl().replace(/^http/, "ws");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The API closes a socket it will not serve with 4401 (sign in again); 4419 means the access
 *  token expired and is retried by graphql-ws, with a refreshed token from connectionParams. */
const AUTH_CLOSE = new Set([4401, 4403]);

let socket: WsClient | null = null;
let socketUser: string | null = null;
let stopOfflineWatch: (() => void) | null = null;

/** Socket events change what React shows: never synchronously inside a render. */
const setSocketState = (self: () => WsClient, state: Parameters<typeof socketState.set>[0]) =>
  queueMicrotask(() => {
    // A disposed socket's late "closed" must not overwrite the current one's state.
    if (self() === socket) socketState.set(state);
  });

function createSocket(): WsClient {
  let everConnected = false;
  // graphql-ws may emit "connecting" before createWsClient returns: handlers look `ws` up later.
  const self = () => ws;
  const ws: WsClient = createWsClient({
    url: wsUrl(),
    lazy: false,
    keepAlive: 10_000,
    // A store owner's laptop sleeps, trains go through tunnels: never give up, but wait for the
    // network to come back and back off (with jitter) instead of hammering the server.
    retryAttempts: Infinity,
    shouldRetry: (e) => !(e && typeof e === "object" && "code" in e && AUTH_CLOSE.has((e as CloseEvent).code)),
    retryWait: async (retries) => {
      await untilOnline();
      await sleep(Math.min(5000, 250 * 2 ** retries) * (0.5 + Math.random() / 2));
    },
    // Evaluated on every (re)connect: a fresh access token and the last sequence seen per project.
    connectionParams: async () => ({ authorization: `Bearer ${await accessToken()}`, lastSequences: lastSequences() }),
    on: {
      connecting: () => setSocketState(self, everConnected ? "reconnecting" : "connecting"),
      connected: () => {
        everConnected = true;
        setSocketState(self, "live");
      },
      closed: (event) => {
        const code = (event as CloseEvent | undefined)?.code;
        if (code !== undefined && AUTH_CLOSE.has(code)) {
          queueMicrotask(() => self() === socket && signOut(true));
          return;
        }
        setSocketState(self, everConnected ? "reconnecting" : "connecting");
      },
    },
  });
  return ws;
}

/** One socket per signed-in user (token refreshes keep it); asking again keeps the socket. */
function socketFor(userId: string | null) {
  if (userId === socketUser && (socket || !userId)) return;
  stopOfflineWatch?.();
  stopOfflineWatch = null;
  void socket?.dispose();
  socket = null;
  socketUser = userId;
  queueMicrotask(() => socket === null && socketState.set(null));
  if (!userId) return;
  socket = createSocket();
  // The browser knows before the socket does: drop it at once and let the retry logic take over.
  const current = socket;
  stopOfflineWatch = onOffline(() => current.terminate());
}

/** Sends the current access token, refreshing it first when it is about to expire. */
const authorizedFetch: typeof fetch = async (input, init) => {
  const token = await accessToken();
  const headers = new Headers(init?.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

export function createGraphqlClient(userId: string | null): Client {
  socketFor(userId);
  return new Client({
    url: "/graphql",
    requestPolicy: "cache-and-network",
    fetch: authorizedFetch,
    exchanges: [
      cacheExchange({
        schema,
        keys: {
          GenerationEvent: () => null,
          PageInfo: () => null,
          AuthPayload: () => null,
          ProjectConnection: () => null,
          ProjectEdge: () => null,
          AdRunConnection: () => null,
          AdRunEdge: () => null,
          VideoConnection: () => null,
          VideoEdge: () => null,
          SongConnection: () => null,
          SongEdge: () => null,
          LyricConnection: () => null,
          LyricEdge: () => null,
        },
        resolvers: { Query: { projects: relayPagination() } },
        updates: {
          Mutation: {
            // A new project or ad run changes lists whose order and counts only the server knows.
            createProject: (_r, _a, cache) => cache.invalidate("Query", "projects"),
            deleteProject: (result, _a, cache) => {
              cache.invalidate({ __typename: "Project", id: result.deleteProject as string });
              cache.invalidate("Query", "projects");
            },
            generateAd: (_r, args, cache) => cache.invalidate({ __typename: "Project", id: args.projectId as string }, "adRuns"),
            deleteProjectImage: (result, _a, cache) => cache.invalidate({ __typename: "ProjectImage", id: result.deleteProjectImage as string }),
          },
        },
      }),
      mapExchange({
        onResult(result) {
          const auth = result.error?.graphQLErrors.find((e) => e.extensions?.code === "UNAUTHENTICATED");
          if (!auth || !session.get()) return;
          // An expired access token is renewed (the next request uses it); anything else ends
          // the session and the sign-in page says why.
          if (auth.extensions?.reason === "TOKEN_EXPIRED") void refreshNow();
          else if (auth.extensions?.reason !== "BAD_CREDENTIALS") queueMicrotask(() => signOut(true));
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || "" };
          return {
            subscribe(sink) {
              if (!socket) {
                sink.error(new Error("not signed in"));
                return { unsubscribe: () => {} };
              }
              const unsubscribe = socket.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
}
