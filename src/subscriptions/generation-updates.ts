// The stream behind `generationUpdated`: first what the client has not seen (stored events
// after `after`, or the current state of the project's latest generations), then live events
// — in sequence order, without gaps or duplicates. Live events can arrive out of order
// (two processes publishing) or be lost (a dropped Redis connection, a slow consumer whose
// buffer was cut): any gap is filled from the database, which always has every event.
import type { PrismaClient } from "../db/client.js";
import { toMessage } from "../generations/history.js";
import { KINDS, STAGES } from "../generations/stages.js";
import { inThisContext } from "./in-context.js";
import { CLOSED, INTERRUPTED, OVERFLOW, type Delivery, type EventBus, type EventListener } from "../events/bus.js";
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
 *  waits for the next event. */
export async function generationUpdates(deps: UpdateDeps, projectId: string, after: number | null): Promise<AsyncIterableIterator<GenerationEventMessage>> {
  const listener = await deps.events.listen(projectId, deps.maxBuffer);
  return new GenerationStream(deps, projectId, listener, after);
}

/**
 * One subscriber's stream. A live event in order is handed on by callback ([PUSH_NEXT],
 * push-next.ts) or a plain promise chain (next()), never an async generator: this runs once per
 * subscriber per event, ten thousand times for one status write on a busy project. Whatever
 * comes from the database — the start, and the catch-up after a gap or an overflow — is an
 * async generator, which hands out its events before live ones resume.
 *
 * A class rather than closures: every open subscription holds one, and its methods live once
 * on the prototype (a dozen closures and their context were about 1 KB per subscription).
 */
class GenerationStream implements AsyncIterableIterator<GenerationEventMessage>, PushNext<GenerationEventMessage> {
  private cursor: number;
  private finished = false;
  /** Events from the database to hand out before the next live one. */
  private stored: AsyncGenerator<GenerationEventMessage, void> | null;
  // The subscription's own async context (its request id in log lines), for what a delivery
  // handed over by the Redis message handler does besides passing an event on.
  private readonly inSubscription = inThisContext();

  constructor(
    private readonly deps: UpdateDeps,
    private readonly projectId: string,
    private readonly listener: EventListener,
    after: number | null,
  ) {
    this.cursor = after ?? 0;
    this.stored = after === null ? this.start() : this.catchUp();
  }

  private async *catchUp() {
    for await (const event of storedAfter(this.deps.prisma, this.projectId, this.cursor)) {
      this.cursor = event.sequence;
      yield event;
    }
  }

  private async *start() {
    const state = await currentState(this.deps.prisma, this.projectId);
    for (const event of state.events) yield event;
    this.cursor = state.head;
  }

  private async end() {
    this.finished = true;
    const pending = this.stored;
    this.stored = null;
    await this.listener.close();
    await pending?.return();
  }

  private failed(err: unknown): Promise<never> {
    return this.end().then(() => {
      throw err;
    });
  }

  /** What a live delivery gives: the next event in order, or whatever the rest calls for. */
  private afterLive(delivery: Delivery): IteratorResult<GenerationEventMessage> | Promise<IteratorResult<GenerationEventMessage>> {
    if (delivery === CLOSED) return this.end().then(() => DONE);
    if (delivery === INTERRUPTED) return this.failed(serviceUnavailable("redis"));
    if (delivery === OVERFLOW) return this.fromDatabase("overflow");
    if (delivery.sequence <= this.cursor) return this.live();
    if (delivery.sequence === this.cursor + 1) {
      this.cursor = delivery.sequence;
      return { done: false, value: delivery };
    }
    // A gap: what is missing is in the database.
    return this.fromDatabase("gap");
  }

  private live(): Promise<IteratorResult<GenerationEventMessage>> {
    return this.listener.next().then((delivery) => this.afterLive(delivery));
  }

  private fromDatabase(reason: "gap" | "overflow") {
    this.deps.log.debug({ projectId: this.projectId, after: this.cursor, reason }, "subscription catching up from the database");
    this.stored = this.catchUp();
    return this.next();
  }

  next(): Promise<IteratorResult<GenerationEventMessage>> {
    if (this.finished) return Promise.resolve(DONE);
    const from = this.stored;
    if (!from) return this.live();
    return from.next().then(
      (step) => {
        if (!step.done) return step;
        if (this.stored === from) this.stored = null;
        return this.next();
      },
      (err: unknown) => this.failed(err),
    );
  }

  /** next() by callback (push-next.ts): the next live event in order goes to `onStep` right
   *  from the listener, without a promise; the rest (ends, gaps, overflows, the database part)
   *  goes the promise way, in the subscription's context. The callbacks wait in fields, for the
   *  one `receive` made per stream (not a closure per event and subscriber). */
  [PUSH_NEXT](onStep: (step: IteratorResult<GenerationEventMessage>) => void, onError: (error: unknown) => void): void {
    if (this.finished || this.stored) return void this.next().then(onStep, onError);
    this.onStep = onStep;
    this.onError = onError;
    const now = this.listener.poll(this.receive);
    if (now !== undefined) this.receive(now);
  }

  private onStep: ((step: IteratorResult<GenerationEventMessage>) => void) | null = null;
  private onError: ((error: unknown) => void) | null = null;

  /** Takes a delivery for the waiting callbacks (the listener calls it at most once per poll). */
  private readonly receive = (delivery: Delivery) => {
    const onStep = this.onStep;
    const onError = this.onError;
    this.onStep = this.onError = null;
    if (!onStep || !onError) return;
    try {
      if (typeof delivery === "object" && delivery.sequence === this.cursor + 1) {
        this.cursor = delivery.sequence;
        return onStep({ done: false, value: delivery });
      }
      Promise.resolve(this.inSubscription(() => this.afterLive(delivery))).then(onStep, onError);
    } catch (error) {
      onError(error);
    }
  };

  async return(): Promise<IteratorResult<GenerationEventMessage>> {
    await this.end();
    return DONE;
  }

  async throw(err?: unknown): Promise<IteratorResult<GenerationEventMessage>> {
    await this.end();
    throw err;
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}
