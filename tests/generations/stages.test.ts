// The stages table is the one place stage facts live; these check that its entries agree with
// each other and with the steps that run them (a fourth stage added half-way fails here).
import { describe, expect, it } from "vitest";
import { KINDS, kindOfRow, kindOfTypename, STAGES } from "../../src/generations/stages.js";
import { PROVIDER_TASKS, STEPS } from "../../src/jobs/steps/index.js";

describe("the stages table", () => {
  it("chains each stage to the next one, whose upstream it is", () => {
    for (const kind of KINDS) {
      const next = STAGES[kind].next;
      if (next) expect(STAGES[next].upstream?.kind).toBe(kind);
      const up = STAGES[kind].upstream;
      if (up) expect(STAGES[up.kind].next).toBe(kind);
    }
    expect(KINDS.filter((k) => !STAGES[k].upstream)).toEqual(["LYRIC"]);
  });

  it("names queues, typenames, AdRun columns and row markers once each", () => {
    for (const field of ["queue", "typename", "adRunColumn", "marker", "label"] as const) {
      expect(new Set(KINDS.map((k) => STAGES[k][field])).size, field).toBe(KINDS.length);
    }
    for (const kind of KINDS) {
      expect(kindOfTypename(STAGES[kind].typename)).toBe(kind);
      expect(kindOfRow({ [STAGES[kind].marker]: null })).toBe(kind);
    }
    expect(() => kindOfTypename("Project")).toThrow();
  });

  it("gives every stage a step, and every stage with a provider task a webhook and a callback parser", () => {
    expect(Object.keys(STEPS).sort()).toEqual([...KINDS].sort());
    const withProvider = KINDS.filter((k) => STAGES[k].providerId);
    expect(withProvider.filter((k) => !STAGES[k].webhookPath)).toEqual([]);
    expect(PROVIDER_TASKS.map((t) => t.kind).sort()).toEqual(withProvider.sort());
  });
});
