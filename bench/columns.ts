// What reading a list's rows costs in this process, before any GraphQL: the songs list's query
// through Prisma with the columns castad's types select (every row reads its type's whole
// `select`, relations included: src/schema/generation-select.ts), through Prisma with only the
// columns the bench's songs query shows (id, title, audioUrl, createdAt, project { id storeName },
// lyric { id title }), the first one's statement through `pg` alone, and the shown columns as one
// JSON value through Prisma's raw query. Same rows and order, one statement each; CPU per read of
// 101 rows, alternating.
import pg from "pg";
import type { PrismaClient } from "../src/db/client.js";
import { lyricSelect, projectSelect, songSelect } from "../src/schema/generation-select.js";
import { ms, ratio, table } from "./lib.js";

const TYPES = { ...songSelect, lyricId: true, project: { select: projectSelect }, lyric: { select: lyricSelect } };
const SHOWN = {
  id: true,
  projectId: true,
  lyricId: true,
  createdAt: true,
  title: true,
  blobKey: true,
  project: { select: { id: true, storeName: true } },
  lyric: { select: { id: true, title: true } },
};

// The statement Prisma sends for TYPES (relation joins as JSONB, as Prisma builds them), written
// out for `pg`: what reading the same values costs without Prisma's query building and row mapping.
const column = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`); // schema.prisma's @map
const columns = (alias: string, select: Record<string, unknown>) =>
  Object.keys(select)
    .map((k) => `'${k}', ${alias}.${column(k)}`)
    .join(", ");
const RAW_SQL = `SELECT ${Object.keys({ ...songSelect, lyricId: true })
  .map((k) => `t0.${column(k)} AS "${k}"`)
  .join(", ")},
  (SELECT jsonb_build_object(${columns("p", projectSelect)}) FROM projects p WHERE p.id = t0.project_id) AS project,
  (SELECT jsonb_build_object(${columns("l", lyricSelect)}) FROM lyrics l WHERE l.id = t0.lyric_id) AS lyric
  FROM songs t0 JOIN projects j ON j.id = t0.project_id WHERE j.owner_id = $1 ORDER BY t0.created_at DESC, t0.id DESC LIMIT 101`;

// The SHOWN values as one JSON value shaped in SQL (json_agg), read through Prisma's raw query:
// what a second data path for lists — past plugin-prisma's query and Prisma's row mapping, as
// PostGraphile reads — would pay for its rows. With the yoga replay's cost it bounds from below
// what such a path could reach.
const JSON_SQL = `SELECT coalesce(json_agg(x), '[]'::json) AS list FROM (
  SELECT t0.id, t0.project_id AS "projectId", t0.lyric_id AS "lyricId", t0.created_at AS "createdAt", t0.title, t0.blob_key AS "blobKey",
    json_build_object('id', j.id, 'storeName', j.store_name) AS project,
    (SELECT json_build_object('id', l.id, 'title', l.title) FROM lyrics l WHERE l.id = t0.lyric_id) AS lyric
  FROM songs t0 JOIN projects j ON j.id = t0.project_id WHERE j.owner_id = $1::uuid
  ORDER BY t0.created_at DESC, t0.id DESC LIMIT 101) x`;

/** Values a row of `select` reads, its relations' included. */
const valuesPerRow = (select: object): number =>
  Object.values(select).reduce<number>((n, v) => n + (typeof v === "object" ? valuesPerRow((v as { select: object }).select) : 1), 0);

export async function runColumns(prisma: PrismaClient, databaseUrl: string, ownerId: string, rounds = 3, perRound = 200): Promise<string> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const viaPrisma = (select: typeof TYPES | typeof SHOWN) => () =>
    prisma.song.findMany({ select, where: { project: { ownerId } }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 101 });
  try {
    const lists = {
      types: viaPrisma(TYPES),
      shown: viaPrisma(SHOWN),
      raw: () => pool.query(RAW_SQL, [ownerId]).then((r) => r.rows),
      json: () => prisma.$queryRawUnsafe<{ list: unknown[] }[]>(JSON_SQL, ownerId).then((r) => r[0]!.list),
    };
    const names = Object.keys(lists) as (keyof typeof lists)[];
    const cpu = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<keyof typeof lists, number[]>;
    for (let round = 0; round < rounds; round++) {
      for (const name of round % 2 === 0 ? names : [...names].reverse()) {
        const rows = await lists[name]();
        if (rows.length !== 101) throw new Error(`columns: ${name} read ${rows.length} rows, expected 101`);
        for (let i = 0; i < 20; i++) await lists[name](); // warm-up
        const t0 = process.cpuUsage();
        for (let i = 0; i < perRound; i++) await lists[name]();
        const used = process.cpuUsage(t0);
        cpu[name].push((used.user + used.system) / 1000 / perRound);
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const [types, shown, raw, json] = [med(cpu.types), med(cpu.shown), med(cpu.raw), med(cpu.json)];
    const [all, few] = [String(valuesPerRow(TYPES)), String(valuesPerRow(SHOWN))];
    return table(
      ["songs(first:100) + project, lyric: 101 rows", "values per row", "CPU per read (median)", "vs castad's"],
      [
        ["through Prisma, the columns castad's types select", all, ms(types), "1.00×"],
        ["through Prisma, only the columns the query shows", few, ms(shown), ratio(shown, types)],
        ["through pg, castad's columns (the same SQL by hand)", all, ms(raw), ratio(raw, types)],
        ["through Prisma's raw query, the shown columns as one JSON value (json_agg)", few, ms(json), ratio(json, types)],
      ],
    );
  } finally {
    await pool.end();
  }
}
