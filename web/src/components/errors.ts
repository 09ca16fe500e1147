import type { CombinedError } from "urql";

/** The server's message for the user (the API's messages are written for people). */
export function errorText(error: CombinedError | Error | null | undefined, fallback: string): string | null {
  if (!error) return null;
  if ("graphQLErrors" in error && error.graphQLErrors.length) return error.graphQLErrors.map((e) => e.message).join(" ");
  if ("networkError" in error && error.networkError) return fallback;
  return error.message || fallback;
}
