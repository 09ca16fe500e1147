// Runs work in the async context a subscription was set up in (its request id in log lines),
// for what a delivery handed over by the Redis message handler does. What AsyncResource.bind
// does, without the deprecated `asyncResource` accessors Node 20 defines on every bound function
// (two util.deprecate wrappers and a property map each): a bind kept ~2.8 KB of heap, this ~0.2 KB,
// and every open subscription holds two.
import { AsyncResource } from "node:async_hooks";

export function inThisContext(): <T>(work: () => T) => T {
  const resource = new AsyncResource("castad.subscription");
  return (work) => resource.runInAsyncScope(work);
}
