// A status write in one SQL statement: the guarded row update, the project's sequence bump and
// the event insert as one statement of data-modifying CTEs (atomic like any statement, one round
// trip) instead of an interactive transaction of four (BEGIN, UPDATE, event, COMMIT). Every
// event of every ad is such a write: it is the worker's main cost and on every subscriber's
// critical path. Prisma's query builder cannot express it, so the SQL is written here; the
// columns it may set are the model's scalar fields from the Prisma client (snake_case in SQL,
// checked against the tables by tests/generations/status-write.test.ts), and Postgres converts
// the values to the columns' types (jsonb_populate_record), so no type is restated here.
import { PREPARED, Prisma, type PrismaClient } from "../db/client.js";
import { STAGES, type Kind, type Patch, type RowFor, type Status } from "./stages.js";

/** The scalar fields of each stage's model, as the Prisma client knows them. */
const FIELDS: { [K in Kind]: ReadonlySet<string> } = {
  LYRIC: new Set(Object.values(Prisma.LyricScalarFieldEnum)),
  SONG: new Set(Object.values(Prisma.SongScalarFieldEnum)),
  VIDEO: new Set(Object.values(Prisma.VideoScalarFieldEnum)),
};

export const columnOf = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** A column's field name, remembered: every status write maps its row's ~20 columns back. */
const fields = new Map<string, string>();
const fieldOf = (column: string) => {
  let field = fields.get(column);
  if (field === undefined) fields.set(column, (field = column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())));
  return field;
};
const identifier = (name: string) => Prisma.raw(`"${name}"`);
/** The row's columns, listed: the statement is prepared (PREPARED), and `t.*` would change its
 *  result type when a migration adds a column, which a prepared statement refuses. */
const RETURNED: { [K in Kind]: Prisma.Sql } = {
  LYRIC: returned("LYRIC"),
  SONG: returned("SONG"),
  VIDEO: returned("VIDEO"),
};
function returned(kind: Kind): Prisma.Sql {
  return Prisma.raw([...FIELDS[kind]].map((field) => `t."${columnOf(field)}"`).join(", "));
}

/** A patch value as JSON that Postgres reads back into the column's type. */
function jsonValue(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  return value;
}

/** A patch as SQL: its SET list (with `updated_at`, Prisma's @updatedAt) and the record of its
 *  plain values, which the statement reads as `patch` in the table's column types;
 *  `{ increment }` becomes arithmetic on the old value. */
function patchOf(kind: Kind, data: object): { sets: Prisma.Sql; plain: Record<string, unknown> } {
  const sets: Prisma.Sql[] = [Prisma.sql`updated_at = now()`];
  const plain: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    if (value === undefined) continue;
    if (!FIELDS[kind].has(field) || field === "id" || field === "updatedAt") throw new Error(`${field} is not a field a status write of ${kind} may set`);
    const column = identifier(columnOf(field));
    if (value !== null && typeof value === "object" && !(value instanceof Date)) {
      const increment = (value as { increment?: unknown }).increment;
      if (typeof increment !== "number" || Object.keys(value).length !== 1) throw new Error(`${field}: only plain values and { increment } are supported`);
      sets.push(Prisma.sql`${column} = t.${column} + ${increment}`);
    } else {
      plain[columnOf(field)] = jsonValue(value);
      sets.push(Prisma.sql`${column} = patch.${column}`);
    }
  }
  return { sets: Prisma.join(sets, ", "), plain };
}

export interface StatusWrite<K extends Kind> {
  row: RowFor<K>;
  /** The event's sequence and time, as stored. */
  sequence: number;
  createdAt: Date;
}

/** Applies `data` to the row while it is in one of `from` (and on `attempt`, when given) and
 *  appends its event with the project's next sequence; null when the guard did not hold. */
export async function writeStatus<K extends Kind>(
  prisma: PrismaClient,
  input: { kind: K; id: string; from: Status[]; attempt?: number | undefined; data: Patch<K>; message: string | null },
): Promise<StatusWrite<K> | null> {
  const table = identifier(STAGES[input.kind].table);
  const { sets, plain } = patchOf(input.kind, input.data);
  const attempt = input.attempt === undefined ? Prisma.empty : Prisma.sql`AND t.attempt = ${input.attempt}`;
  const rows = await prisma.$queryRaw<Record<string, unknown>[]>`${Prisma.raw(PREPARED)}
    WITH patch AS (SELECT * FROM jsonb_populate_record(NULL::${table}, ${JSON.stringify(plain)}::jsonb)),
    changed AS (
      UPDATE ${table} t SET ${sets} FROM patch
      WHERE t.id = ${input.id}::uuid AND t.status = ANY(${input.from}::"GenerationStatus"[]) ${attempt}
      RETURNING ${RETURNED[input.kind]}),
    next AS (
      UPDATE projects p SET event_sequence = p.event_sequence + 1, updated_at = now()
      FROM changed WHERE p.id = changed.project_id RETURNING p.event_sequence),
    event AS (
      INSERT INTO generation_events (project_id, sequence, kind, generation_id, status, progress, message)
      SELECT changed.project_id, next.event_sequence, ${input.kind}::"GenerationKind", changed.id, changed.status, changed.progress, ${input.message}
      FROM changed, next
      RETURNING sequence, created_at)
    SELECT changed.*, event.sequence AS "__event_sequence", event.created_at AS "__event_created_at" FROM changed, event`;
  const stored = rows[0];
  if (!stored) return null;
  const row: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(stored)) if (!column.startsWith("__event_")) row[fieldOf(column)] = value;
  return { row: row as RowFor<K>, sequence: Number(stored["__event_sequence"]), createdAt: stored["__event_created_at"] as Date };
}
