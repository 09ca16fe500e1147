// src/correlation.ts: request ids and W3C trace context made for a request that brings none.
import { describe, expect, it } from "vitest";
import { correlationFrom, traceparentOf } from "../src/correlation.js";

describe("correlationFrom", () => {
  it("makes well-formed, distinct trace and span ids, also across refills of its random pool", () => {
    // 1,000 correlations use 24,000 random bytes: several refills of the 4 KB pool.
    const made = Array.from({ length: 1000 }, () => correlationFrom(null, null));
    for (const c of made) {
      expect(c.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(c.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(traceparentOf(c)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
    expect(new Set(made.map((c) => c.traceId)).size).toBe(1000);
    expect(new Set(made.map((c) => c.spanId)).size).toBe(1000);
    expect(new Set(made.map((c) => c.requestId)).size).toBe(1000);
  });

  it("keeps a well-formed incoming request id and trace id, with a span of its own", () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const c = correlationFrom("req-1", `00-${traceId}-00f067aa0ba902b7-01`);
    expect(c).toMatchObject({ requestId: "req-1", traceId });
    expect(c.spanId).not.toBe("00f067aa0ba902b7");
    // An all-zero trace id is invalid (W3C) and replaced.
    expect(correlationFrom(null, `00-${"0".repeat(32)}-00f067aa0ba902b7-01`).traceId).not.toBe("0".repeat(32));
  });
});
