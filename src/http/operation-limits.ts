// What one operation may cost, checked before it runs, by maintained libraries:
// - GraphQL Armor caps tokens (while parsing: a huge document is cut off early), aliases and
//   directives;
// - @pothos/plugin-complexity adds up cost with list multipliers (src/schema/complexity.ts) and
//   depth. Both memoise fragments, so validation is linear in the document: the fragment bomb
//   (each fragment spreading the previous one twice) costs microseconds to refuse.
// Every refusal is QUERY_TOO_COMPLEX with the measured value and the limit. Introspection is
// priced like any query but its `__schema` subtree counts as one field (GraphiQL needs it).
// A request that passes and still runs too long (or whose client went away) is aborted.
import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { createComplexityRule } from "@pothos/plugin-complexity";
import { getOperationAST, validate, type DocumentNode, type GraphQLError, type ValidationContext } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Config } from "../config.js";
import { ErrorCode, tooComplex } from "../errors.js";

type Limits = Pick<
  Config,
  "QUERY_MAX_COST" | "QUERY_MAX_DEPTH" | "QUERY_MAX_ALIASES" | "QUERY_MAX_TOKENS" | "QUERY_MAX_DIRECTIVES" | "QUERY_TIMEOUT_MS"
>;

/** Armor reports "Syntax Error: Aliases limit of 30 exceeded, found 500."; we report it coded. */
function armorRejection(limit: string) {
  return (ctx: ValidationContext | null, error: GraphQLError) => {
    const coded = tooComplex(error.message.replace(/^Syntax Error: /, ""), { limit });
    if (!ctx) throw coded; // the token limit fires inside the parser: abort the parse
    ctx.reportError(coded);
  };
}

/** Operations the cost and depth rule let pass, by document and then by operation name and
 *  variables (what the cost reads besides the document: pages come from `first`/`last`).
 *  yoga's parse cache hands the same document object for the same query text, so an operation
 *  sent again — a list page, a client's poll, `{ __typename }` — is walked once, not per request
 *  (the walk was 6 % of a `{ __typename }` request's CPU). Refusals are not kept: each is walked
 *  again (microseconds, fragments memoised), so no error object is shared between answers.
 *  Bounded: a key longer than MAX_KEY is not kept, and a document's entries start over past
 *  MAX_PER_DOCUMENT; documents go with yoga's cache (weak). */
function passedOperations() {
  const MAX_KEY = 1024;
  const MAX_PER_DOCUMENT = 64;
  const byDocument = new WeakMap<DocumentNode, Set<string>>();
  return {
    /** The key an operation is remembered by; null when it is too long to keep. */
    keyOf: (operationName: string | undefined, variables: Record<string, unknown>) => {
      const key = `${operationName ?? ""}\u0000${JSON.stringify(variables)}`;
      return key.length <= MAX_KEY ? key : null;
    },
    has: (document: DocumentNode, key: string | null) => key !== null && byDocument.get(document)?.has(key) === true,
    add: (document: DocumentNode, key: string | null) => {
      if (key === null) return;
      let passed = byDocument.get(document);
      if (!passed || passed.size >= MAX_PER_DOCUMENT) byDocument.set(document, (passed = new Set()));
      passed.add(key);
    },
  };
}

export function useOperationLimits(config: Limits): Plugin[] {
  const passed = passedOperations();
  const armor = (limit: string, n: number) => ({
    n,
    onReject: [armorRejection(limit)],
    propagateOnRejection: false,
  });
  return [
    EnvelopArmorPlugin({
      maxTokens: armor("tokens", config.QUERY_MAX_TOKENS),
      maxAliases: armor("aliases", config.QUERY_MAX_ALIASES),
      maxDirectives: armor("directives", config.QUERY_MAX_DIRECTIVES),
      // Depth and cost come from the complexity rule below (with list multipliers).
      maxDepth: { enabled: false },
      costLimit: { enabled: false },
      // Field suggestions help GraphiQL users; the schema is public anyway.
      blockFieldSuggestion: { enabled: false },
    }) as Plugin,
    {
      // Cost and depth only for documents the standard rules accepted: unknown fields and bad
      // variables keep their usual errors (the complexity rule would report them again).
      onValidate({ params, context }) {
        return ({ valid, setResult }) => {
          if (!valid) return;
          const request = (context as { params?: { variables?: Record<string, unknown>; operationName?: string } }).params;
          const variables = request?.variables ?? {};
          const operationName = request?.operationName ?? undefined;
          const key = passed.keyOf(operationName, variables);
          if (passed.has(params.documentAST, key)) return;
          const rule = createComplexityRule({
            variableValues: variables,
            operationName,
            context,
            validate: (result, report) => {
              if (result.depth > config.QUERY_MAX_DEPTH) {
                report(
                  tooComplex(`the operation is nested ${result.depth} levels deep; the limit is ${config.QUERY_MAX_DEPTH}`, {
                    limit: "depth",
                    depth: result.depth,
                    maxDepth: config.QUERY_MAX_DEPTH,
                  }),
                );
              } else if (result.complexity > config.QUERY_MAX_COST) {
                report(
                  tooComplex(
                    `the operation could cost ${result.complexity} (fields times the items of each list); the limit is ${config.QUERY_MAX_COST}: ask for smaller pages or fewer nested lists`,
                    { limit: "cost", cost: result.complexity, maxCost: config.QUERY_MAX_COST },
                  ),
                );
              }
            },
          });
          const refused = validate(params.schema, params.documentAST, [rule]).filter((e) => e.extensions["code"] === ErrorCode.QUERY_TOO_COMPLEX);
          if (refused.length) setResult(refused);
          else passed.add(params.documentAST, key);
        };
      },
    },
    executionDeadline(config.QUERY_TIMEOUT_MS),
  ];
}

/** Aborts a query when its client disconnects (yoga's request signal) or after `ms`: the
 *  executor stops resolving further fields and the answer is QUERY_TOO_COMPLEX (limit "time").
 *  Mutations are not cut short by the clock (their effects would happen anyway, unreported);
 *  subscriptions are long-lived by design: both get the disconnect signal only. */
function executionDeadline(ms: number): Plugin {
  const signalOf = (contextValue: unknown) => (contextValue as { request?: Request } | undefined)?.request?.signal;
  return {
    onExecute({ args }) {
      const disconnect = signalOf(args.contextValue);
      const operation = getOperationAST(args.document, args.operationName);
      if (ms <= 0 || operation?.operation !== "query") {
        if (disconnect) (args as { signal?: AbortSignal }).signal = disconnect;
        return;
      }
      const deadline = new AbortController();
      const timer = setTimeout(
        () => deadline.abort(tooComplex(`the operation ran longer than ${ms} ms and was stopped: ask for less`, { limit: "time", maxMs: ms })),
        ms,
      );
      disconnect?.addEventListener("abort", () => deadline.abort(disconnect.reason), { once: true });
      (args as { signal?: AbortSignal }).signal = deadline.signal;
      return { onExecuteDone: () => clearTimeout(timer) };
    },
    onSubscribe({ args }) {
      const signal = signalOf(args.contextValue);
      if (signal) (args as { signal?: AbortSignal }).signal = signal;
    },
  };
}
