// Turns zod validation failures into BAD_USER_INPUT errors that name the offending field.
import type { z } from "zod";
import { badInput } from "../errors.js";

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, path = "input"): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = [path, ...(issue?.path ?? []).map(String)].join(".");
  throw badInput(field, issue?.message ?? "invalid value");
}
