// One request id and W3C trace context per request, carried through everything that request
// causes: AsyncLocalStorage holds them while it runs, the logger adds them to every line,
// queues.ts copies them into the job data, and the worker restores them around the job.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes, randomUUID } from "node:crypto";

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

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** From an incoming `x-request-id` and `traceparent` (kept when well-formed) or made anew. */
export function correlationFrom(requestId: string | undefined | null, traceparent: string | undefined | null): Correlation {
  const trace = traceparent ? TRACEPARENT.exec(traceparent.trim()) : null;
  const traceId = trace && !/^0+$/.test(trace[1]!) ? trace[1]! : randomBytes(16).toString("hex");
  return {
    requestId: requestId && REQUEST_ID.test(requestId) ? requestId : randomUUID(),
    traceId,
    spanId: randomBytes(8).toString("hex"),
  };
}

/** The `traceparent` header for this hop (sampled). */
export const traceparentOf = (c: Pick<Correlation, "traceId" | "spanId">) => `00-${c.traceId}-${c.spanId}-01`;
