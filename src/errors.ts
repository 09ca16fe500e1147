// The one error family. Everything a client may see is an AppError (a GraphQLError with an
// extensions.code); anything else is masked by yoga as INTERNAL_SERVER_ERROR.
import { GraphQLError } from "graphql";

export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FAILED_PRECONDITION: "FAILED_PRECONDITION",
  ALREADY_PROCESSING: "ALREADY_PROCESSING",
  RATE_LIMITED: "RATE_LIMITED",
  /** The operation costs more than the limits allow (cost, depth, aliases, tokens, directives). */
  QUERY_TOO_COMPLEX: "QUERY_TOO_COMPLEX",
  /** PostgreSQL or Redis is unreachable: retry later (extensions.retryAfterSeconds). */
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  /** A per-user allowance (ads, active generations) is used up. */
  QUOTA_EXCEEDED: "QUOTA_EXCEEDED",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class AppError extends GraphQLError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra } });
    this.code = code;
    this.name = "AppError";
  }
}

export const badInput = (field: string, message: string) =>
  new AppError(ErrorCode.BAD_USER_INPUT, `${field}: ${message}`, { field });
export const notFound = (what: string) => new AppError(ErrorCode.NOT_FOUND, `${what} not found`);
/** `reason` (extensions.reason) tells clients what to do: TOKEN_EXPIRED → refresh; TOKEN_MISSING,
 *  TOKEN_INVALID, SESSION_REVOKED → sign in. */
export const unauthenticated = (message = "sign in first: send Authorization: Bearer <token>", reason?: string) =>
  new AppError(ErrorCode.UNAUTHENTICATED, message, reason ? { reason } : {});
export const forbidden = (message = "not allowed") => new AppError(ErrorCode.FORBIDDEN, message);
export const failedPrecondition = (message: string) => new AppError(ErrorCode.FAILED_PRECONDITION, message);
export const alreadyProcessing = (message: string) => new AppError(ErrorCode.ALREADY_PROCESSING, message);
export const tooComplex = (message: string, extra: Record<string, unknown> = {}) =>
  new AppError(ErrorCode.QUERY_TOO_COMPLEX, message, extra);
