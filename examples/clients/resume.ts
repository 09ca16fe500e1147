// Resuming subscriptions across automatic reconnects. graphql-ws and graphql-sse clients
// reconnect on their own and re-send each subscription with its *original* variables; castad
// prefers the last sequence the client saw, which the client sends on every (re)connect:
// graphql-ws `connectionParams.lastSequences`, SSE header `x-castad-last-sequences` (JSON),
// `{ "<projectId>": <sequence> }`. So nothing is missed and nothing arrives twice.
export function createSequenceTracker() {
  const seen: Record<string, number> = {};
  return {
    /** What to send on every (re)connect. */
    lastSequences: () => ({ ...seen }),
    /** Call with every GenerationEvent received (it carries projectId and sequence). */
    track(event: { projectId: string; sequence: number }) {
      if ((seen[event.projectId] ?? -1) < event.sequence) seen[event.projectId] = event.sequence;
    },
  };
}
export type SequenceTracker = ReturnType<typeof createSequenceTracker>;
