// CSRF prevention for the requests a browser sends without a CORS preflight: a form can post
// multipart/form-data, urlencoded or text/plain bodies cross-site, so those must carry one of
// these headers (any value), which a cross-site form cannot set. JSON requests are preflighted by
// the browser anyway. (The same rule as yoga's CSRF prevention plugin, with the header names
// Apollo, yoga and older clients send, and an error with a code.)
import type { Plugin } from "graphql-yoga";
import { AppError, ErrorCode } from "../errors.js";

export const CSRF_HEADERS = ["x-graphql-yoga-csrf", "apollo-require-preflight", "graphql-require-preflight"] as const;
const SIMPLE_CONTENT_TYPES = ["multipart/form-data", "application/x-www-form-urlencoded", "text/plain"];

export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      if (request.method !== "POST") return;
      const type = request.headers.get("content-type")?.toLowerCase() ?? "text/plain";
      if (!SIMPLE_CONTENT_TYPES.some((t) => type.startsWith(t))) return;
      if (CSRF_HEADERS.some((h) => request.headers.has(h))) return;
      throw new AppError(
        ErrorCode.FORBIDDEN,
        `a ${type.split(";")[0]} request must carry one of the headers ${CSRF_HEADERS.join(", ")} (CSRF prevention); any value will do`,
        { http: { status: 403 }, reason: "CSRF_HEADER_REQUIRED" },
      );
    },
  };
}
