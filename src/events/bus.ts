// Generation events travel from whichever process changed a row (API or worker) to every
// API instance over Redis pub/sub. One subscriber connection per process serves all
// listeners, with per-channel reference counts, and `listen` resolves only once Redis has
// confirmed the SUBSCRIBE — the replay/live hand-over of subscriptions relies on that.
// (yoga's Redis event target does not expose that confirmation, hence this small bus.)
import type { Config } from "../config.js";
import { createRedis, redisKey, type Redis } from "../redis.js";
import type { GenerationEventMessage } from "./message.js";

/** Put in a listener's queue instead of events once it fell too far behind. */
export const OVERFLOW = Symbol("overflow");
/** What `next()` gives once the listener is closed (also to a call already waiting). */
export const CLOSED = Symbol("closed");
/** What a listener gets when the Redis subscription dropped (events may have been missed):
 *  its stream should end with SERVICE_UNAVAILABLE so the client resubscribes with `after`. */
export const INTERRUPTED = Symbol("interrupted");
export type Delivery = GenerationEventMessage | typeof OVERFLOW | typeof CLOSED | typeof INTERRUPTED;

export interface EventListener extends AsyncIterable<Delivery> {
  next(): Promise<Delivery>;
  /** next() without a promise: the next delivery if one is here already (CLOSED once closed);
   *  otherwise undefined, and `receive` gets the next one when it comes — called synchronously
   *  from the Redis message handler, so it must not throw. */
  poll(receive: (d: Delivery) => void): Delivery | undefined;
  /** Stops delivery; a pending `next()` resolves with CLOSED. */
  close(): Promise<void>;
}

export interface EventBus {
  publish(event: GenerationEventMessage): void;
  /** Starts receiving a project's events; at most `maxBuffer` wait unread (then OVERFLOW). */
  listen(projectId: string, maxBuffer: number): Promise<EventListener>;
  /** Called whenever the subscription connection to Redis drops (listeners get INTERRUPTED). */
  onInterrupted(callback: () => void): void;
  /** Open listeners and subscribed channels in this process (for hygiene checks). */
  stats(): { listeners: number; channels: number };
  /** Ends every open listener (a draining API ends its subscriptions; clients resume with `after`). */
  closeListeners(): Promise<void>;
  close(): Promise<void>;
}

/** A channel's listeners in this process. Each listener holds its channel, so the channel's
 *  name is kept once, not once per subscription. */
class Channel extends Set<BufferedListener> {
  constructor(readonly name: string) {
    super();
  }
}

class BufferedListener implements EventListener {
  private queue: Delivery[] = [];
  private waiting: ((d: Delivery) => void) | null = null;
  private overflowed = false;
  closed = false;

  constructor(
    private readonly maxBuffer: number,
    readonly channel: Channel,
    /** The bus's (one for all listeners): lets go of the listener's channel. */
    private readonly onClose: (l: BufferedListener) => Promise<void>,
  ) {}

  push(event: GenerationEventMessage) {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      return resolve(event);
    }
    if (this.overflowed) return;
    if (this.queue.length >= this.maxBuffer) {
      // A slow consumer: drop what is buffered and let it catch up from the database.
      this.queue = [OVERFLOW];
      this.overflowed = true;
      return;
    }
    this.queue.push(event);
  }

  next(): Promise<Delivery> {
    let receive!: (d: Delivery) => void;
    const later = new Promise<Delivery>((resolve) => (receive = resolve));
    const now = this.poll(receive);
    return now === undefined ? later : Promise.resolve(now);
  }

  poll(receive: (d: Delivery) => void): Delivery | undefined {
    if (this.closed) return CLOSED;
    const head = this.queue.shift();
    if (head !== undefined) {
      if (head === OVERFLOW) this.overflowed = false;
      return head;
    }
    this.waiting = receive;
    return undefined;
  }

  /** Ends delivery with INTERRUPTED, ahead of anything still buffered. */
  interrupt() {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      return resolve(INTERRUPTED);
    }
    this.queue = [INTERRUPTED];
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.(CLOSED);
    await this.onClose(this);
  }

  async *[Symbol.asyncIterator]() {
    try {
      for (;;) {
        const d = await this.next();
        if (d === CLOSED || d === INTERRUPTED) return;
        yield d;
      }
    } finally {
      await this.close();
    }
  }
}

export interface EventBusOptions {
  /** Called for each message that arrives for a channel this process listens to (metrics). */
  onMessage?: (event: GenerationEventMessage) => void;
}

export function createEventBus(config: Pick<Config, "REDIS_URL" | "REDIS_PREFIX" | "REDIS_CLUSTER_NODES">, opts: EventBusOptions = {}): EventBus {
  const publisher: Redis = createRedis(config, "castad-events-pub", { failFast: true });
  const subscriber: Redis = createRedis(config, "castad-events-sub");
  const channels = new Map<string, Channel>();
  const pending = new Map<string, Promise<unknown>>();
  const channel = (projectId: string) => redisKey(config, "generation-events", projectId);

  const interruptedCallbacks: (() => void)[] = [];
  let closing = false;
  // The connection dropped (Redis stopped, network): whatever was published meanwhile is lost
  // to us, so every open stream ends and its client resubscribes (replaying from `after`).
  subscriber.on("close", () => {
    if (closing) return;
    for (const set of channels.values()) for (const l of set) l.interrupt();
    for (const cb of interruptedCallbacks) cb();
  });

  subscriber.on("message", (ch: string, raw: string) => {
    const listeners = channels.get(ch);
    if (!listeners?.size) return;
    let event: GenerationEventMessage;
    try {
      event = JSON.parse(raw) as GenerationEventMessage;
    } catch {
      return;
    }
    opts.onMessage?.(event);
    for (const l of listeners) l.push(event);
  });

  const release = async (l: BufferedListener) => {
    const ch = l.channel.name;
    const set = channels.get(ch);
    set?.delete(l);
    if (set && set.size === 0) {
      channels.delete(ch);
      await pending.get(ch);
      if (!channels.has(ch)) await subscriber.unsubscribe(ch).catch(() => {});
    }
  };

  return {
    publish: (event) => {
      publisher.publish(channel(event.projectId), JSON.stringify(event)).catch(() => {
        // Subscribers recover from a lost publish: the next event reveals the gap and they
        // read it from the database.
      });
    },
    listen: async (projectId, maxBuffer) => {
      const ch = channel(projectId);
      let set = channels.get(ch);
      if (!set) channels.set(ch, (set = new Channel(ch)));
      const listener = new BufferedListener(Math.max(1, maxBuffer), set, release);
      set.add(listener);
      // Every listener waits for the (shared) confirmation of its channel's SUBSCRIBE.
      let confirm = pending.get(ch);
      if (!confirm || set.size === 1) {
        confirm = subscriber.subscribe(ch);
        pending.set(ch, confirm);
      }
      try {
        await confirm;
      } catch (err) {
        await listener.close();
        throw err;
      }
      return listener;
    },
    onInterrupted: (callback) => void interruptedCallbacks.push(callback),
    stats: () => ({
      listeners: [...channels.values()].reduce((n, s) => n + s.size, 0),
      channels: channels.size,
    }),
    closeListeners: async () => {
      await Promise.all([...channels.values()].flatMap((set) => [...set].map((l) => l.close())));
    },
    close: async () => {
      closing = true;
      for (const set of channels.values()) for (const l of set) l.closed = true;
      channels.clear();
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}
