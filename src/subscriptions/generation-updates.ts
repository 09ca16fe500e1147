// The stream behind `generationUpdated`: first what the client has not seen (stored events
// after `after`, or the current state of the project's latest generations), then live events
// — in sequence order, without gaps or duplicates. Live events can arrive out of order
// (two processes publishing) or be lost (a dropped Redis connection, a slow consumer whose
// buffer was cut): any gap is filled from the database, which always has every event.
import type { PrismaClient } from "../db/client.js";
import { toMessage } from "../generations/history.js";
import { KINDS, STAGES } from "../generations/stages.js";
import { CLOSED, INTERRUPTED, OVERFLOW, type EventBus, type EventListener } from "../events/bus.js";
import { serviceUnavailable } from "../unavailable.js";
import type { GenerationEventMessage } from "../events/message.js";

interface UpdateDeps {
  prisma: PrismaClient;
  events: EventBus;
  maxBuffer: number;
}

const PAGE = 500;

async function* storedAfter(prisma: PrismaClient, projectId: string, after: number) {
  let cursor = after;
  for (;;) {
    const rows = await prisma.generationEvent.findMany({
      where: { projectId, sequence: { gt: cursor } },
      orderBy: { sequence: "asc" },
      take: PAGE,
    });
    for (const row of rows) yield toMessage(row);
    if (rows.length < PAGE) return;
    cursor = rows[rows.length - 1]!.sequence;
  }
}

/** The latest event of the newest generation of each kind, and the project's head sequence. */
async function currentState(prisma: PrismaClient, projectId: string) {
  const project = await prisma.project.findUniqueOrThrow({ where: { id: projectId }, select: { eventSequence: true } });
  const latestIds = await Promise.all(KINDS.map((kind) => STAGES[kind].latestId(prisma, projectId)));
  const ids = latestIds.filter((id): id is string => Boolean(id));
  const events = await Promise.all(
    ids.map((generationId) =>
      prisma.generationEvent.findFirst({
        where: { projectId, generationId, sequence: { lte: project.eventSequence } },
        orderBy: { sequence: "desc" },
      }),
    ),
  );
  return {
    head: project.eventSequence,
    events: events.filter((e) => e !== null).map(toMessage).sort((a, b) => a.sequence - b.sequence),
  };
}

async function* stream(deps: UpdateDeps, listener: EventListener, projectId: string, after: number | null): AsyncGenerator<GenerationEventMessage> {
  try {
    let cursor: number;
    if (after === null) {
      const state = await currentState(deps.prisma, projectId);
      for (const event of state.events) yield event;
      cursor = state.head;
    } else {
      cursor = after;
    }
    const catchUp = async function* () {
      for await (const event of storedAfter(deps.prisma, projectId, cursor)) {
        cursor = event.sequence;
        yield event;
      }
    };
    if (after !== null) yield* catchUp();
    for (;;) {
      const delivery = await listener.next();
      if (delivery === CLOSED) return;
      if (delivery === INTERRUPTED) throw serviceUnavailable("redis");
      if (delivery === OVERFLOW) {
        yield* catchUp();
        continue;
      }
      if (delivery.sequence <= cursor) continue;
      if (delivery.sequence === cursor + 1) {
        cursor = delivery.sequence;
        yield delivery;
        continue;
      }
      yield* catchUp();
    }
  } finally {
    await listener.close();
  }
}

/** Starts listening (before reading the database, so nothing committed after the read is
 *  missed) and returns the event stream. Its `return()` — what graphql-ws and yoga call when
 *  a client unsubscribes or disconnects — closes the listener at once, even while the stream
 *  waits for the next event. */
export async function generationUpdates(deps: UpdateDeps, projectId: string, after: number | null): Promise<AsyncIterableIterator<GenerationEventMessage>> {
  const listener = await deps.events.listen(projectId, deps.maxBuffer);
  const inner = stream(deps, listener, projectId, after);
  const iterator: AsyncIterableIterator<GenerationEventMessage> = {
    next: () => inner.next(),
    return: async (value?: unknown) => {
      await listener.close();
      return inner.return(value as undefined);
    },
    throw: async (err?: unknown) => {
      await listener.close();
      return inner.throw(err);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
