// Subscription clients as a frontend would use them: graphql-ws over WebSocket, and
// Server-Sent Events over fetch.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

export interface ReceivedEvent {
  sequence: number;
  kind: string;
  status: string;
  progress: number;
  message: string | null;
  generation: { id: string; status: string };
}

export const SUBSCRIPTION = `subscription($p: ID!, $after: Int) {
  generationUpdated(projectId: $p, after: $after) {
    sequence kind status progress message generation { id status }
  }
}`;

export interface Collector {
  events: ReceivedEvent[];
  errors: unknown[];
  until(pred: (e: ReceivedEvent) => boolean): Promise<ReceivedEvent>;
  /** Resolves once the subscription ended with an error (e.g. NOT_FOUND). */
  failed: Promise<unknown>;
}

function collector(): Collector & { push(e: ReceivedEvent): void; fail(err: unknown): void } {
  const events: ReceivedEvent[] = [];
  const errors: unknown[] = [];
  const waiters: { pred: (e: ReceivedEvent) => boolean; resolve: (e: ReceivedEvent) => void }[] = [];
  let fail!: (err: unknown) => void;
  const failed = new Promise<unknown>((resolve) => (fail = resolve));
  return {
    events,
    errors,
    failed,
    push(e) {
      events.push(e);
      for (const w of [...waiters]) {
        if (w.pred(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    },
    fail(err) {
      errors.push(err);
      fail(err);
    },
    until(pred) {
      const seen = events.find(pred);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

export function wsClient(apiUrl: string, token: string | null, opts: { retryAttempts?: number } = {}): Client {
  return createClient({
    url: `${apiUrl.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: opts.retryAttempts ?? 0,
    lazy: true,
  });
}

/** Subscribes over graphql-ws; `dispose()` unsubscribes. */
export function subscribeWs(client: Client, projectId: string, after?: number): Collector & { dispose(): void } {
  const c = collector();
  const dispose = client.subscribe<{ generationUpdated: ReceivedEvent }>(
    { query: SUBSCRIPTION, variables: { p: projectId, after } },
    {
      next: (value) => {
        if (value.errors) c.fail(value.errors);
        else if (value.data) c.push(value.data.generationUpdated);
      },
      error: (err) => c.fail(err),
      complete: () => {},
    },
  );
  return { ...c, events: c.events, dispose };
}

/** Subscribes over SSE (graphql-yoga's "distinct connections" mode) with fetch. */
export function subscribeSse(
  apiUrl: string,
  token: string,
  projectId: string,
  after?: number,
): Collector & { dispose(): void; /** "ended" when the server ended the stream, else the error. */ ended: Promise<unknown> } {
  const c = collector();
  const abort = new AbortController();
  const ended = (async () => {
    try {
      const res = await fetch(`${apiUrl}/graphql`, {
        method: "POST",
        signal: abort.signal,
        headers: { accept: "text/event-stream", "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: SUBSCRIPTION, variables: { p: projectId, after } }),
      });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return "ended";
        buffer += value;
        let idx: number;
        while ((idx = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 2);
          const data = block
            .split("\n")
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(5).trim())
            .join("\n");
          if (!data) continue;
          const payload = JSON.parse(data) as { data?: { generationUpdated: ReceivedEvent }; errors?: unknown };
          if (payload.errors) c.fail(payload.errors);
          else if (payload.data) c.push(payload.data.generationUpdated);
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) c.fail(err);
      return err;
    }
  })();
  return { ...c, events: c.events, ended, dispose: () => abort.abort() };
}

/** Asserts a run of events has consecutive sequences with no gaps or duplicates. */
export function sequences(events: { sequence: number }[]): number[] {
  return events.map((e) => e.sequence);
}
