import { ensureDatabase, migrate, defaultMigrationsDir } from "../src/db/migrate.js";
import { createPrisma } from "../src/db/client.js";
import { transition } from "../src/generations/history.js";
import { dropDatabases } from "../scripts/run-data.js";
const url = "postgresql://postgres@127.0.0.1:5432/castad_tw";
await ensureDatabase(url); await migrate(url, defaultMigrationsDir());
const events = { publish() {} } as any;
for (const log of [false, true, false]) {
  let n = 0;
  const prisma = createPrisma({ url, poolMax: 4, onQuery: log ? () => n++ : undefined });
  const user = await prisma.user.create({ data: { email: `u${Date.now()}${log}@x.y`, passwordHash: "x" } });
  const project = await prisma.project.create({ data: { ownerId: user.id, storeName: "tw" } });
  const lyric = await prisma.lyric.create({ data: { projectId: project.id, language: "EN", status: "PROCESSING" } });
  const run = async (k: number) => { for (let i = 0; i < k; i++) await transition({ prisma, events }, { kind: "LYRIC", id: lyric.id, from: ["PROCESSING"], data: { progress: i % 100 }, message: "m" }); };
  await run(200);
  const c0 = process.cpuUsage(); const t0 = performance.now();
  await run(1000);
  const cpu = process.cpuUsage(c0); const wall = performance.now() - t0;
  console.log(`log=${log}: wall ${(wall / 1000).toFixed(3)} ms/write, cpu ${((cpu.user + cpu.system) / 1000 / 1000).toFixed(3)} ms/write`);
  await prisma.$disconnect();
}
await dropDatabases("postgresql://postgres@127.0.0.1:5432/postgres", ["castad_tw"]);
