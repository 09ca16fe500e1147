// One line when PostgreSQL or Redis goes down (naming what and where) and one when it is back,
// instead of a stack trace from every connection's every retry. A probe checks both every few
// seconds; the Redis clients' own error events are silenced (see redis.ts) and report here.
import type { Logger } from "./logger.js";
import { scrubSecrets } from "./logger.js";

export type Dependency = "database" | "redis";

export interface OutageMonitor {
  /** Whether a dependency is known to be down right now (callers then log less). */
  isDown(dep: Dependency): boolean;
  /** A failure seen elsewhere (e.g. a queue's connection error): probes now rather than at the
   *  next tick. Only the probe decides, so a late error from a connection that broke during an
   *  outage already over does not announce a new one. */
  report(dep: Dependency, err: unknown): void;
  close(): void;
}

/** Errors that mean "cannot reach it" rather than "it refused this". */
export const isConnectionError = (err: unknown) =>
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|Connection is closed/.test(
    `${(err as { code?: string })?.code ?? ""} ${(err as Error)?.message ?? String(err)}`,
  );

const LABEL: Record<Dependency, string> = { database: "PostgreSQL", redis: "Redis" };

/** host:port of a connection URL, without credentials. */
export function whereOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol.startsWith("redis") ? "6379" : "5432")}${u.pathname.length > 1 && !u.protocol.startsWith("redis") ? u.pathname : ""}`;
  } catch {
    return scrubSecrets(url);
  }
}

export function createOutageMonitor(opts: {
  log: Logger;
  where: Record<Dependency, string>;
  checks: Record<Dependency, () => Promise<unknown>>;
  intervalMs: number;
}): OutageMonitor {
  const down = new Map<Dependency, number>();
  // A probe without an answer in time, once, is a slow moment (a loaded machine, a long pause),
  // not an outage: only a second one in a row says so. A refused or broken connection does at once.
  const slow = new Set<Dependency>();
  const markDown = (dep: Dependency, err: unknown) => {
    if (down.has(dep)) return;
    down.set(dep, Date.now());
    const reason = scrubSecrets(String((err as { code?: string; message?: string })?.code ?? (err as Error)?.message ?? err));
    opts.log.error({ dependency: dep, at: opts.where[dep], reason }, `${LABEL[dep]} is unavailable at ${opts.where[dep]} (${reason}); retrying`);
  };
  const markUp = (dep: Dependency) => {
    const since = down.get(dep);
    if (since === undefined) return;
    down.delete(dep);
    opts.log.info({ dependency: dep, at: opts.where[dep], downMs: Date.now() - since }, `${LABEL[dep]} is back at ${opts.where[dep]}`);
  };
  let running = false;
  const probe = async () => {
    if (running) return;
    running = true;
    try {
      await Promise.all(
        (Object.keys(opts.checks) as Dependency[]).map(async (dep) => {
          try {
            await withTimeout(opts.checks[dep](), Math.max(500, opts.intervalMs));
            slow.delete(dep);
            markUp(dep);
          } catch (err) {
            if (err instanceof ProbeTimeout && !down.has(dep) && !slow.has(dep)) {
              slow.add(dep);
              return;
            }
            slow.delete(dep);
            markDown(dep, err);
          }
        }),
      );
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void probe(), opts.intervalMs);
  timer.unref();
  return {
    isDown: (dep) => down.has(dep),
    report: () => void probe(),
    close: () => clearInterval(timer),
  };
}

export class ProbeTimeout extends Error {}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new ProbeTimeout(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
