// How errors leave the API: AppErrors (and other GraphQL errors that carry a code) pass as
// they are; Pothos' argument validation becomes BAD_USER_INPUT; everything else is logged
// and replaced by a bare INTERNAL_SERVER_ERROR with no message, stack or SQL.
import { PothosValidationError } from "@pothos/core";
import { GraphQLError, Kind, type ExecutionResult } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Logger } from "../logger.js";
import { scrubSecrets } from "../logger.js";
import { ErrorCode } from "../errors.js";
import { isInfrastructureError, serviceUnavailable } from "../unavailable.js";

const HTTP_CODES: Record<number, string> = {
  400: ErrorCode.BAD_USER_INPUT,
  401: ErrorCode.UNAUTHENTICATED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  405: "METHOD_NOT_ALLOWED",
  406: "NOT_ACCEPTABLE",
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
};

/** Codes yoga gives its own request errors, replaced by ours (by HTTP status) for one vocabulary. */
const YOGA_CODES = new Set(["BAD_REQUEST", "REQUEST_ENTITY_TOO_LARGE"]);
/** Extension keys that could carry internals (yoga puts the JSON parser's error in originalError). */
const INTERNAL_KEYS = ["originalError", "stack", "stacktrace", "exception"];

function rootCause(error: unknown): unknown {
  let current = error;
  while (current instanceof GraphQLError && current.originalError) current = current.originalError;
  return current;
}

export function createMaskError(log: Logger) {
  return (error: unknown, message: string): Error => {
    const located = error instanceof GraphQLError ? error : null;
    const cause = rootCause(error);
    const where = { nodes: located?.nodes, path: located?.path };
    if (cause instanceof PothosValidationError) {
      return new GraphQLError(cause.message, { ...where, extensions: { code: ErrorCode.BAD_USER_INPUT } });
    }
    if (cause instanceof GraphQLError) {
      const code = cause.extensions["code"];
      const leaky = INTERNAL_KEYS.some((k) => k in cause.extensions);
      if (typeof code === "string" && !YOGA_CODES.has(code) && !leaky) return error instanceof GraphQLError ? error : cause;
      // Parse, validation and variable-coercion errors from graphql-js, and yoga's HTTP errors
      // (whose codes, e.g. REQUEST_ENTITY_TOO_LARGE, become ours, e.g. PAYLOAD_TOO_LARGE).
      let http = cause.extensions["http"] as { status?: number } | undefined;
      // A streamed (chunked) multipart body that crosses maxRequestBodySize reaches us re-wrapped
      // by yoga's multipart parser as a 400 "invalid multipart data: Request body too large".
      if (code === "BAD_REQUEST" && /\b(?:Request body too large|request body is larger than \d+ bytes)$/.test(cause.message)) {
        http = { ...http, status: 413 };
      }
      const derived =
        typeof code === "string" && !YOGA_CODES.has(code)
          ? code
          : (http?.status && HTTP_CODES[http.status]) || ErrorCode.BAD_USER_INPUT;
      const extensions: Record<string, unknown> = { ...cause.extensions, ...(http ? { http } : {}), code: derived };
      for (const k of INTERNAL_KEYS) delete extensions[k];
      return new GraphQLError(cause.message, { ...where, extensions });
    }
    if (isInfrastructureError(cause)) {
      // An outage, not a bug: the client should retry later (Retry-After), and can tell.
      log.warn({ path: located?.path?.join("."), err: scrubSecrets(String((cause as Error)?.message ?? cause)) }, "database or redis unavailable");
      const unavailable = serviceUnavailable();
      return new GraphQLError(unavailable.message, { ...where, extensions: unavailable.extensions });
    }
    log.error({ err: cause, path: located?.path?.join(".") }, scrubSecrets(`unexpected error: ${String((cause as Error)?.message ?? cause)}`));
    return new GraphQLError(message, { ...where, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } });
  };
}

const BAD_GLOBAL_ID = /^(?:Invalid global ID: (.*)|ID: (.*) is not of type: .*)$/s;

/** The relay plugin refuses a malformed or wrong-type global id with a message that does not
 *  say which argument it was; this names it in `extensions.field`, as every other
 *  BAD_USER_INPUT does, by finding the argument (literal or variable) that carried that id. */
export function useGlobalIdErrorField(): Plugin {
  const name = (errors: readonly GraphQLError[], variables: Record<string, unknown> | undefined) =>
    errors.map((error) => {
      const raw = BAD_GLOBAL_ID.exec(error.message);
      const field = error.nodes?.[0];
      if (!raw || !field || field.kind !== Kind.FIELD || error.extensions["field"]) return error;
      const id = raw[1] ?? raw[2];
      const arg = field.arguments?.find((a) =>
        a.value.kind === Kind.VARIABLE ? variables?.[a.value.name.value] === id : a.value.kind === Kind.STRING && a.value.value === id,
      );
      if (!arg) return error;
      return new GraphQLError(`${arg.name.value}: is not a valid id`, {
        nodes: error.nodes,
        path: error.path,
        extensions: { ...error.extensions, field: arg.name.value },
      });
    });
  const onDone = (variables: Record<string, unknown> | undefined) => ({
    onExecuteDone: ({ result, setResult }: { result: unknown; setResult: (r: ExecutionResult) => void }) => {
      const r = result as ExecutionResult;
      if (r && typeof r === "object" && "errors" in r && r.errors?.length) setResult({ ...r, errors: name(r.errors, variables) });
    },
  });
  return {
    onExecute: ({ args }) => onDone(args.variableValues ?? undefined),
    onSubscribe: ({ args }) => ({
      onSubscribeResult: ({ result, setResult }) => {
        const r = result as ExecutionResult;
        if (r && typeof r === "object" && "errors" in r && r.errors?.length) setResult({ ...r, errors: name(r.errors, args.variableValues ?? undefined) });
      },
    }),
  };
}
