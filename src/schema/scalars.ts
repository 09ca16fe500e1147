import { GraphQLError, Kind } from "graphql";
import { builder } from "./builder.js";

builder.scalarType("DateTime", {
  description: "An ISO-8601 timestamp in UTC, e.g. 2026-11-23T03:39:04.000Z",
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = typeof value === "string" ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) {
      throw new GraphQLError("DateTime must be an ISO-8601 string", { extensions: { code: "BAD_USER_INPUT" } });
    }
    return date;
  },
  parseLiteral: (ast) => {
    const date = ast.kind === Kind.STRING ? new Date(ast.value) : null;
    if (!date || Number.isNaN(date.getTime())) {
      throw new GraphQLError("DateTime must be an ISO-8601 string", { extensions: { code: "BAD_USER_INPUT" } });
    }
    return date;
  },
});

function isFileLike(value: unknown): value is File {
  if (value instanceof File) return true;
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v["name"] === "string" && typeof v["size"] === "number" && typeof v["stream"] === "function";
}

builder.scalarType("File", {
  description: "A file sent with the GraphQL multipart request spec (multipart/form-data).",
  serialize: () => {
    throw new GraphQLError("File is an input-only scalar");
  },
  parseValue: (value) => {
    // yoga's multipart parser hands out @whatwg-node's File ponyfill, not Node's global File,
    // so recognise a file by its shape rather than by instanceof.
    if (!isFileLike(value)) {
      throw new GraphQLError("expected a file sent as a multipart upload", { extensions: { code: "BAD_USER_INPUT" } });
    }
    return value;
  },
});
