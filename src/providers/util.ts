// Small helpers shared by the provider clients.
import { z } from "zod";

/** A number on the wire that may come as a string, empty or missing: a finite number or null. */
export const looseNumber = z
  .union([z.number(), z.string()])
  .nullish()
  .transform((v) => {
    if (v === null || v === undefined || v === "") return null;
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  });

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
