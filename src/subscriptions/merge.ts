// Merges several event streams into one, in arrival order. `return()` (a client that
// unsubscribes or disconnects) closes every source at once.
export function mergeStreams<T>(sources: AsyncIterableIterator<T>[]): AsyncIterableIterator<T> {
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<T> }>>();
  const pull = (index: number) => pending.set(index, sources[index]!.next().then((result) => ({ index, result })));
  sources.forEach((_, i) => pull(i));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    pending.clear();
    await Promise.allSettled(sources.map((s) => s.return?.()));
  };
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      while (!closed && pending.size > 0) {
        const { index, result } = await Promise.race(pending.values());
        if (closed) break;
        if (result.done) {
          pending.delete(index);
          continue;
        }
        pull(index);
        return { value: result.value, done: false };
      }
      await close();
      return { value: undefined, done: true };
    },
    async return() {
      await close();
      return { value: undefined, done: true };
    },
    async throw(err?: unknown) {
      await close();
      throw err;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
