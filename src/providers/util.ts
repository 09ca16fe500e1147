// Small helpers shared by the provider clients.
import { setTimeout as sleep } from "node:timers/promises";

/** setTimeout as a promise; an abort rejects with the signal's own reason (not a generic AbortError). */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return sleep(ms);
  try {
    await sleep(ms, undefined, { signal });
  } catch (err) {
    throw signal.aborted ? signal.reason : err;
  }
}

/** Cuts to at most `max` characters (code points), at the last separator when one is reasonably close to the end. */
export function truncateAt(s: string, max: number, separators: RegExp = /[\s,]/): string {
  const cps = [...s];
  if (cps.length <= max) return s;
  const cut = cps.slice(0, max);
  for (let i = cut.length - 1; i >= Math.floor(max * 0.6); i--) {
    if (separators.test(cut[i]!)) return cut.slice(0, i).join("").replace(/[\s,;:\-–—]+$/u, "");
  }
  return cut.join("").trimEnd();
}
