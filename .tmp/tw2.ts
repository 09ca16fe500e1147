import { ensureDatabase, migrate, defaultMigrationsDir } from "../src/db/migrate.js";
import { createPrisma } from "../src/db/client.js";
import pg from "pg";
import { dropDatabases } from "../scripts/run-data.js";
const url = "postgresql://postgres@127.0.0.1:5432/castad_tw";
await ensureDatabase(url); await migrate(url, defaultMigrationsDir());
const prisma = createPrisma({ url, poolMax: 4 });
const user = await prisma.user.create({ data: { email: `u${Date.now()}@x.y`, passwordHash: "x" } });
const project = await prisma.project.create({ data: { ownerId: user.id, storeName: "tw" } });
const lyric = await prisma.lyric.create({ data: { projectId: project.id, language: "EN", status: "PROCESSING" } });
const SQL = `WITH row AS (UPDATE lyrics SET progress = $1, updated_at = now() WHERE id = $2::uuid AND status = ANY($3::"GenerationStatus"[]) RETURNING *),
 next AS (UPDATE projects p SET event_sequence = p.event_sequence + 1, updated_at = now() FROM row WHERE p.id = row.project_id RETURNING p.id, p.event_sequence),
 ev AS (INSERT INTO generation_events (project_id, sequence, kind, generation_id, status, progress, message)
   SELECT next.id, next.event_sequence, 'LYRIC', row.id, row.status, row.progress, $4 FROM next, row RETURNING sequence, created_at)
 SELECT row.*, ev.sequence, ev.created_at AS event_at FROM row, ev`;
const pool = new pg.Pool({ connectionString: url, max: 4 });
const variants: [string, (i: number) => Promise<unknown>][] = [
  ["prisma $queryRawUnsafe one statement", (i) => prisma.$queryRawUnsafe(SQL, i % 100, lyric.id, ["PROCESSING"], "m")],
  ["pg one statement", (i) => pool.query(SQL, [i % 100, lyric.id, ["PROCESSING"], "m"])],
  ["prisma updateManyAndReturn alone", (i) => prisma.lyric.updateManyAndReturn({ where: { id: lyric.id, status: { in: ["PROCESSING"] } }, data: { progress: i % 100 } })],
  ["prisma empty interactive tx", () => prisma.$transaction(async () => null)],
];
for (const round of [1, 2]) for (const [name, f] of variants) {
  for (let i = 0; i < 200; i++) await f(i);
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < 1000; i++) await f(i);
  const cpu = process.cpuUsage(c0); const wall = performance.now() - t0;
  console.log(`${name}: wall ${(wall / 1000).toFixed(3)} ms, cpu ${((cpu.user + cpu.system) / 1000 / 1000).toFixed(3)} ms`);
}
console.log(await prisma.$queryRawUnsafe(SQL, 5, lyric.id, ["PROCESSING"], "m"));
await prisma.$disconnect(); await pool.end();
await dropDatabases("postgresql://postgres@127.0.0.1:5432/postgres", ["castad_tw"]);
