// A subscription's source stream can offer, next to its async iterator, a way to take its next
// step without promises: generation-updates.ts does, and shared-execution.ts uses it. At 10,000
// subscribers one status event is 10,000 deliveries, and each `await`ed step costs promises, a
// microtask turn and (with AsyncLocalStorage on) their async hooks; handed over by callback, a
// live event goes from the Redis message handler to every socket in one synchronous pass.

export const PUSH_NEXT = Symbol("castad.pushNext");

export interface PushNext<T> {
  /**
   * Calls `onStep` or `onError` exactly once, with what `next()` would have given: at once
   * (synchronously, before returning) when the step is at hand, else when it comes. A step
   * that arrives later may be handed over from another async context (the Redis message
   * handler's), so the consumer must run in its own what needs it (see shared-execution.ts).
   */
  [PUSH_NEXT](onStep: (step: IteratorResult<T>) => void, onError: (error: unknown) => void): void;
}

/** The next step of `iterator` by callback: through its own [PUSH_NEXT], or its next() (the
 *  step then always comes later). A call, not a bound function per subscription. */
export function pushNext<T>(iterator: AsyncIterator<T>, onStep: (step: IteratorResult<T>) => void, onError: (error: unknown) => void): void {
  const push = (iterator as Partial<PushNext<T>>)[PUSH_NEXT];
  if (push) push.call(iterator, onStep, onError);
  else void iterator.next().then(onStep, onError);
}
