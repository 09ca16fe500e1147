import v8 from "node:v8";
setTimeout(() => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  const f = (x) => (x / 1e6).toFixed(1);
  console.error("MEM rss", f(m.rss), "heapTotal", f(m.heapTotal), "heapUsed", f(m.heapUsed), "external", f(m.external), "arrayBuffers", f(m.arrayBuffers));
  for (const s of v8.getHeapSpaceStatistics()) console.error("SPACE", s.space_name, f(s.space_size), f(s.space_used_size));
  const c = v8.getHeapCodeStatistics(); console.error("CODE", JSON.stringify(Object.fromEntries(Object.entries(c).map(([k, v]) => [k, f(v)]))));
  if (process.env.SNAP) console.error("SNAP", v8.writeHeapSnapshot(process.env.SNAP));
}, 6000).unref?.();
