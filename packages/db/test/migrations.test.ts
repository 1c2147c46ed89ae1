import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkMigrations,
  createDb,
  createMigration,
  DEFAULT_PRISMA_DIR,
  migrateDeploy,
  migrateStatus,
  NoChangesError,
  resetDatabase,
} from "../src/index.ts";
import { databases, prismaCopy, testDatabase } from "./support.ts";

const INIT = /^\d{14}_init$/;
/** Every migration of the package, in order: what a fresh database gets. */
const ALL = (await readdir(path.join(DEFAULT_PRISMA_DIR, "migrations"), { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

/** The db extension of a test database, for its adapter factory (not started: migrations connect themselves). */
async function target(migrated: boolean) {
  const database = await testDatabase(migrated);
  const db = createDb({ ...database.options, poolMax: 1, timeoutMs: 5000 });
  if ("pglite" in database.options) await db.start();
  return db;
}

describe("migrateDeploy / migrateStatus", () => {
  it("applies pending migrations once: a second run applies nothing", async () => {
    const { migrationFactory: factory } = await target(false);
    const before = await migrateStatus({ factory });
    expect(before.applied).toEqual([]);
    expect(before.pending).toEqual(ALL);
    expect(ALL[0]).toMatch(INIT);
    expect(before.upToDate).toBe(false);

    expect((await migrateDeploy({ factory })).applied).toEqual(ALL);
    expect((await migrateDeploy({ factory })).applied).toEqual([]);

    const after = await migrateStatus({ factory });
    expect(after).toEqual({
      applied: ALL,
      pending: [],
      failed: [],
      drift: { edited: [], missingLocally: [] },
      upToDate: true,
    });
  });

  it("reports a new migration as pending, then applies only it", async () => {
    const { migrationFactory: factory } = await target(true);
    const prismaDir = await prismaCopy();
    await addMigration(prismaDir, "29990101000000_add_bio", 'ALTER TABLE "users" ADD COLUMN "bio" TEXT;');
    expect((await migrateStatus({ factory, prismaDir })).pending).toEqual(["29990101000000_add_bio"]);
    expect((await migrateDeploy({ factory, prismaDir })).applied).toEqual(["29990101000000_add_bio"]);
    expect((await migrateStatus({ factory, prismaDir })).upToDate).toBe(true);
  });

  it("applies a migration with $$ bodies (a PL/pgSQL function, a DO block) once, on PGlite and PostgreSQL", async () => {
    // adapter-pg's executeScript splits scripts on ";", which cut these bodies apart (issue 15, item 8).
    const db = await target(true);
    const factory = db.migrationFactory;
    const prismaDir = await prismaCopy();
    await addMigration(
      prismaDir,
      "29990101000000_dollar_quoted",
      `CREATE FUNCTION "lower_email"(address TEXT) RETURNS TEXT LANGUAGE plpgsql AS $$
BEGIN
  RETURN lower(address);
END;
$$;

DO $body$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'lower_email') THEN
    RAISE EXCEPTION 'lower_email is missing';
  END IF;
  INSERT INTO "users" ("email", "updated_at") VALUES ('seeded-by-do@example.com', now());
END;
$body$;
`,
    );
    expect((await migrateDeploy({ factory, prismaDir })).applied).toEqual(["29990101000000_dollar_quoted"]);
    expect((await migrateDeploy({ factory, prismaDir })).applied).toEqual([]);
    const status = await migrateStatus({ factory, prismaDir });
    expect(status.applied).toEqual([...ALL, "29990101000000_dollar_quoted"]);
    expect(status.upToDate).toBe(true);
    if (db.mode === "postgres") await db.start();
    expect(await db.client.$queryRaw`SELECT "lower_email"('Ada@Example.COM') AS email`).toEqual([
      { email: "ada@example.com" },
    ]);
    expect(await db.client.user.count({ where: { email: "seeded-by-do@example.com" } })).toBe(1);
    await db.stop();
  });

  it("a broken migration fails loudly, is recorded as failed, and blocks later runs", async () => {
    const { migrationFactory: factory } = await target(true);
    const prismaDir = await prismaCopy();
    await addMigration(prismaDir, "29990101000000_broken", 'ALTER TABLE "no_such_table" ADD COLUMN "x" INTEGER;');

    const error = await migrateDeploy({ factory, prismaDir }).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain("29990101000000_broken");
    expect((error as Error).message).toMatch(/no_such_table/);

    const status = await migrateStatus({ factory, prismaDir });
    expect(status.failed).toEqual([{ name: "29990101000000_broken", logs: expect.stringMatching(/no_such_table/) }]);
    expect(status.upToDate).toBe(false);
    await expect(migrateDeploy({ factory, prismaDir })).rejects.toThrow(/29990101000000_broken/);
  });

  it("reports an applied migration edited since as drift", async () => {
    const { migrationFactory: factory } = await target(true);
    const prismaDir = await prismaCopy();
    const [init] = (await readdir(path.join(prismaDir, "migrations"))).filter((name) => INIT.test(name));
    const file = path.join(prismaDir, "migrations", String(init), "migration.sql");
    await writeFile(file, `${await readFile(file, "utf8")}\n-- edited after it was applied\n`);
    const status = await migrateStatus({ factory, prismaDir });
    expect(status.drift.edited).toEqual([init]);
    expect(status.upToDate).toBe(false);
  });
});

describe("checkMigrations / createMigration (no database)", () => {
  it("the committed schema and migrations agree", async () => {
    expect(await checkMigrations({ scratch: databases.scratch })).toMatchObject({ inSync: true });
  });

  it("fails on a schema edited without a migration, and passes once the migration is created", async () => {
    const prismaDir = await prismaCopy();
    const schemaFile = path.join(prismaDir, "schema.prisma");
    const schema = await readFile(schemaFile, "utf8");
    await writeFile(schemaFile, schema.replace(/^(\s*name\s+String\?)$/m, "$1\n  bio String?"));

    const drift = await checkMigrations({ prismaDir, scratch: databases.scratch });
    expect(drift.inSync).toBe(false);
    expect(drift.sql).toContain('ADD COLUMN     "bio" TEXT');

    const created = await createMigration("Add bio!", {
      prismaDir,
      scratch: databases.scratch,
      now: new Date("2999-01-02T03:04:05Z"),
    });
    expect(created.name).toBe("29990102030405_add_bio");
    expect(await readFile(created.path, "utf8")).toBe(drift.sql);
    expect(await checkMigrations({ prismaDir, scratch: databases.scratch })).toMatchObject({ inSync: true });
    await expect(createMigration("again", { prismaDir, scratch: databases.scratch })).rejects.toBeInstanceOf(
      NoChangesError,
    );
  });
});

describe("resetDatabase", () => {
  it("drops the data, re-applies every migration, and refuses in production", async () => {
    const db = await target(true);
    if (db.mode === "postgres") await db.start();
    await db.client.user.create({ data: { email: "gone@example.com" } });
    await expect(resetDatabase({ factory: db.migrationFactory, profile: "production" })).rejects.toThrow(/production/);
    expect(await db.client.user.count()).toBe(1);
    const { applied } = await resetDatabase({ factory: db.migrationFactory, profile: "development" });
    expect(applied).toEqual(ALL);
    expect(await db.client.user.count()).toBe(0);
    await db.stop();
  });
});

async function addMigration(prismaDir: string, name: string, sql: string) {
  await mkdir(path.join(prismaDir, "migrations", name));
  await writeFile(path.join(prismaDir, "migrations", name, "migration.sql"), sql);
}
