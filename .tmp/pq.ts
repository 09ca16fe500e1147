import { createPrisma } from "../src/db/client.js";
const prisma = createPrisma({ url: "postgresql://postgres@127.0.0.1:5432/postgres", poolMax: 2 });
// A query shape like the lists' (select + relation join), on a table-free raw? use pg_catalog via $queryRaw is not compiled; use a model query against a missing DB? Use the bench DB instead.
const db = process.env.DBURL!;
const p = createPrisma({ url: db, poolMax: 2 });
const run = async (i: number) => p.song.findMany({ where: { projectId: { not: `00000000-0000-0000-0000-0000000000${String(i % 90 + 10)}` } }, take: 100, select: { id: true, status: true, project: { select: { storeName: true } }, lyric: { select: { title: true } } } });
for (let i = 0; i < 300; i++) await run(i);
const c0 = process.cpuUsage(); const t0 = performance.now();
for (let i = 0; i < 1000; i++) await run(i);
const c = process.cpuUsage(c0);
console.log(process.execArgv.join(" ") || "default", "cpu ms/query", ((c.user + c.system) / 1000 / 1000).toFixed(3), "wall", ((performance.now() - t0) / 1000).toFixed(3), "rss", (process.memoryUsage().rss / 1e6).toFixed(0));
await p.$disconnect(); await prisma.$disconnect();
