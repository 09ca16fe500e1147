// web/src/stage-state.ts: what a stage of the latest run shows when the page's cached copy of the
// generation and its events disagree.
import { describe, expect, it } from "vitest";
import { currentStage } from "../../web/src/stage-state.js";
import type { EventFieldsFragment } from "../../web/src/gql/graphql.js";

const event = (sequence: number, at: string, status: EventFieldsFragment["status"], progress: number): EventFieldsFragment => ({
  sequence,
  kind: "LYRIC",
  status,
  progress,
  message: null,
  at,
  generationId: "TG9ICmljOjE=",
});

describe("currentStage", () => {
  const processing90 = { id: "l1", status: "PROCESSING" as const, progress: 90, updatedAt: "2026-11-23T10:00:01.000Z", attempt: 1, error: null };

  it("takes the latest event's status and progress when it is newer than the cached generation (a refetch answered late)", () => {
    const events = [event(7, "2026-11-23T10:00:01.000Z", "PROCESSING", 90), event(8, "2026-11-23T10:00:01.250Z", "COMPLETED", 100)];
    expect(currentStage(processing90, events)).toEqual({ ...processing90, status: "COMPLETED", progress: 100 });
  });

  it("keeps the cached generation when it is as new as its latest event or newer", () => {
    // The same write (equal times), and a generation read after its event (a later row).
    expect(currentStage(processing90, [event(7, "2026-11-23T10:00:01.000Z", "PROCESSING", 90)])).toBe(processing90);
    const retried = { ...processing90, status: "QUEUED" as const, progress: 0, attempt: 2, updatedAt: "2026-11-23T10:05:00.000Z" };
    expect(currentStage(retried, [event(9, "2026-11-23T10:02:00.000Z", "FAILED", 40)])).toBe(retried);
    expect(currentStage(processing90, [])).toBe(processing90);
  });
});
