/**
 * A small generic JSON Schema example generator for `response_format: {type: "json_schema"}`.
 * Handles object/array/string/number/integer/boolean/null, enum, const, anyOf/oneOf (first non-null
 * branch), allOf (merged), $ref to #/definitions or #/$defs, min/max items/length/value.
 * String values are chosen by property name: title → song title, lyrics → jingle lyrics, etc.
 */
import { isRecord, type JsonValue } from "./http.js";
import { lyricsLines, songStyle, songTitle, type StoreBrief } from "./lyrics.js";

interface GenState {
  root: Record<string, unknown>;
  brief: StoreBrief;
  depth: number;
}

function resolveRef(ref: string, root: Record<string, unknown>): unknown {
  if (!ref.startsWith("#")) return {};
  const parts = ref
    .slice(1)
    .split("/")
    .filter((p) => p !== "")
    .map((p) => decodeURIComponent(p.replace(/~1/g, "/").replace(/~0/g, "~")));
  let cur: unknown = root;
  for (const p of parts) {
    if (!isRecord(cur)) return {};
    cur = cur[p];
  }
  return cur ?? {};
}

function typeOf(schema: Record<string, unknown>): string | null {
  const t = schema.type;
  if (typeof t === "string") return t;
  if (Array.isArray(t)) {
    const nonNull = t.find((x) => x !== "null");
    return typeof nonNull === "string" ? nonNull : "null";
  }
  if (isRecord(schema.properties)) return "object";
  if (schema.items !== undefined) return "array";
  return null;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function stringFor(name: string, st: GenState): string {
  const n = name.toLowerCase().replace(/[^a-z]/g, "");
  const b = st.brief;
  if (/^(title|songtitle|songname|name)$/.test(n) || n.endsWith("title")) return songTitle(b);
  if (/lyric|song|verse|chorus|text|content|body/.test(n)) return lyricsLines(b).join("\n");
  if (/style|genre|tags|mood|prompt/.test(n)) return songStyle(b);
  if (/^(language|lang|locale)$/.test(n)) return b.languageLabel;
  if (/store|business|shop|brand/.test(n)) return b.storeName;
  if (/address|location/.test(n)) return b.address ?? "";
  if (/description|summary/.test(n)) return b.description ?? `A jingle for ${b.storeName}`;
  return `sandbox ${name || "value"}`;
}

function gen(schemaIn: unknown, name: string, st: GenState): JsonValue {
  if (st.depth > 12) return null;
  if (schemaIn === true || schemaIn === undefined) return stringFor(name, st);
  if (!isRecord(schemaIn)) return null;
  let schema = schemaIn;
  if (typeof schema.$ref === "string") schema = { ...(resolveRef(schema.$ref, st.root) as Record<string, unknown>) };
  if ("const" in schema) return (schema.const ?? null) as JsonValue;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    const lang = st.brief.languageLabel.toLowerCase();
    const match = schema.enum.find((e) => typeof e === "string" && e.toLowerCase() === lang);
    return (match ?? schema.enum[0] ?? null) as JsonValue;
  }
  const branches = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : null;
  if (branches) {
    const pick =
      branches.find((b) => !(isRecord(b) && (b.type === "null" || (Array.isArray(b.type) && b.type.every((t) => t === "null"))))) ??
      branches[0];
    return gen(pick, name, { ...st, depth: st.depth + 1 });
  }
  if (Array.isArray(schema.allOf)) {
    const merged: Record<string, unknown> = { type: "object", properties: {}, required: [] };
    for (const part0 of schema.allOf) {
      const part = isRecord(part0) && typeof part0.$ref === "string" ? resolveRef(part0.$ref, st.root) : part0;
      if (!isRecord(part)) continue;
      Object.assign(merged.properties as Record<string, unknown>, isRecord(part.properties) ? part.properties : {});
      if (Array.isArray(part.required)) (merged.required as unknown[]).push(...part.required);
      if (typeof part.type === "string") merged.type = part.type;
    }
    return gen(merged, name, { ...st, depth: st.depth + 1 });
  }
  const type = typeOf(schema);
  switch (type) {
    case "object": {
      const out: { [k: string]: JsonValue } = {};
      const props = isRecord(schema.properties) ? schema.properties : {};
      for (const [k, v] of Object.entries(props)) out[k] = gen(v, k, { ...st, depth: st.depth + 1 });
      if (Array.isArray(schema.required)) {
        for (const k of schema.required) if (typeof k === "string" && !(k in out)) out[k] = stringFor(k, st);
      }
      return out;
    }
    case "array": {
      const min = num(schema.minItems) ?? 1;
      const max = num(schema.maxItems) ?? Math.max(min, 3);
      const items = schema.items;
      const itemType = isRecord(items) ? typeOf(items) : null;
      if (itemType === "string" && /line|lyric|verse/i.test(name)) {
        const lines = lyricsLines(st.brief).filter((l) => l !== "");
        const n = Math.max(min, Math.min(max, lines.length));
        return Array.from({ length: n }, (_, i) => lines[i % lines.length] ?? "");
      }
      const count = Math.max(min, Math.min(max, 1));
      return Array.from({ length: count }, () => gen(items, singular(name), { ...st, depth: st.depth + 1 }));
    }
    case "integer":
    case "number": {
      const lo = num(schema.minimum) ?? (num(schema.exclusiveMinimum) !== undefined ? (num(schema.exclusiveMinimum) as number) + 1 : undefined);
      const hi = num(schema.maximum) ?? (num(schema.exclusiveMaximum) !== undefined ? (num(schema.exclusiveMaximum) as number) - 1 : undefined);
      let v = /duration|second|length/i.test(name) ? 30 : 1;
      if (lo !== undefined && v < lo) v = lo;
      if (hi !== undefined && v > hi) v = hi;
      return type === "integer" ? Math.ceil(v) : v;
    }
    case "boolean":
      return true;
    case "null":
      return null;
    default: {
      let s = stringFor(name, st);
      if (schema.format === "date-time") s = new Date().toISOString();
      else if (schema.format === "date") s = new Date().toISOString().slice(0, 10);
      else if (schema.format === "uri" || schema.format === "url") s = "https://example.com/sandbox";
      const maxLen = num(schema.maxLength);
      const minLen = num(schema.minLength);
      if (maxLen !== undefined && [...s].length > maxLen) s = [...s].slice(0, maxLen).join("");
      if (minLen !== undefined && [...s].length < minLen) s = s.padEnd(minLen, ".");
      return s;
    }
  }
}

function singular(name: string): string {
  return name.endsWith("s") ? name.slice(0, -1) : name;
}

export function exampleForSchema(schema: unknown, brief: StoreBrief): JsonValue {
  const root = isRecord(schema) ? schema : {};
  return gen(schema, "", { root, brief, depth: 0 });
}
