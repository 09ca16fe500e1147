// Turns any error into what a user may read (code + message) and whether to try again.
// Raw error messages are never stored: they can carry URLs, SQL or provider text.
import { isProviderError } from "../providers/index.js";
import { BlobTooLargeError } from "../storage/blob-storage.js";

export interface FailureInfo {
  code: string;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
}

/** A failure decided by our own rules (preconditions, timeouts), never retried. */
export class StepFailure extends Error {
  constructor(
    readonly code: string,
    readonly userMessage: string,
    readonly retryable = false,
  ) {
    super(`${code}: ${userMessage}`);
    this.name = "StepFailure";
  }
}

export function describeFailure(err: unknown): FailureInfo {
  if (err instanceof StepFailure) return { code: err.code, message: err.userMessage, retryable: err.retryable };
  if (isProviderError(err)) {
    return {
      code: err.code,
      message: err.userMessage,
      retryable: err.retryable,
      ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
    };
  }
  if (err instanceof BlobTooLargeError) {
    return { code: "MEDIA_TOO_LARGE", message: "The generated file is larger than we can store.", retryable: false };
  }
  // Also the final message once the attempts are used up: it must not promise another try.
  return { code: "INTERNAL_ERROR", message: "Something went wrong on our side.", retryable: true };
}
