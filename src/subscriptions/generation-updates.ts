// The stream behind `generationUpdated`: first what the client has not seen (stored events
// after `after`, or the current state of the project's latest generations), then live events
// — in sequence order, without gaps or duplicates. Live events can arrive out of order
// (two processes publishing) or be lost (a dropped Redis connection, a slow consumer whose
// buffer was cut): any gap is filled from the database, which always has every event.
import type { PrismaClient } from "../db/client.js";
import { toMessage } from "../generations/history.js";
import { KINDS, STAGES } from "../generations/stages.js";
import { inThisContext } from "./in-context.js";
import { CLOSED, INTERRUPTED, OVERFLOW, type Delivery, type EventBus } from "../events/bus.js";
import { PUSH_NEXT, type PushNext } from "./push-next.js";
import { serviceUnavailable } from "../unavailable.js";
import type { GenerationEventMessage } from "../events/message.js";
import type { Logger } from "../logger.js";

interface UpdateDeps {
  prisma: PrismaClient;
  events: EventBus;
  maxBuffer: number;
  log: Pick<Logger, "debug">;
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

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** Starts listening (before reading the database, so nothing committed after the read is
 *  missed) and returns the event stream. Its `return()` — what graphql-ws and yoga call when
 *  a client unsubscribes or disconnects — closes the listener at once, even while the stream
 *  waits for the next event.
 *
 *  A live event in order is handed on by callback ([PUSH_NEXT], push-next.ts) or a plain
 *  promise chain (next()), never an async generator: this runs once per subscriber per event,
 *  ten thousand times for one status write on a busy project. Whatever comes from the database
 *  — the start, and the catch-up after a gap or an overflow — is an async generator, which
 *  hands out its events before live ones resume. */
export async function generationUpdates(deps: UpdateDeps, projectId: string, after: number | null): Promise<AsyncIterableIterator<GenerationEventMessage>> {
  const listener = await deps.events.listen(projectId, deps.maxBuffer);
  let cursor = after ?? 0;
  let finished = false;

  async function* catchUp() {
    for await (const event of storedAfter(deps.prisma, projectId, cursor)) {
      cursor = event.sequence;
      yield event;
    }
  }
  async function* start() {
    const state = await currentState(deps.prisma, projectId);
    for (const event of state.events) yield event;
    cursor = state.head;
  }
  /** Events from the database to hand out before the next live one. */
  let stored: AsyncGenerator<GenerationEventMessage, void> | null = after === null ? start() : catchUp();

  const end = async () => {
    finished = true;
    const pending = stored;
    stored = null;
    await listener.close();
    await pending?.return();
  };
  const failed = (err: unknown) =>
    end().then(() => {
      throw err;
    });

  /** What a live delivery gives: the next event in order, or whatever the rest calls for. */
  const afterLive = (delivery: Delivery): IteratorResult<GenerationEventMessage> | Promise<IteratorResult<GenerationEventMessage>> => {
    if (delivery === CLOSED) return end().then(() => DONE);
    if (delivery === INTERRUPTED) return failed(serviceUnavailable("redis"));
    if (delivery === OVERFLOW) return fromDatabase("overflow");
    if (delivery.sequence <= cursor) return live();
    if (delivery.sequence === cursor + 1) {
      cursor = delivery.sequence;
      return { done: false, value: delivery };
    }
    // A gap: what is missing is in the database.
    return fromDatabase("gap");
  };
  const live = (): Promise<IteratorResult<GenerationEventMessage>> => listener.next().then(afterLive);
  const fromDatabase = (reason: "gap" | "overflow") => {
    deps.log.debug({ projectId, after: cursor, reason }, "subscription catching up from the database");
    stored = catchUp();
    return next();
  };

  const next = (): Promise<IteratorResult<GenerationEventMessage>> => {
    if (finished) return Promise.resolve(DONE);
    const from = stored;
    if (!from) return live();
    return from.next().then((step) => {
      if (!step.done) return step;
      if (stored === from) stored = null;
      return next();
    }, failed);
  };

  // The subscription's own async context (its request id in log lines), for what a delivery
  // handed over by the Redis message handler does besides passing an event on.
  const inSubscription = inThisContext();
  /** next() by callback (push-next.ts): the next live event in order goes to `onStep` right
   *  from the listener, without a promise; the rest (ends, gaps, overflows, the database part)
   *  goes the promise way, in the subscription's context. */
  const pushNext = (onStep: (step: IteratorResult<GenerationEventMessage>) => void, onError: (error: unknown) => void): void => {
    if (finished || stored) return void next().then(onStep, onError);
    const take = (delivery: Delivery) => {
      if (typeof delivery === "object" && delivery.sequence === cursor + 1) {
        cursor = delivery.sequence;
        return onStep({ done: false, value: delivery });
      }
      Promise.resolve(inSubscription(() => afterLive(delivery))).then(onStep, onError);
    };
    const now = listener.poll((delivery) => {
      try {
        take(delivery);
      } catch (error) {
        onError(error);
      }
    });
    if (now !== undefined) take(now);
  };

  const iterator: AsyncIterableIterator<GenerationEventMessage> & PushNext<GenerationEventMessage> = {
    next,
    [PUSH_NEXT]: pushNext,
    return: async () => {
      await end();
      return DONE;
    },
    throw: async (err?: unknown) => {
      await end();
      throw err;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
