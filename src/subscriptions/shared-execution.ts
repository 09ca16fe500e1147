// One status event reaches every subscription of its project. graphql-js (and envelop's
// executor) run the subscription's selection once per subscriber per event; here they run once
// per event and distinct selection: the subscriptions that asked the same thing (same document
// and operation, same values of the variables the selection reads) for the same viewer share
// one execution and its result object. The result then passes the same plugins as before
// (this is envelop's subscribe function, so yoga's error masking sees every result with errors).
//
// Sharing is by event object: the event bus parses a Redis message once and hands the same
// object to every listener, so live events share; events read from the database (catch-up,
// replay) are new objects per subscriber and execute on their own, as before.
//
// Over graphql-ws the encoding is shared too (FrameSink): a result without errors is turned
// into JSON once, and each subscriber's `next` frame is that JSON behind its own id, written to
// its socket here. graphql-ws would otherwise pass every result through envelop's per-result
// hooks and its own send loop (a stringify and a write callback per subscriber): at 10,000
// subscribers that was most of a delivery's CPU. Results with errors, and any result while the
// socket's buffer is full, still take graphql-ws's way (masking, error metrics, backpressure).
//
// And a source that can hand its events over by callback (push-next.ts: generation-updates.ts
// does) is read that way, so that a live event goes from the Redis message handler to the
// sockets without a promise per subscriber.
import { inThisContext } from "./in-context.js";
import { createSourceEventStream, getOperationAST, GraphQLError, Kind, visit, type DocumentNode, type ExecutionArgs, type ExecutionResult } from "graphql";
import { buildExecutionContext, execute } from "@graphql-tools/executor";
import type { Plugin } from "graphql-yoga";
import type { Context } from "../http/context.js";
import { pushNext } from "./push-next.js";

type Result = ExecutionResult | PromiseLike<ExecutionResult>;

const isPromiseLike = (value: Result): value is PromiseLike<ExecutionResult> => typeof (value as { then?: unknown }).then === "function";

/**
 * Writes `next` frames of one graphql-ws subscription straight to its socket (server.ts makes
 * one per subscription and hands it over as the root value's FRAME_SINK). `next` returns false
 * when it did not write (the socket is closing, or its buffer is over the limit): the caller
 * then hands the result on the usual way, which waits for the client.
 *
 * Only results without errors are written so: the per-result hooks of the plugins in use
 * (error masking, the id-argument naming, Prometheus' error counter) act on errors alone. A
 * plugin that changes successful subscription results would have to be applied here too;
 * tests/subscriptions/frames.test.ts compares these frames with yoga's own (SSE) results.
 */
export interface FrameSink {
  next(payloadJson: string): boolean;
}
export const FRAME_SINK = Symbol("castad.frameSink");

/** Per result object: its JSON, made once for all the subscribers that share it. (Handing
 *  the sink bytes instead, copied behind each id, measured no faster than strings.) */
const payloads = new WeakMap<ExecutionResult, string>();
const payloadOf = (result: ExecutionResult) => {
  let json = payloads.get(result);
  if (json === undefined) payloads.set(result, (json = JSON.stringify(result)));
  return json;
};

/** Per event object: the result of each distinct selection (dropped with the event). */
const resultsByEvent = new WeakMap<object, Map<string, Result>>();

/** Per document: a small id (for keys) and, per operation, the variables its event selection reads. */
const documents = new WeakMap<DocumentNode, { id: number; reads: Map<string, string[]> }>();
let nextDocumentId = 0;

/** The variables the subscription's selection (what runs per event) reads: those under its
 *  root field and in fragments. The root field's own arguments (projectId, after, …) pick the
 *  stream, not the result, so subscriptions that differ only there still share. */
function eventVariables(document: DocumentNode, operationName: string | null | undefined): string[] {
  const names = new Set<string>();
  const collect = (node: Parameters<typeof visit>[0]) =>
    visit(node, {
      Variable(v) {
        names.add(v.name.value);
      },
    });
  const operation = getOperationAST(document, operationName);
  for (const selection of operation?.selectionSet.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      for (const directive of selection.directives ?? []) collect(directive);
      if (selection.selectionSet) collect(selection.selectionSet);
    } else collect(selection);
  }
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) collect(definition);
  return [...names].sort();
}

/** What decides an event's result besides the event: selection, variables it reads, viewer. */
function selectionKey(args: ExecutionArgs): string {
  let doc = documents.get(args.document);
  if (!doc) documents.set(args.document, (doc = { id: nextDocumentId++, reads: new Map() }));
  const operation = args.operationName ?? "";
  let reads = doc.reads.get(operation);
  if (!reads) doc.reads.set(operation, (reads = eventVariables(args.document, args.operationName)));
  const values = reads.map((name) => args.variableValues?.[name] ?? null);
  const viewer = (args.contextValue as Context | undefined)?.viewer?.id ?? "";
  return `${doc.id}\u0000${operation}\u0000${viewer}\u0000${values.length ? JSON.stringify(values) : ""}`;
}

