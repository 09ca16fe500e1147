// The status write and an appended event are named prepared statements (src/db/client.ts,
// PREPARED): PostgreSQL parses and plans them once per connection. Checked on PostgreSQL's side
// (pg_prepared_statements of the one pooled connection), with the switch for PgBouncers that do
// not keep prepared statements, and through a migration that adds a column while a connection
// holds the statement (which `RETURNING t.*` would turn into "cached plan must not change
// result type").
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { dropDatabases } from "../../scripts/run-data.js";
import { createPrisma, type PrismaClient } from "../../src/db/client.js";
import { defaultMigrationsDir, ensureDatabase, migrate } from "../../src/db/migrate.js";
import { writeStatus } from "../../src/generations/status-write.js";
import { appendEvent } from "../../src/generations/history.js";

const created: string[] = [];
const clients: PrismaClient[] = [];

afterAll(async () => {
  await Promise.all(clients.map((c) => c.$disconnect()));
  await dropDatabases(inject("adminDatabaseUrl"), created);
});

/** A database of this test's own (a migration runs in it), migrated. */
async function freshDatabase(): Promise<string> {
  const name = `castad_test_prep_${randomBytes(4).toString("hex")}`;
  const url = new URL(inject("adminDatabaseUrl"));
  url.pathname = `/${name}`;
  created.push(name);
  await ensureDatabase(url.toString());
  await migrate(url.toString(), defaultMigrationsDir());
  return url.toString();
}

/** One pooled connection, so what it prepared is what pg_prepared_statements shows it. */
function oneConnection(url: string, prepared?: boolean): PrismaClient {
  const prisma = createPrisma({ url, poolMax: 1, ...(prepared === undefined ? {} : { prepared }) });
  clients.push(prisma);
  return prisma;
}

async function lyric(prisma: PrismaClient) {
  const user = await prisma.user.create({ data: { email: `prep-${randomBytes(4).toString("hex")}@example.com`, passwordHash: "x" } });
  const project = await prisma.project.create({ data: { ownerId: user.id, storeName: "Prepared Cafe" } });
  return prisma.lyric.create({ data: { projectId: project.id, language: "EN", status: "PROCESSING" } });
}

const progress = (prisma: PrismaClient, id: string, value: number) =>
  writeStatus(prisma, { kind: "LYRIC", id, from: ["PROCESSING"], data: { progress: value }, message: `at ${value}` });

const preparedHere = (prisma: PrismaClient) =>
  prisma.$queryRaw<{ name: string; statement: string }[]>`SELECT name, statement FROM pg_prepared_statements`;

describe("the status write as a prepared statement", () => {
  it("is parsed once per connection under one name, and runs the same every time", async () => {
    const prisma = oneConnection(inject("databaseUrl"));
    const row = await lyric(prisma);
    for (let i = 1; i <= 7; i++) expect((await progress(prisma, row.id, i))?.row.progress).toBe(i);
    const statements = await preparedHere(prisma);
    const writes = statements.filter((s) => s.statement.includes("INSERT INTO generation_events"));
    expect(writes).toHaveLength(1);
    expect(writes[0]!.name).toMatch(/^castad_\d+$/);
    // Only the marked statements: Prisma's own (the creates above, this select) stay unnamed.
    expect(statements).toHaveLength(1);
    const events = await prisma.generationEvent.findMany({ where: { generationId: row.id }, orderBy: { sequence: "asc" } });
    expect(events.map((e) => [e.sequence, e.progress])).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => [n, n]));
  });

  it("so is an event appended inside a transaction (a new generation's QUEUED)", async () => {
    const prisma = oneConnection(inject("databaseUrl"));
    const row = await lyric(prisma);
    for (let i = 0; i < 3; i++) {
      const event = await prisma.$transaction((tx) =>
        appendEvent(tx, { projectId: row.projectId, kind: "LYRIC", generationId: row.id, status: "QUEUED", progress: 0, message: null }),
      );
      expect(event.sequence).toBe(i + 1);
    }
    const statements = await preparedHere(prisma);
    expect(statements).toHaveLength(1);
    expect(statements[0]!.statement).toContain("INSERT INTO generation_events");
  });

  it("is not prepared with DB_PREPARED_STATEMENTS=false (a PgBouncer that does not keep them)", async () => {
    const prisma = oneConnection(inject("databaseUrl"), false);
    const row = await lyric(prisma);
    for (let i = 1; i <= 3; i++) expect((await progress(prisma, row.id, i))?.row.progress).toBe(i);
    expect(await preparedHere(prisma)).toEqual([]);
  });

  it("keeps working on a connection that prepared it before a migration added a column", async () => {
    const url = await freshDatabase();
    const prisma = oneConnection(url);
    const row = await lyric(prisma);
    expect((await progress(prisma, row.id, 1))?.row.progress).toBe(1);
    expect(await preparedHere(prisma)).toHaveLength(1);

    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`ALTER TABLE lyrics ADD COLUMN added_later integer NOT NULL DEFAULT 7`);
    } finally {
      await admin.end();
    }

    const after = await progress(prisma, row.id, 2);
    expect(after?.row.progress).toBe(2);
    expect(after?.sequence).toBe(2);
    // The row is what this build's Prisma client knows: the new column is not in it.
    expect(after?.row).not.toHaveProperty("addedLater");
    expect(await preparedHere(prisma)).toHaveLength(1);
  });
});
