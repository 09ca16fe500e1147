// What one field costs when the operation limits (src/http/operation-limits.ts) add up an
// operation before it runs: 1 per field, times how many items a list can hold. A connection
// is priced by the page it asks for (`first`/`last`, else the default page), capped at the
// largest page the server serves; its `edges` are then not multiplied again. Plain lists
// (e.g. Project.songs) have no page size: they count as LIST_ESTIMATE items each.
import { getNamedType, isListType, isNonNullType, type GraphQLField, type GraphQLOutputType } from "graphql";

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;
export const LIST_ESTIMATE = 20;

type Cost = number | { field?: number; multiplier?: number };

const listy = (type: GraphQLOutputType): boolean => isListType(isNonNullType(type) ? type.ofType : type);

export function fieldCost(args: Record<string, unknown>, _ctx: unknown, field: GraphQLField<unknown, never, Record<string, unknown>>): Cost {
  const named = getNamedType(field.type).name;
  const page = typeof args["first"] === "number" ? args["first"] : typeof args["last"] === "number" ? args["last"] : undefined;
  if (named.endsWith("Connection")) return { field: 1, multiplier: Math.min(Math.max(page ?? DEFAULT_PAGE, 1), MAX_PAGE) };
  if (!listy(field.type)) return 1;
  if (named.endsWith("Edge")) return { field: 1, multiplier: 1 };
  return { field: 1, multiplier: page !== undefined ? Math.min(Math.max(page, 1), MAX_PAGE) : LIST_ESTIMATE };
}
