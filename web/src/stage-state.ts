// What a stage of the latest ad run shows. The generation itself (status, progress, error) lives
// in graphcache, written by whichever answer came last: a subscription event's `generation`, or
// a refetch of the page. A refetch read before an event but answered after it would put an older
// copy back, and with nothing newer to come (the stage is done) the page would keep it. Every
// status or progress change of a generation is an event, in sequence order, so the stage's
// latest event wins when it is newer than the generation the cache holds.
import type { EventFieldsFragment, GenerationStatus } from "./gql/graphql.js";

interface Stage {
  status: GenerationStatus;
  progress: number;
  /** When the generation was last written (the server's clock, as the events' `at`). */
  updatedAt: string;
}

/** `stage`, with the status and progress of its latest event in `events` (sequence order) when
 *  that event was written after the copy of the generation the page holds. */
export function currentStage<S extends Stage>(stage: S, events: readonly EventFieldsFragment[]): S {
  const latest = events.at(-1);
  if (!latest || Date.parse(latest.at) <= Date.parse(stage.updatedAt)) return stage;
  return { ...stage, status: latest.status, progress: latest.progress };
}
