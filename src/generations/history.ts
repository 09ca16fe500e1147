// Every status or progress change of a generation is one GenerationEvent, written atomically
// with the row change (one statement, or one transaction when more writes go with it) and
// published once that has committed.
import { PREPARED, Prisma, type PrismaClient } from "../db/client.js";
import type { EventBus } from "../events/bus.js";
import type { GenerationEventMessage } from "../events/message.js";
import { updateRowReturning, type Kind, type Patch, type RowFor, type Status, type Tx } from "./stages.js";
import { writeStatus } from "./status-write.js";

interface EventInput {
  projectId: string;
  kind: Kind;
  generationId: string;
  status: Status;
  progress: number;
  message: string | null;
}

/** Appends an event with the project's next sequence number. The UPDATE takes the project
 *  row's lock, so concurrent writers for one project get consecutive, unique sequences. One
 *  statement (a status write is on every subscriber's critical path): bump, then insert;
 *  prepared (db/client.ts), which took it from 0.37–0.46 to 0.23–0.29 ms in PostgreSQL. */
export async function appendEvent(tx: Tx, input: EventInput): Promise<GenerationEventMessage> {
  const rows = await tx.$queryRaw<{ sequence: number; created_at: Date }[]>`${Prisma.raw(PREPARED)}
    WITH next AS (
      UPDATE projects SET event_sequence = event_sequence + 1, updated_at = now()
      WHERE id = ${input.projectId}::uuid RETURNING event_sequence)
    INSERT INTO generation_events (project_id, sequence, kind, generation_id, status, progress, message)
    SELECT ${input.projectId}::uuid, event_sequence, ${input.kind}::"GenerationKind", ${input.generationId}::uuid,
           ${input.status}::"GenerationStatus", ${input.progress}, ${input.message}
    FROM next
    RETURNING sequence, created_at`;
  const row = rows[0];
  if (!row) throw new Error(`project ${input.projectId} of an event is missing`);
  return toMessage({ ...input, sequence: row.sequence, createdAt: row.created_at });
}

/** A stored GenerationEvent as it travels (JSON-safe). */
export function toMessage(row: EventInput & { sequence: number; createdAt: Date }): GenerationEventMessage {
  return {
    sequence: row.sequence,
    projectId: row.projectId,
    kind: row.kind,
    generationId: row.generationId,
    status: row.status,
    progress: row.progress,
    message: row.message,
    at: row.createdAt.toISOString(),
  };
}

export interface HistoryDeps {
  prisma: PrismaClient;
  events: EventBus;
}

interface TransitionInput<K extends Kind> {
  kind: K;
  id: string;
  /** The change happens only while the row is in one of these statuses. */
  from: Status[];
  /** ...and only while the row is on this attempt (workers always pass the attempt they run). */
  attempt?: number;
  data: Patch<K>;
  message: string | null;
  /** More writes that must commit with this change (e.g. ending later stages of a chain). */
  also?: (tx: Tx, row: RowFor<K>) => Promise<GenerationEventMessage[]>;
}

/** Runs `write` in one transaction and publishes the events it appended once it has
 *  committed (never before: a listener must be able to read what an event announces). */
export async function commit<T>(
  deps: HistoryDeps,
  write: (tx: Tx) => Promise<{ result: T; events: GenerationEventMessage[] } | null>,
  options?: { maxWait?: number },
): Promise<T | null> {
  const done = await deps.prisma.$transaction(write, options);
  if (!done) return null;
  for (const event of done.events) deps.events.publish(event);
  return done.result;
}

/** Applies a guarded change and its event atomically, then publishes. Returns the updated
 *  row, or null when the row had already left `from` (e.g. cancelled meanwhile). A change with
 *  no further writes is one statement (status-write.ts); with `also`, one transaction. */
export async function transition<K extends Kind>(deps: HistoryDeps, input: TransitionInput<K>): Promise<RowFor<K> | null> {
  if (!input.also) {
    const done = await writeStatus(deps.prisma, input);
    if (!done) return null;
    const { row } = done;
    deps.events.publish(
      toMessage({ projectId: row.projectId, kind: input.kind, generationId: row.id, status: row.status, progress: row.progress, message: input.message, sequence: done.sequence, createdAt: done.createdAt }),
    );
    return row;
  }
  return commit(deps, async (tx) => {
    const row = await updateRowReturning(tx, input.kind, input.id, input.from, input.data, input.attempt);
    if (!row) return null;
    const events = [
      await appendEvent(tx, {
        projectId: row.projectId,
        kind: input.kind,
        generationId: row.id,
        status: row.status,
        progress: row.progress,
        message: input.message,
      }),
    ];
    if (input.also) events.push(...(await input.also(tx, row)));
    return { result: row, events };
  });
}
