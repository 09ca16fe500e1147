// The one schema builder, with exactly the plugins castad uses: scope-auth (who may call what),
// Prisma (types and root fields folded into Prisma queries) and Relay (nodes, global ids,
// connections).
import SchemaBuilder, { PothosValidationError } from "@pothos/core";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import PrismaPlugin from "@pothos/plugin-prisma";
import RelayPlugin, { decodeGlobalID } from "@pothos/plugin-relay";
import ComplexityPlugin from "@pothos/plugin-complexity";
import "./sync-global-id.js";
import type PrismaTypes from "../generated/pothos-types.js";
import { getDatamodel } from "../generated/pothos-types.js";
import type { Context, SignedInContext } from "../http/context.js";
import { unauthenticatedFor } from "../http/context.js";
import { isUuid } from "../ids.js";
import { fieldCost } from "./complexity.js";
import { badInput } from "../errors.js";

/** The largest page a connection hands out. Asking for more is refused, never silently cut:
 *  a client (or a benchmark) must not believe it got everything when it did not. */
export const MAX_PAGE_SIZE = 100;

function maxPageSize(args: { first?: number | null; last?: number | null }): number {
  for (const name of ["first", "last"] as const) {
    const n = args[name];
    if (n != null && n > MAX_PAGE_SIZE) throw badInput(name, `must be at most ${MAX_PAGE_SIZE} (asked for ${n}); page with \`after\``);
  }
  return MAX_PAGE_SIZE;
}

export const builder = new SchemaBuilder<{
  PrismaTypes: PrismaTypes;
  Context: Context;
  AuthScopes: { signedIn: boolean };
  AuthContexts: { signedIn: SignedInContext };
  DefaultFieldNullability: false;
  // Every connection carries its total (a number, or a function counting on demand).
  Connection: { totalCount: number | (() => number | Promise<number>) };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    File: { Input: File; Output: never };
  };
}>({
  // scope-auth first, so that its checks wrap every other plugin's resolvers.
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin, ComplexityPlugin],
  // Costs only (no resolver wrapping): the limits are checked at validation by
  // src/http/operation-limits.ts.
  complexity: { fieldComplexity: fieldCost, disabled: true },
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({ signedIn: ctx.viewer !== null }),
    // A missing, expired or invalid token is UNAUTHENTICATED with a message saying which.
    unauthorizedError: (_parent, ctx) => unauthenticatedFor(ctx),
    // Subscriptions are checked once, before any event flows (not per event).
    authorizeOnSubscribe: true,
  },
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
    nodeQueryOptions: { nullable: true },
    nodesQueryOptions: false,
    // Every row id is a uuid: a global id with anything else inside is refused here, for every
    // globalID argument and node(id) alike, before it can reach a uuid column.
    decodeGlobalID: (globalID) => {
      const decoded = decodeGlobalID(globalID);
      if (!isUuid(decoded.id)) throw new PothosValidationError(`Invalid global ID: ${globalID}`);
      return { typename: decoded.typename, id: decoded.id.toLowerCase() };
    },
  },
  prisma: {
    // Each request may use its own client in tests; the services carry it.
    client: (ctx) => ctx.services.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
    // The builder option is typed as a number, but it is only the default of each connection's
    // `maxSize`, which plugin-prisma calls with the field's args when it is a function.
    maxConnectionSize: maxPageSize as unknown as number,
    defaultConnectionSize: 20,
  },
});

builder.globalConnectionField("totalCount", (t) =>
  t.int({
    description: "How many there are in all (independent of the page asked for).",
    resolve: (parent) => (typeof parent.totalCount === "function" ? parent.totalCount() : parent.totalCount),
  }),
);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
