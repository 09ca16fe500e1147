// Every code a FAILED or CANCELLED lyric, song or video can carry (Generation.errorCode), with
// what it means: the GraphQL enum GenerationErrorCode is built from this list, so a new code
// must be added (and documented) here. Provider codes come from providers/errors.ts.
import type { ProviderErrorCode } from "../providers/errors.js";

type GenerationOnlyCode =
  | "CANCELLED"
  | "UPSTREAM_FAILED"
  | "UPSTREAM_CANCELLED"
  | "GENERATION_TIMEOUT"
  | "FAILED_PRECONDITION"
  | "INTERNAL_ERROR"
  | "OTHER";

export const GENERATION_ERROR_CODES: Record<ProviderErrorCode | GenerationOnlyCode, string> = {
  CANCELLED: "Cancelled by the user (cancelGeneration). Retry to run it again.",
  UPSTREAM_FAILED: "The stage this one builds on (the lyrics for a song, the song for a video) failed; retry that one.",
  UPSTREAM_CANCELLED: "The stage this one builds on was cancelled.",
  GENERATION_TIMEOUT: "The provider did not finish within the time allowed. Retrying is safe.",
  FAILED_PRECONDITION: "Something it needs is gone (the lyrics, the song, or every photo was deleted).",
  INTERNAL_ERROR: "An error on castad's side (details in the server log). Retrying is safe.",
  OTHER: "A code this version of the API does not know (from a newer or older server).",
  PROVIDER_RATE_LIMITED: "The provider asked us to slow down and retries ran out. Try again in a moment.",
  PROVIDER_UNAVAILABLE: "The provider is unavailable (5xx, connection refused). Try again later.",
  PROVIDER_TIMEOUT: "The provider did not answer in time.",
  PROVIDER_BAD_RESPONSE: "The provider answered with something we could not read.",
  PROVIDER_AUTH: "The provider refused our credentials (an operator must fix the API key).",
  PROVIDER_REJECTED: "The provider refused the request as invalid.",
  PROVIDER_NOT_FOUND: "The provider no longer knows the task or file.",
  PROVIDER_QUOTA: "The provider account is out of credits or quota (not retried: an operator must top it up).",
  LYRICS_REFUSED: "The language model declined to write lyrics for this store description.",
  LYRICS_MALFORMED: "The lyrics came back incomplete or not in the expected shape.",
  SUNO_SENSITIVE_WORD: "Suno's content filter rejected a word in the lyrics: change them and retry.",
  SUNO_CONTENT_REJECTED: "Suno rejected the lyrics or the style.",
  SUNO_GENERATE_FAILED: "Suno could not make the song.",
  SUNO_PROMPT_TOO_LONG: "The lyrics are longer than the Suno model accepts.",
  SUNO_INVALID_REQUEST: "Suno refused the request as incomplete or invalid.",
  SUNO_NO_TRACK: "Suno finished without a playable track.",
  SUNO_DOWNLOAD_FAILED: "Suno could not download a file it needed (code 451); each retry submits a new task.",
  VIDEO_TEMPLATE_NOT_FOUND: "The Creatomate template does not exist.",
  VIDEO_TEMPLATE_INCOMPATIBLE: "The Creatomate template has no image or music slots to fill.",
  VIDEO_NO_IMAGES: "The project has no photos to put in the video.",
  VIDEO_RENDER_FAILED: "Creatomate could not render the video.",
  VIDEO_RENDER_CANCELLED: "The render was cancelled at Creatomate.",
  MEDIA_NOT_FOUND: "A generated file was gone from the provider before we could copy it.",
  MEDIA_TOO_LARGE: "A generated file is larger than we store.",
  MEDIA_DOWNLOAD_FAILED: "A generated file could not be downloaded from the provider.",
  STORAGE_FAILED: "The file could not be written to storage.",
};

export type GenerationErrorCode = keyof typeof GENERATION_ERROR_CODES;

/** The stored code as the enum has it; a code missing from the list is OTHER. */
export const toGenerationErrorCode = (code: string | null): GenerationErrorCode | null =>
  code === null ? null : code in GENERATION_ERROR_CODES ? (code as GenerationErrorCode) : "OTHER";
