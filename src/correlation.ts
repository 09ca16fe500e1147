// One request id and W3C trace context per request, carried through everything that request
// causes: AsyncLocalStorage holds them while it runs, the logger adds them to every line,
// queues.ts copies them into the job data, and the worker restores them around the job.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomFillSync, randomUUID } from "node:crypto";

export interface Correlation {
  requestId: string;
  /** W3C trace id (32 hex) shared by the request and every job it starts. */
  traceId: string;
  /** This hop's span id (16 hex). */
  spanId: string;
}

const storage = new AsyncLocalStorage<Correlation>();

export const currentCorrelation = (): Correlation | undefined => storage.getStore();

export function withCorrelation<T>(correlation: Correlation, fn: () => T): T {
  return storage.run(correlation, fn);
}

// Trace and span ids come from a pool of random bytes refilled 4 KB at a time, each byte used
// once (node's randomUUID does the same): a call for fresh random bytes per id was a twelfth of
// the CPU of a small request.
const pool = Buffer.alloc(4096);
let used = pool.length;
function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += bytes;
  return pool.toString("hex", used - bytes, used);
}

/** Makes `correlation` current for the rest of the running function and everything it awaits
 *  afterwards (AsyncLocalStorage.enterWith), for a caller that runs a long loop of its own:
 *  graphql-ws iterates a subscription in the async function that asked for it. Only call it
 *  where that function has awaited before (its own continuation), never at the top of an event
 *  handler, whose later events would inherit it. */
export function enterCorrelation(correlation: Correlation): void {
  storage.enterWith(correlation);
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** From an incoming `x-request-id` and `traceparent` (kept when well-formed) or made anew. */
export function correlationFrom(requestId: string | undefined | null, traceparent: string | undefined | null): Correlation {
  const trace = traceparent ? TRACEPARENT.exec(traceparent.trim()) : null;
  const traceId = trace && !/^0+$/.test(trace[1]!) ? trace[1]! : randomHex(16);
  return {
    requestId: requestId && REQUEST_ID.test(requestId) ? requestId : newRequestId(),
    traceId,
    spanId: randomHex(8),
  };
}

/** A UUID as one flat string. Node's randomUUID() joins it from two-character pieces: a chain
 *  of cons strings, about 490 bytes of heap against 64 for the copy, which every open
 *  subscription keeps for its life (its correlation). */
function newRequestId(): string {
  return Buffer.from(randomUUID(), "latin1").toString("latin1");
}

/** The `traceparent` header for this hop (sampled). */
export const traceparentOf = (c: Pick<Correlation, "traceId" | "spanId">) => `00-${c.traceId}-${c.spanId}-01`;
