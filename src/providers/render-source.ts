// The RenderScript castad sends to Creatomate: the template's own source with our values in its
// named elements, plus the top-level settings a template render cannot carry —
//   - `duration`: the video runs as long as the template says (a 3-minute song is cut to a
//     30-second ad), and the song element ends there with a fade-out (`audio_fade_out`);
//   - `snapshot_time`: Creatomate makes a thumbnail (snapshot_url) only when this is set;
//   - timed captions: the lyrics element is replaced by one text element per sung line, each
//     shown from its first word to its last (times from Suno's timestamped lyrics).
// Everything here is documented RenderScript (top-level duration/snapshot_time; element
// time/duration/text/source/audio_fade_out); no template is edited in the account.
import type { AlignedWord } from "./suno.js";
import type { CreatomateTemplate, ModificationPlan } from "./creatomate.js";

export interface Caption {
  text: string;
  start: number;
  end: number;
}

/** Groups sung words into caption lines: a new line after a pause of more than `gap` seconds or
 *  `maxWords` words. Lines that start after `until` are dropped; the last one is cut there. */
export function captionLines(words: readonly AlignedWord[], until: number, maxWords = 7, gap = 0.5): Caption[] {
  const lines: Caption[] = [];
  let cur: AlignedWord[] = [];
  const flush = () => {
    if (cur.length === 0) return;
    const start = cur[0]!.startS;
    if (start < until) lines.push({ text: cur.map((w) => w.word).join(" "), start, end: Math.min(until, cur[cur.length - 1]!.endS) });
    cur = [];
  };
  for (const w of words) {
    const prev = cur[cur.length - 1];
    if (prev && (w.startS - prev.endS > gap || cur.length >= maxWords)) flush();
    cur.push(w);
  }
  flush();
  return lines;
}

export interface RenderSettings {
  /** Video length in seconds (the song is faded out and cut there). */
  duration: number;
  /** Where the thumbnail is taken, seconds. */
  snapshotTime: number;
  /** Timed lines for the lyrics element; without them the lyrics element keeps its plain text. */
  captions?: readonly Caption[];
}

type Element = Record<string, unknown> & { name?: unknown; type?: unknown; elements?: unknown };

/** How long a video of this template with a song of `songSeconds` should run. */
export function fitDuration(templateSeconds: number | null, songSeconds: number | null, maxSeconds: number): number {
  const wanted = templateSeconds ?? songSeconds ?? maxSeconds;
  return Math.max(1, Math.min(wanted, songSeconds ?? wanted, maxSeconds));
}

export function buildRenderSource(template: Pick<CreatomateTemplate, "source">, plan: ModificationPlan, settings: RenderSettings): Record<string, unknown> {
  const source = structuredClone(template.source) as Record<string, unknown>;
  const { slots, modifications } = plan;
  const fill = (el: Element): Element[] => {
    const name = typeof el.name === "string" ? el.name : "";
    if (Array.isArray(el.elements)) el.elements = (el.elements as Element[]).flatMap(fill);
    if (name === slots.lyrics && settings.captions && settings.captions.length > 0) {
      return settings.captions.map((c, i) => ({ ...el, name: `${name}-${i + 1}`, text: c.text, time: round(c.start), duration: round(Math.max(0.1, c.end - c.start)) }));
    }
    const value = modifications[name];
    if (value === undefined) return [el];
    if (el.type === "text") return [{ ...el, text: value }];
    if (name === slots.music) return [{ ...el, source: value, duration: round(settings.duration), audio_fade_out: Math.min(2, settings.duration / 4) }];
    return [{ ...el, source: value }];
  };
  source.elements = Array.isArray(source.elements) ? (source.elements as Element[]).flatMap(fill) : [];
  source.duration = round(settings.duration);
  source.snapshot_time = round(Math.min(settings.snapshotTime, settings.duration));
  return source;
}

const round = (n: number) => Math.round(n * 100) / 100;
