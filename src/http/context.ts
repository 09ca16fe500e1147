// Builds a request's Context from its Authorization header (HTTP/SSE) or the
// graphql-ws connectionParams.authorization value.
import type { Context, Services } from "../context.js";
import { bearerToken, verifyToken } from "../auth/tokens.js";
import { createLoaders } from "../loaders/index.js";

export async function contextFromAuthorization(services: Services, authorization: unknown): Promise<Context> {
  const base = { services, loaders: createLoaders(services.prisma) };
  const token = bearerToken(authorization);
  if (authorization !== undefined && authorization !== null && authorization !== "" && !token) {
    return { ...base, viewer: null, authFailure: "invalid" };
  }
  if (!token) return { ...base, viewer: null, authFailure: null };
  const check = await verifyToken(services.config, token);
  return check.ok
    ? { ...base, viewer: { id: check.userId }, authFailure: null }
    : { ...base, viewer: null, authFailure: check.reason };
}
