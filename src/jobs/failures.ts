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

/** The provider ended the task with an error that a NEW task may not have (Suno 451: a file it
 *  needed could not be downloaded). The task id is cleared, so the next attempt submits again;
 *  it counts as a failed attempt (bounded by JOB_ATTEMPTS), unlike a failed look at a task. */
export class ProviderTaskFailed extends StepFailure {
  constructor(code: string, userMessage: string) {
    super(code, userMessage, true);
    this.name = "ProviderTaskFailed";
  }
}

export function describeFailure(err: unknown): FailureInfo {
  if (err instanceof StepFailure) return { code: err.code, message: err.userMessage, retryable: err.retryable };
  if (isProviderError(err)) {
    return {
      code: err.code,
      message: err.userMessage,
      retryable: err.retryable,
      retryAfterMs: err.retryAfterMs,
    };
  }
  if (err instanceof BlobTooLargeError) {
    return { code: "MEDIA_TOO_LARGE", message: "The generated file is larger than we can store.", retryable: false };
  }
  // Also the final message once the attempts are used up: it must not promise another try.
  return { code: "INTERNAL_ERROR", message: "Something went wrong on our side.", retryable: true };
}
