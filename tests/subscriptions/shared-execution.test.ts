// A live event runs each distinct subscription selection once, however many subscribers asked
// for it (src/subscriptions/shared-execution.ts) — and every subscriber still gets exactly
// what its own selection asked for.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSchema, parse, type ExecutionResult } from "graphql";
import { FRAME_SINK, sharedSubscribe, type FrameSink } from "../../src/subscriptions/shared-execution.js";
import { PUSH_NEXT, type PushNext } from "../../src/subscriptions/push-next.js";
import { correlationFrom, currentCorrelation, withCorrelation } from "../../src/correlation.js";
import { projectWithPhotos, startStack, type Stack } from "../helpers/pipeline.js";
import { waitFor } from "../helpers/pipeline-tools.js";
import { wsClient } from "../helpers/subscriptions.js";
import { transition } from "../../src/generations/history.js";

/** A schema whose event fields count how often they run. */
function countingSchema() {
  const runs = { label: 0 };
  const schema = buildSchema(`
    type Query { ok: Boolean }
    type Event { n: Int, label(prefix: String): String }
    type Subscription { events(channel: String!, after: Int): Event }
  `);
  const fields = schema.getSubscriptionType()!.getFields();
  const sources: ((event: object) => void)[] = [];
  fields["events"]!.subscribe = () => {
    const queue: object[] = [];
    let wake: (() => void) | null = null;
    sources.push((event) => {
      queue.push(event);
      wake?.();
    });
    return (async function* () {
      for (;;) {
        if (!queue.length) await new Promise<void>((resolve) => (wake = resolve));
        yield queue.shift()!;
      }
    })();
  };
  fields["events"]!.resolve = (event) => event;
  const event = schema.getType("Event") as import("graphql").GraphQLObjectType;
  event.getFields()["label"]!.resolve = (e: { n: number }, args: { prefix?: string }) => {
    runs.label += 1;
    if (e.n < 0) throw new Error("no label for a negative n");
    return `${args.prefix ?? ""}${e.n}`;
  };
  return { schema, runs, publish: (e: object) => sources.forEach((push) => push(e)) };
}

type Stream = AsyncGenerator<ExecutionResult>;

