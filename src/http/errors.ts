// How errors leave the API: AppErrors (and other GraphQL errors that carry a code) pass as
// they are; Pothos' argument validation becomes BAD_USER_INPUT; everything else is logged
// and replaced by a bare INTERNAL_SERVER_ERROR with no message, stack or SQL.
import { PothosValidationError } from "@pothos/core";
import { GraphQLError } from "graphql";
import type { Logger } from "../logger.js";
import { scrubSecrets } from "../logger.js";
import { ErrorCode } from "../errors.js";

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
      if (typeof code === "string") return error instanceof GraphQLError ? error : cause;
      // Parse, validation and variable-coercion errors from graphql-js, and yoga's HTTP errors.
      const http = cause.extensions["http"] as { status?: number } | undefined;
      const derived = (http?.status && HTTP_CODES[http.status]) || ErrorCode.BAD_USER_INPUT;
      return new GraphQLError(cause.message, { ...where, extensions: { ...cause.extensions, code: derived } });
    }
    log.error({ err: cause, path: located?.path?.join(".") }, scrubSecrets(`unexpected error: ${String((cause as Error)?.message ?? cause)}`));
    return new GraphQLError(message, { ...where, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } });
  };
}