function resultFor(args: ExecutionArgs, key: string, event: unknown, inSubscription: <T>(work: () => T) => T): Result {
  const run = () => inSubscription(() => execute({ ...args, rootValue: event }) as Result);
  if (typeof event !== "object" || event === null) return run();
  let results = resultsByEvent.get(event);
  if (!results) resultsByEvent.set(event, (results = new Map()));
  let result = results.get(key);
  if (!result) results.set(key, (result = run()));
  return result;
}

/** The same as graphql-js's subscribe (source stream, then each event executed with the event
 *  as root value), with the per-event execution shared as described above. */
export async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  // Variables that do not fit the operation are the client's mistake (envelop's executor says
  // BAD_USER_INPUT too); errors of the subscribe resolver keep their own codes (or get masked).
  const invalid = buildExecutionContext(args as Parameters<typeof buildExecutionContext>[0]);
  if (Array.isArray(invalid)) {
    for (const error of invalid) (error.extensions as Record<string, unknown>)["code"] ??= "BAD_USER_INPUT";
    return { errors: invalid };
  }
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source;
  return new SharedStream(args, source[Symbol.asyncIterator]());
}

/**
 * One subscriber's results. No async functions: this runs once per subscriber per event. A
 * next() takes events until one must be handed on (written ones are not); its promise is
 * settled by hand, so a long run of written events chains nothing behind it, and a loop (not
 * recursion) takes the events the source has at hand.
 *
 * A class whose two callbacks are made once: every open subscription holds one, waiting in
 * next(), and closures made per next() were most of what it held (and allocated per event).
 * Like any async iterator's consumer, its one (graphql-ws, envelop) waits for a next() to
 * settle before calling the next.
 */
class SharedStream implements AsyncGenerator<ExecutionResult> {
  private readonly key: string;
  private readonly sink: FrameSink | undefined;
  // Events handed over by callback arrive in the Redis message handler's async context; their
  // execution (resolvers may read and log) runs in the subscription's.
  private readonly inSubscription = inThisContext();
  private closed = false;
  /** The pending next()'s settlers; taken (set to null) by whoever settles it. */
  private resolveNext: ((step: IteratorResult<ExecutionResult>) => void) | null = null;
  private rejectNext: ((error: unknown) => void) | null = null;
  /** While pull() waits on push(): a step given synchronously goes here, for its loop. */
  private taking = false;
  private taken: IteratorResult<unknown> | undefined;

  constructor(
    private readonly args: ExecutionArgs,
    private readonly iterator: AsyncIterator<unknown>,
  ) {
    this.key = selectionKey(args);
    this.sink = (args.rootValue as { [FRAME_SINK]?: FrameSink } | null | undefined)?.[FRAME_SINK];
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    return new Promise((resolve, reject) => {
      this.resolveNext = resolve;
      this.rejectNext = reject;
      this.pull();
    });
  }

  private settle(step: IteratorResult<ExecutionResult>) {
    const resolve = this.resolveNext;
    this.resolveNext = this.rejectNext = null;
    resolve?.(step);
  }

  private readonly fail = (error: unknown) => {
    const reject = this.rejectNext;
    this.resolveNext = this.rejectNext = null;
    if (!reject) return;
    reject(
      error instanceof GraphQLError
        ? error
        : new GraphQLError(error instanceof Error ? error.message : String(error), {
            nodes: getOperationAST(this.args.document, this.args.operationName),
            originalError: error instanceof Error ? error : null,
          }),
    );
  };

  /** Hands on or writes a result; true when it was written (so the next event is due). */
  private deliver(result: ExecutionResult): boolean {
    if (this.sink && !this.closed && !result.errors && this.sink.next(payloadOf(result))) return true;
    this.settle({ done: false, value: result });
    return false;
  }

  /** True when the step's result was written and the next step is due now. */
  private handle(step: IteratorResult<unknown>): boolean {
    try {
      if (step.done) {
        this.settle({ done: true, value: undefined });
        return false;
      }
      const result = resultFor(this.args, this.key, step.value, this.inSubscription);
      if (!isPromiseLike(result)) return this.deliver(result);
      result.then((value) => {
        try {
          if (this.deliver(value)) this.pull();
        } catch (error) {
          this.fail(error);
        }
      }, this.fail);
      return false;
    } catch (error) {
      this.fail(error);
      return false;
    }
  }

  private readonly onStep = (step: IteratorResult<unknown>) => {
    if (this.taking) this.taken = step; // given synchronously: pull's loop handles it
    else if (this.handle(step)) this.pull();
  };

  private pull(): void {
    for (;;) {
      this.taking = true;
      this.taken = undefined;
      pushNext(this.iterator, this.onStep, this.fail);
      this.taking = false;
      const step = this.taken;
      this.taken = undefined;
      if (step === undefined || !this.handle(step)) return;
    }
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.closed = true;
    await this.iterator.return?.();
    return { done: true, value: undefined };
  }

  async throw(error: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.closed = true;
    await this.iterator.return?.();
    throw error;
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/** Makes every subscription (graphql-ws, SSE) use sharedSubscribe. */
export function useSharedSubscriptionExecution(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(sharedSubscribe as Parameters<typeof setSubscribeFn>[0]);
    },
  };
}
