// What one heap snapshot holds more than another, by kind of object, per unit: e.g. the two
// snapshots the live part writes with BENCH_HEAP_SNAPSHOT=<dir> (subscriptions open, then
// closed), per subscription.
//   node bench/heap-diff.mjs <open.heapsnapshot> <closed.heapsnapshot> [units=1000] [rows=40]
// Rows are (V8 node type, constructor or name), with the count and self size per unit.
import { readFileSync } from "node:fs";

const [more, less, unitsArg, rowsArg] = process.argv.slice(2);
if (!more || !less) {
  console.error("usage: node bench/heap-diff.mjs <more.heapsnapshot> <less.heapsnapshot> [units] [rows]");
  process.exit(2);
}
const units = Number(unitsArg ?? 1000);
const rows = Number(rowsArg ?? 40);

/** (type, name) → [count, self size] of one snapshot (the format DevTools reads). */
function tally(file) {
  const snapshot = JSON.parse(readFileSync(file, "utf8"));
  const { node_fields: fields, node_types: [types] } = snapshot.snapshot.meta;
  const [type, name, size] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
  const byKind = new Map();
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const kind = types[snapshot.nodes[i + type]];
    // Strings are named by their text: cut, so equal prefixes group.
    const label = snapshot.strings[snapshot.nodes[i + name]].slice(0, kind.includes("string") ? 40 : 60);
    const key = `${kind}  ${label}`;
    const entry = byKind.get(key) ?? [0, 0];
    entry[0]++;
    entry[1] += snapshot.nodes[i + size];
    byKind.set(key, entry);
  }
  return byKind;
}

const [a, b] = [tally(more), tally(less)];
const diff = [];
let objects = 0;
let bytes = 0;
for (const key of new Set([...a.keys(), ...b.keys()])) {
  const [countA, sizeA] = a.get(key) ?? [0, 0];
  const [countB, sizeB] = b.get(key) ?? [0, 0];
  objects += countA - countB;
  bytes += sizeA - sizeB;
  if (sizeA !== sizeB) diff.push([key, (countA - countB) / units, (sizeA - sizeB) / units]);
}
diff.sort((x, y) => y[2] - x[2]);
console.log(`${(objects / units).toFixed(1)} objects, ${(bytes / units).toFixed(0)} bytes per unit`);
for (const [key, count, size] of diff.slice(0, rows)) console.log(`${size.toFixed(0).padStart(7)} B ${count.toFixed(2).padStart(7)}  ${key}`);