describe("shared subscription execution", () => {
  it("runs an event once per distinct selection, variables it reads and viewer", async () => {
    const { schema, runs, publish } = countingSchema();
    const document = parse(`subscription($c: String!, $a: Int, $p: String) { events(channel: $c, after: $a) { n label(prefix: $p) } }`);
    const subscribe = (variableValues: Record<string, unknown>, viewer: string) =>
      sharedSubscribe({ schema, document, variableValues, contextValue: { viewer: { id: viewer } } }) as Promise<Stream>;
    const streams = [
      await subscribe({ c: "x", a: 1, p: ">" }, "u1"),
      await subscribe({ c: "x", a: 7, p: ">" }, "u1"), // differs only in the root field's arguments: shares
      await subscribe({ c: "x", a: 1, p: "#" }, "u1"), // the selection reads $p: its own run
      await subscribe({ c: "x", a: 1, p: ">" }, "u2"), // another viewer: its own run
    ];
    const next = streams.map((s) => s.next());
    publish({ n: 5 });
    const results = (await Promise.all(next)).map((r) => r.value as ExecutionResult);
    expect(results.map((r) => r.data)).toEqual([
      { events: { n: 5, label: ">5" } },
      { events: { n: 5, label: ">5" } },
      { events: { n: 5, label: "#5" } },
      { events: { n: 5, label: ">5" } },
    ]);
    expect(results[0]).toBe(results[1]);
    expect(runs.label).toBe(3);
    // A new event object runs again (sharing is per event).
    const again = streams.map((s) => s.next());
    publish({ n: 6 });
    await Promise.all(again);
    expect(runs.label).toBe(6);
    for (const s of streams) await s.return(undefined);
  });

  it("writes results without errors to a frame sink once as JSON, and hands on the others", async () => {
    const { schema, publish } = countingSchema();
    const document = parse(`subscription { events(channel: "x") { n label } }`);
    const written: string[][] = [[], []];
    let open = true;
    const sink = (into: string[]): FrameSink => ({ next: (json) => open && into.push(json) > 0 });
    const streams = await Promise.all(written.map((into) => sharedSubscribe({ schema, document, rootValue: { [FRAME_SINK]: sink(into) } }) as Promise<Stream>));
    let handedOn = streams.map((s) => s.next());
    let settled = 0;
    for (const p of handedOn) void p.then(() => settled++);
    publish({ n: 1 });
    publish({ n: 2 });
    await waitFor("both events written to both sinks", () => written.every((w) => w.length === 2));
    expect(written[0]).toEqual(['{"data":{"events":{"n":1,"label":"1"}}}', '{"data":{"events":{"n":2,"label":"2"}}}']);
    expect(written[1]).toEqual(written[0]);
    expect(settled).toBe(0); // nothing was handed on
    // An error takes the usual way (the plugins mask it and count it).
    publish({ n: -1 });
    const failed = (await Promise.all(handedOn)).map((r) => r.value as ExecutionResult);
    expect(failed.map((r) => r.errors?.[0]?.message)).toEqual(["no label for a negative n", "no label for a negative n"]);
    // So does any result the sink does not take (its socket is full or closing).
    open = false;
    handedOn = streams.map((s) => s.next());
    publish({ n: 3 });
    expect((await Promise.all(handedOn)).map((r) => (r.value as ExecutionResult).data)).toEqual([{ events: { n: 3, label: "3" } }, { events: { n: 3, label: "3" } }]);
    // After return() nothing more is written.
    open = true;
    await streams[0]!.return(undefined);
    void streams[1]!.next();
    publish({ n: 4 });
    await waitFor("the open stream's frame", () => written[1]!.length === 3);
    expect(written[0]).toHaveLength(2);
    // (This toy source only ends at its next event; generation-updates ends at once.)
    void streams[1]!.return(undefined);
    publish({ n: 5 });
  });

  it("takes a source's events by callback: a long queue in a loop, each run in the subscription's context", async () => {
    const schema = buildSchema(`
      type Query { ok: Boolean }
      type Event { n: Int, requestId: String }
      type Subscription { events: Event }
    `);
    // A source that hands its next step over by callback: at once while it has events queued
    // (as the bus listener does), else when push() brings one, from the caller's context.
    const queue: { n: number }[] = Array.from({ length: 5_000 }, (_, i) => ({ n: i + 1 }));
    let waiting: ((step: IteratorResult<{ n: number }>) => void) | null = null;
    const source: AsyncIterableIterator<{ n: number }> & PushNext<{ n: number }> = {
      next: () => Promise.reject(new Error("next() is not used when the source can push")),
      [PUSH_NEXT]: (onStep) => {
        const head = queue.shift();
        if (head) onStep({ done: false, value: head });
        else waiting = onStep;
      },
      return: async () => ({ done: true, value: undefined }),
      [Symbol.asyncIterator]: () => source,
    };
    const push = (event: { n: number }) => {
      const receive = waiting!;
      waiting = null;
      receive({ done: false, value: event });
    };
    schema.getSubscriptionType()!.getFields()["events"]!.subscribe = () => source;
    schema.getSubscriptionType()!.getFields()["events"]!.resolve = (event) => event;
    (schema.getType("Event") as import("graphql").GraphQLObjectType).getFields()["requestId"]!.resolve = () => currentCorrelation()?.requestId;
    const written: string[] = [];
    const sink: FrameSink = { next: (json) => written.push(json) > 0 };
    const document = parse(`subscription { events { n requestId } }`);
    const stream = (await withCorrelation(correlationFrom("subscriber-1", null), () =>
      sharedSubscribe({ schema, document, rootValue: { [FRAME_SINK]: sink } }),
    )) as Stream;
    void stream.next();
    // All 5,000 queued events were taken synchronously, without a promise each or a deep stack.
    expect(written).toHaveLength(5_000);
    expect(written[4_999]).toBe('{"data":{"events":{"n":5000,"requestId":"subscriber-1"}}}');
    // An event pushed from another context still runs in the subscriber's.
    withCorrelation(correlationFrom("redis-message-handler", null), () => push({ n: 5_001 }));
    expect(written[5_000]).toBe('{"data":{"events":{"n":5001,"requestId":"subscriber-1"}}}');
  });

  it("answers variables that do not fit with BAD_USER_INPUT, and ends a failing stream with a GraphQL error", async () => {
    const { schema } = countingSchema();
    const document = parse(`subscription($c: String!) { events(channel: $c) { n } }`);
    const refused = (await sharedSubscribe({ schema, document, variableValues: { c: 5 } })) as ExecutionResult;
    expect(refused.errors?.[0]?.extensions["code"]).toBe("BAD_USER_INPUT");

    schema.getSubscriptionType()!.getFields()["events"]!.subscribe = () =>
      (async function* () {
        throw Object.assign(new Error("redis went away"), { extensions: { code: "SERVICE_UNAVAILABLE" } });
      })();
    const stream = (await sharedSubscribe({ schema, document, variableValues: { c: "x" } })) as Stream;
    await expect(stream.next()).rejects.toMatchObject({ message: "redis went away", originalError: { extensions: { code: "SERVICE_UNAVAILABLE" } } });
  });
});

