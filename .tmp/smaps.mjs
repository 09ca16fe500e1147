import { readFileSync } from "node:fs";
setTimeout(() => {
  globalThis.gc?.();
  setTimeout(() => {
    const smaps = readFileSync(`/proc/${process.pid}/smaps`, "utf8").split("\n");
    const by = new Map(); let cur = "";
    for (const l of smaps) {
      const m = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(l);
      if (m) { cur = m[1] || "[anon]"; continue; }
      const r = /^Rss:\s+(\d+) kB/.exec(l);
      if (r) by.set(cur, (by.get(cur) ?? 0) + Number(r[1]));
    }
    const total = [...by.values()].reduce((a, b) => a + b, 0);
    console.error("SMAPS total MB", (total / 1024).toFixed(0));
    for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.error("SMAPS", (v / 1024).toFixed(1), k);
    const m = process.memoryUsage(); console.error("MEM heapUsed", (m.heapUsed/1e6).toFixed(0), "heapTotal", (m.heapTotal/1e6).toFixed(0), "external", (m.external/1e6).toFixed(0));
  }, 500);
}, 7000).unref?.();
