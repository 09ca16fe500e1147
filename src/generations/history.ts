// Every status or progress change of a generation is one GenerationEvent, written in the same
// transaction as the row change and published once the transaction has committed.
import type { PrismaClient } from "../db/client.js";
import type { EventBus, GenerationEventMessage } from "../jobs/events.js";
import { findRow, updateRow, type Kind, type PatchFor, type RowFor, type Status, type Tx } from "./kinds.js";

export interface EventInput {
  projectId: string;
  kind: Kind;
  generationId: string;
  status: Status;
  progress: number;
  message: string | null;
}

/** Appends an event with the project's next sequence number. The UPDATE takes the project
 *  row's lock, so concurrent writers for one project get consecutive, unique sequences. */
export async function appendEvent(tx: Tx, input: EventInput): Promise<GenerationEventMessage> {
  const { eventSequence } = await tx.project.update({
    where: { id: input.projectId },
    data: { eventSequence: { increment: 1 } },
    select: { eventSequence: true },
  });
  const row = await tx.generationEvent.create({ data: { ...input, sequence: eventSequence } });
  return toMessage(row);
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

export interface TransitionInput<K extends Kind> {
  kind: K;
  id: string;
  /** The change happens only while the row is in one of these statuses. */
  from: Status[];
  /** ...and only while the row is on this attempt (workers always pass the attempt they run). */
  attempt?: number;
  data: PatchFor<K>;
  message: string | null;
  /** More writes that must commit with this change (e.g. ending later stages of a chain). */
  also?: (tx: Tx, row: RowFor<K>) => Promise<GenerationEventMessage[]>;
}

/** Applies a guarded change and its event atomically, then publishes. Returns the updated
 *  row, or null when the row had already left `from` (e.g. cancelled meanwhile). */
export async function transition<K extends Kind>(deps: HistoryDeps, input: TransitionInput<K>): Promise<RowFor<K> | null> {
  const result = await deps.prisma.$transaction(async (tx) => {
    if (!(await updateRow(tx, input.kind, input.id, input.from, input.data, input.attempt))) return null;
    const row = (await findRow(tx, input.kind, input.id))!;
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
    return { row, events };
  });
  if (!result) return null;
  for (const event of result.events) deps.events.publish(event);
  return result.row;
}