describe("shared subscription execution over graphql-ws", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ role: "api" });
  });
  afterAll(() => stack?.close());

  it("gives each subscriber its own selection of one live event", async () => {
    const { user, projectId, rowId } = await projectWithPhotos(stack, { photos: 0 });
    const { services } = stack.api.app;
    const lyric = await services.prisma.lyric.create({ data: { projectId: rowId, language: "EN", status: "PROCESSING" } });
    const client = wsClient(stack.api.url, user.token);
    const received: Record<string, unknown[]> = { a: [], b: [], c: [] };
    const queries = {
      a: `subscription($p: ID!, $after: Int) { generationUpdated(projectId: $p, after: $after) { sequence status } }`,
      b: `subscription($p: ID!, $after: Int) { generationUpdated(projectId: $p, after: $after) { sequence status } }`,
      c: `subscription($p: ID!, $after: Int) { generationUpdated(projectId: $p, after: $after) { sequence message kind } }`,
    };
    // b differs from a only in the root field's argument (no `after`: it starts from the
    // current state, which has no event yet).
    const after = { a: 0, b: null, c: 0 };
    const disposers = (Object.keys(queries) as (keyof typeof queries)[]).map((name) =>
      client.subscribe(
        { query: queries[name], variables: { p: projectId, after: after[name] } },
        { next: (v) => received[name]!.push(v.data?.["generationUpdated"] ?? v.errors), error: (e) => received[name]!.push(e), complete: () => {} },
      ),
    );
    await waitFor("three live subscriptions", () => services.events.stats().listeners === 3);
    // The bus hands the one event object it parsed to all three streams.
    const row = await transition({ prisma: services.prisma, events: services.events }, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: 10 }, message: "writing" });
    expect(row?.progress).toBe(10);
    await waitFor("the event at every subscriber", () => Object.values(received).every((r) => r.length === 1));
    expect(received).toEqual({
      a: [{ sequence: 1, status: "PROCESSING" }],
      b: [{ sequence: 1, status: "PROCESSING" }],
      c: [{ sequence: 1, message: "writing", kind: "LYRIC" }],
    });
    for (const dispose of disposers) dispose();
    await waitFor("the listeners to be released", () => services.events.stats().listeners === 0);
    await client.dispose();
  });
});
