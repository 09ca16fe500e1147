// `t.globalID` (every node's `id`) answering synchronously when its id is at hand.
//
// plugin-relay 4.8 resolves the field through an `async` function, so every `id` is a promise,
// and on a list every row (and every related object under it) becomes an object the executor
// has to await field by field. For `songs(first: 100)` with project and lyric that is 300
// promises, their microtasks and AsyncLocalStorage hooks per request, for ids that are in the
// row already. Same options, same encoding as plugin-relay; only the awaiting goes, when there is
// nothing to await. Loaded once, by builder.ts, after plugin-relay has installed its own.
import { RootFieldBuilder, isThenable } from "@pothos/core";
import { encodeGlobalID } from "@pothos/plugin-relay";

type IdResult = { type: unknown; id: unknown } | string | null | undefined;
type IdResolve = (parent: unknown, args: unknown, ctx: object, info: unknown) => IdResult | Promise<IdResult>;

const proto = RootFieldBuilder.prototype as unknown as {
  field(options: object): unknown;
  builder: PothosBuilder;
  globalID: (options: { resolve: IdResolve }) => unknown;
};
interface PothosBuilder {
  options: { relay?: { encodeGlobalID?: (typename: string, id: string, ctx: object) => string } };
  configStore: { getTypeConfig(ref: unknown): { name: string } };
}

proto.globalID = function globalID(this: typeof proto, { resolve, ...options }) {
  const builder = this.builder;
  const encode = builder.options.relay?.encodeGlobalID ?? ((typename: string, id: string) => encodeGlobalID(typename, id));
  const toGlobalID = (result: IdResult, ctx: object) =>
    !result || typeof result !== "object" ? result : encode(builder.configStore.getTypeConfig(result.type).name, String(result.id), ctx);
  return this.field({
    ...options,
    type: "ID",
    resolve: (parent: unknown, args: unknown, ctx: object, info: unknown) => {
      const result = resolve(parent, args, ctx, info);
      return isThenable(result) ? result.then((settled) => toGlobalID(settled, ctx)) : toGlobalID(result, ctx);
    },
  });
};
