/**
 * WAV synthesis: 16-bit PCM mono 22050 Hz, a looping pentatonic melody.
 * Any byte range of any size can be produced on the fly (notes are pre-rendered once and copied),
 * so a 60 MB file is streamed in small chunks and never held in memory.
 */
import { Readable } from "node:stream";

const WAV_SAMPLE_RATE = 22050;
const WAV_HEADER_BYTES = 44;
const BYTES_PER_SAMPLE = 2;
const NOTE_SECONDS = 0.25;
const SAMPLES_PER_NOTE = Math.round(WAV_SAMPLE_RATE * NOTE_SECONDS);
const NOTE_BYTES = SAMPLES_PER_NOTE * BYTES_PER_SAMPLE;
const PATTERN_LENGTH = 32;
/** C major pentatonic over two octaves + a rest (0). */
const SCALE_HZ = [0, 261.63, 293.66, 329.63, 392.0, 440.0, 523.25, 587.33, 659.25, 783.99, 880.0];

export interface WavSpec {
  seed: number;
  /** PCM data bytes (even). Total file size = 44 + dataBytes. */
  dataBytes: number;
}

export function wavSpecForSeconds(seed: number, seconds: number): WavSpec {
  return { seed, dataBytes: Math.round(seconds * WAV_SAMPLE_RATE) * BYTES_PER_SAMPLE };
}

/** A WAV whose whole file size is `totalBytes` (rounded down to an even number, min 46). */
export function wavSpecForTotalBytes(seed: number, totalBytes: number): WavSpec {
  const data = Math.max(2, totalBytes - WAV_HEADER_BYTES);
  return { seed, dataBytes: data - (data % 2) };
}

export function wavTotalBytes(spec: WavSpec): number {
  return WAV_HEADER_BYTES + spec.dataBytes;
}

export function wavDurationSeconds(spec: WavSpec): number {
  return Math.round((spec.dataBytes / (WAV_SAMPLE_RATE * BYTES_PER_SAMPLE)) * 100) / 100;
}

function wavHeader(dataBytes: number): Buffer {
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  h.write("RIFF", 0, "ascii");
  h.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  h.write("WAVE", 8, "ascii");
  h.write("fmt ", 12, "ascii");
  h.writeUInt32LE(16, 16); // fmt chunk size
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(WAV_SAMPLE_RATE, 24);
  h.writeUInt32LE(WAV_SAMPLE_RATE * BYTES_PER_SAMPLE, 28); // byte rate
  h.writeUInt16LE(BYTES_PER_SAMPLE, 32); // block align
  h.writeUInt16LE(16, 34); // bits per sample
  h.write("data", 36, "ascii");
  h.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  return h;
}

let noteCache: Buffer[] | null = null;

function notes(): Buffer[] {
  if (noteCache) return noteCache;
  noteCache = SCALE_HZ.map((hz) => {
    const buf = Buffer.alloc(NOTE_BYTES);
    if (hz === 0) return buf;
    const attack = Math.round(0.01 * WAV_SAMPLE_RATE);
    const release = Math.round(0.03 * WAV_SAMPLE_RATE);
    for (let i = 0; i < SAMPLES_PER_NOTE; i++) {
      const t = i / WAV_SAMPLE_RATE;
      let env = Math.exp(-3.2 * t);
      if (i < attack) env *= i / attack;
      if (i > SAMPLES_PER_NOTE - release) env *= (SAMPLES_PER_NOTE - i) / release;
      const w = 2 * Math.PI * hz * t;
      const v = 0.62 * Math.sin(w) + 0.25 * Math.sin(2 * w) + 0.08 * Math.sin(3 * w);
      buf.writeInt16LE(Math.round(v * env * 0.45 * 32767), i * BYTES_PER_SAMPLE);
    }
    return buf;
  });
  return noteCache;
}

/** Deterministic melody (indices into SCALE_HZ) for a seed. */
function pattern(seed: number): number[] {
  let s = (seed >>> 0) || 1;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const out: number[] = [];
  let cur = 1 + Math.floor(rnd() * 5);
  for (let i = 0; i < PATTERN_LENGTH; i++) {
    if (i % 8 === 7) {
      out.push(0); // breathe at the end of each phrase
      continue;
    }
    cur = Math.min(SCALE_HZ.length - 1, Math.max(1, cur + Math.floor(rnd() * 5) - 2));
    out.push(cur);
  }
  return out;
}

/** Writes bytes [start, start+len) of the WAV described by spec into target at targetOffset. */
function fill(spec: WavSpec, header: Buffer, pat: number[], start: number, target: Buffer, len: number): void {
  const noteBufs = notes();
  let pos = start;
  let written = 0;
  while (written < len) {
    if (pos < WAV_HEADER_BYTES) {
      const n = Math.min(len - written, WAV_HEADER_BYTES - pos);
      header.copy(target, written, pos, pos + n);
      pos += n;
      written += n;
      continue;
    }
    const d = pos - WAV_HEADER_BYTES;
    const noteIndex = Math.floor(d / NOTE_BYTES);
    const inNote = d % NOTE_BYTES;
    const note = noteBufs[pat[noteIndex % pat.length] ?? 0] ?? noteBufs[0];
    if (!note) throw new Error("note cache empty");
    const n = Math.min(len - written, NOTE_BYTES - inNote);
    note.copy(target, written, inNote, inNote + n);
    pos += n;
    written += n;
  }
}

/** Readable stream of bytes [start, endInclusive] of the WAV (backpressure-aware, 64 KiB chunks). */
export function wavStream(spec: WavSpec, start = 0, endInclusive = wavTotalBytes(spec) - 1): Readable {
  const header = wavHeader(spec.dataBytes);
  const pat = pattern(spec.seed);
  const CHUNK = 64 * 1024;
  function* gen(): Generator<Buffer> {
    let pos = start;
    while (pos <= endInclusive) {
      const len = Math.min(CHUNK, endInclusive - pos + 1);
      const buf = Buffer.allocUnsafe(len);
      fill(spec, header, pat, pos, buf, len);
      pos += len;
      yield buf;
    }
  }
  return Readable.from(gen(), { objectMode: false });
}
