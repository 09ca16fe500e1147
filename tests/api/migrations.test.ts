// The offline migration runner against fresh databases: idempotent, safe to run concurrently,
// and refusing a migration that was edited after it was applied.
import { dropDatabases } from "../../scripts/run-data.js";
import { randomBytes } from "node:crypto";
import { cp, mkdtemp, readdir, rm, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { defaultMigrationsDir, ensureDatabase, migrate, MigrationError } from "../../src/db/migrate.js";
import { createPrisma } from "../../src/db/client.js";

const created: string[] = [];

async function freshDatabase(): Promise<string> {
  const name = `castad_test_mig_${randomBytes(4).toString("hex")}`;
  const url = new URL(inject("adminDatabaseUrl"));
  url.pathname = `/${name}`;
  created.push(name);
  expect(await ensureDatabase(url.toString())).toBe(true);
  expect(await ensureDatabase(url.toString())).toBe(false);
  return url.toString();
}

async function migrationRows(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ migration_name: string; finished_at: Date | null; applied_steps_count: number }>(
      `SELECT migration_name, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  await dropDatabases(inject("adminDatabaseUrl"), created);
});

const migrationNames = async () =>
  (await readdir(defaultMigrationsDir(), { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();

describe("migrate()", () => {
  it("applies everything once, then nothing; a changed checksum is refused", async () => {
    const url = await freshDatabase();
    const names = await migrationNames();
    expect(names.length).toBeGreaterThan(0);

    const first = await migrate(url, defaultMigrationsDir());
    expect(first).toEqual({ applied: names, alreadyApplied: [] });
    const second = await migrate(url, defaultMigrationsDir());
    expect(second).toEqual({ applied: [], alreadyApplied: names });

    const rows = await migrationRows(url);
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    expect(rows.every((r) => r.finished_at !== null && r.applied_steps_count === 1)).toBe(true);

    // The schema is really there.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows: tables } = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
      );
      expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(["users", "projects", "project_images", "songs", "videos"]));
    } finally {
      await client.end();
    }

    // Edit an applied migration (in a copy): the runner refuses and changes nothing.
    const dir = await mkdtemp(join(tmpdir(), "castad-mig-"));
    try {
      await cp(defaultMigrationsDir(), dir, { recursive: true });
      await appendFile(join(dir, names[0]!, "migration.sql"), "\n-- edited after it was applied\n");
      const refused = migrate(url, dir);
      await expect(refused).rejects.toBeInstanceOf(MigrationError);
      await expect(refused).rejects.toThrow(/checksum/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(await migrationRows(url)).toEqual(rows);
  });

  it("two concurrent runs apply each migration exactly once", async () => {
    const url = await freshDatabase();
    const names = await migrationNames();
    const results = await Promise.all([migrate(url, defaultMigrationsDir()), migrate(url, defaultMigrationsDir())]);
    expect([...results[0].applied, ...results[1].applied].sort()).toEqual(names);
    for (const r of results) expect([...r.applied, ...r.alreadyApplied].sort()).toEqual(names);
    const rows = await migrationRows(url);
    expect(rows.map((r) => r.migration_name)).toEqual(names);
  });
});

// README: a PostgreSQL on the same host is best reached through its Unix socket
// (`?host=<socket directory>`); creating the database, migrating and Prisma all take that form.
describe("a DATABASE_URL through the Unix socket", () => {
  it("creates, migrates and serves the database", async () => {
    const admin = new pg.Client({ connectionString: inject("adminDatabaseUrl") });
    await admin.connect();
    const { rows } = await admin.query<{ unix_socket_directories: string }>("SHOW unix_socket_directories");
    await admin.end();
    const dir = rows[0]!.unix_socket_directories.split(",")[0]!.trim();
    expect(dir, "the test PostgreSQL listens on a Unix socket").not.toBe("");
    const name = `castad_test_mig_${randomBytes(4).toString("hex")}`;
    created.push(name);
    const tcp = new URL(inject("adminDatabaseUrl"));
    const url = `postgresql://${tcp.username}@localhost/${name}?host=${encodeURIComponent(dir)}`;
    expect(await ensureDatabase(url)).toBe(true);
    expect((await migrate(url, defaultMigrationsDir())).applied).toEqual(await migrationNames());
    const prisma = createPrisma({ url, poolMax: 1 });
    try {
      const [row] = await prisma.$queryRaw<{ socket: boolean }[]>`SELECT inet_server_addr() IS NULL AS socket`;
      expect(row!.socket).toBe(true); // a Unix-socket session has no server address
      expect(await prisma.project.count()).toBe(0);
    } finally {
      await prisma.$disconnect();
    }
  });
});
