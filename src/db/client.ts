// Prisma 7 runs without a native engine: the client talks to Postgres through `pg`.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.js";

export type { PrismaClient };
export { Prisma } from "../generated/prisma/client.js";

export interface DbOptions {
  url: string;
  poolMax: number;
  /** Called for every SQL statement Prisma sends; used by tests that count queries. */
  onQuery?: (sql: string) => void;
}

export function createPrisma({ url, poolMax, onQuery }: DbOptions): PrismaClient {
  // connectionTimeoutMillis: a stopped PostgreSQL refuses connections at once (SERVICE_UNAVAILABLE
  // within a second); an unreachable one, or a pool busy with a burst, waits at most this long
  // (as long as transactions may wait for a connection) instead of without end.
  const adapter = new PrismaPg({ connectionString: url, max: poolMax, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000 });
  if (!onQuery) return new PrismaClient({ adapter });
  const client = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
  client.$on("query", (e) => onQuery(e.query));
  return client;
}
