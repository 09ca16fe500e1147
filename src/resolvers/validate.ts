// Turns zod validation failures into BAD_USER_INPUT errors that name the offending field.
import type { z } from "zod";
import { badInput } from "../errors.js";

// PostgreSQL text cannot hold NUL; an unpaired UTF-16 surrogate cannot be encoded as UTF-8.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path of the first string (at any depth) that cannot be stored, if any. */
function unstorable(value: unknown, path: string): string | null {
  if (typeof value === "string") return UNSTORABLE.test(value) ? path : null;
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const found = unstorable(v, `${path}.${k}`);
      if (found) return found;
    }
  }
  return null;
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, path = "input"): z.output<S> {
  const bad = unstorable(input, path);
  if (bad) throw badInput(bad, "contains a character that cannot be stored (NUL or an unpaired surrogate)");
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = [path, ...(issue?.path ?? []).map(String)].join(".");
  throw badInput(field, issue?.message ?? "invalid value");
}
