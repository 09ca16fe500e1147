const what = process.argv[2];
const before = process.memoryUsage().rss;
if (what === "prisma") { const { createPrisma } = await import("../dist/src/db/client.js"); const p = createPrisma({ url: "postgresql://postgres@127.0.0.1:5432/postgres", poolMax: 2 }); await p.$queryRawUnsafe("select 1"); }
else if (what) await import(what);
globalThis.gc();
await new Promise((r) => setTimeout(r, 500));
globalThis.gc();
const m = process.memoryUsage();
console.log(what || "node", "rss", (m.rss / 1e6).toFixed(0), "delta", ((m.rss - before) / 1e6).toFixed(0), "heapUsed", (m.heapUsed / 1e6).toFixed(0), "external", (m.external/1e6).toFixed(0));
