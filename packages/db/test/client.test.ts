import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { markDriverErrors } from "../src/errors.ts";
import {
  classifyDbError,
  createDb,
  isDbError,
  migrateDeploy,
  Prisma,
  SEED_ADMIN,
  SEED_USERS,
  seed,
  seedIfEmpty,
} from "../src/index.ts";
import { prismaCopy, startedDb, testDatabase } from "./support.ts";

describe("the Prisma client over the db extension", () => {
  it("creates, reads, updates and deletes", async () => {
    const { client } = await startedDb();
    const created = await client.user.create({ data: { email: "ada@example.com", name: "Ada" } });
    expect(created).toMatchObject({ id: expect.any(Number), email: "ada@example.com", name: "Ada" });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(await client.user.findUnique({ where: { id: created.id } })).toEqual(created);
    const updated = await client.user.update({ where: { id: created.id }, data: { name: "Ada L." } });
    expect(updated.name).toBe("Ada L.");
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
    await client.user.delete({ where: { id: created.id } });
    expect(await client.user.count()).toBe(0);
  });

  it("reports a duplicate email as P2002 (unique) and a missing row as P2025 (not-found)", async () => {
    const { client } = await startedDb();
    await client.user.create({ data: { email: "dup@example.com" } });
    const duplicate = await client.user.create({ data: { email: "dup@example.com" } }).catch((error) => error);
    expect(duplicate).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
    expect(duplicate.code).toBe("P2002");
    expect(classifyDbError(duplicate)).toBe("unique");
    const missing = await client.user.delete({ where: { id: 999_999 } }).catch((error) => error);
    expect(missing.code).toBe("P2025");
    expect(classifyDbError(missing)).toBe("not-found");
    expect(classifyDbError(new Error("something else"))).toBeUndefined();
    expect([isDbError(duplicate), isDbError(missing)]).toEqual([true, true]);
    // The app's own failures are not the database's, whatever their words.
    expect(isDbError(new Error("connect ECONNREFUSED 127.0.0.1:6379"))).toBe(false);
  });

  it("classifies PostgreSQL's 'cannot connect now' answers (57P01-57P03, class 08, 53300) as unavailable", () => {
    // What Prisma raised while a PostgreSQL stopped with `pg_ctl stop -m immediate` recovered
    // (seen by apps/api/test/faults/database.test.ts: a 500 before this was classified).
    const recovering = new Prisma.PrismaClientKnownRequestError(
      "Database error. Code: `57P03`. Message: `the database system is not yet accepting connections`",
      { code: "P2039", clientVersion: Prisma.prismaVersion.client },
    );
    expect(classifyDbError(recovering)).toBe("unavailable");
    for (const code of ["57P01", "57P02", "08006", "53300"]) {
      expect(classifyDbError(new Error(`Database error. Code: \`${code}\`. Message: \`...\``)), code).toBe(
        "unavailable",
      );
    }
    expect(classifyDbError(new Error("Database error. Code: `23505`. Message: `duplicate`"))).toBeUndefined();
  });

  it("takes what the driver adapter throws for the database's, whatever its words; the same words from the app are not", async () => {
    // What a query in flight got when PostgreSQL stopped with `pg_ctl stop -m immediate`: a plain
    // Error from pg's Client, not a Prisma one; apps/api/test/faults/database.test.ts saw it as a 500.
    const message = "Connection terminated unexpectedly";
    const adapter = markDriverErrors({
      queryRaw: async () => {
        throw new Error(message);
      },
      startTransaction: async () => ({ queryRaw: () => Promise.reject(new Error(message)) }),
    });
    const fromDriver = await adapter.queryRaw().catch((error: unknown) => error);
    const fromTransaction = await (await adapter.startTransaction()).queryRaw().catch((error: unknown) => error);
    for (const error of [fromDriver, fromTransaction]) {
      expect(isDbError(error)).toBe(true);
      expect(classifyDbError(error)).toBe("unavailable");
    }
    expect(isDbError(new Error(message))).toBe(false);
  });

  it("runs transactions", async () => {
    const { client } = await startedDb();
    await expect(
      client.$transaction(async (tx) => {
        await tx.user.create({ data: { email: "tx@example.com" } });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await client.user.count()).toBe(0);
  });

  it("seeds idempotently", async () => {
    const { client } = await startedDb();
    await seed(client);
    await seed(client);
    expect(await client.user.count()).toBe(SEED_USERS.length + 1); // and the development admin
    const admin = await client.user.findUniqueOrThrow({ where: { email: SEED_ADMIN.email } });
    expect(admin.role).toBe("admin");
    expect(admin).not.toHaveProperty("passwordHash"); // omitted unless a query asks for it
    const withHash = await client.user.findUniqueOrThrow({ where: { id: admin.id }, omit: { passwordHash: false } });
    expect(withHash.passwordHash).toBe(SEED_ADMIN.passwordHash);
    expect(await seedIfEmpty(client)).toBe(false);
  });

  it("isolates tests: every test starts from an empty, migrated database", async () => {
    const { client } = await startedDb();
    expect(await client.user.count()).toBe(0);
  });
});

describe("createDb: readiness", () => {
  it("checks with SELECT 1, and fails fast once the database is gone", async () => {
    const db = await startedDb();
    await expect(db.check()).resolves.toBeUndefined();
    await db.database.drop(); // closes the PGlite / drops the PostgreSQL database under the open pool
    const started = performance.now();
    const error = await db.check().catch((caught) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(performance.now() - started).toBeLessThan(2000);
    const query = await db.client.user.count().catch((caught) => caught);
    expect(classifyDbError(query), `${query.code} ${query.message}`).toBe("unavailable");
    expect(isDbError(query)).toBe(true);
  });

  it("a query on a stopped PGlite (a request that outlived the drain) is unavailable, a 503, never a 500", async ({
    skip,
  }) => {
    const db = await startedDb();
    // PostgreSQL's client opens a new pool for a query after $disconnect: nothing to classify there.
    if ("url" in db.database.options) skip("PGlite only");
    await db.stop();
    const error = await db.client.user.count().catch((caught) => caught);
    expect(isDbError(error), String(error)).toBe(true);
    expect(classifyDbError(error), String(error)).toBe("unavailable");
  });

  it("fails fast against a port nothing listens on, and reports it as unavailable", async () => {
    const db = createDb({ url: "postgres://nobody:secret@127.0.0.1:1/none", poolMax: 1, timeoutMs: 1000 });
    const started = performance.now();
    await expect(db.start()).rejects.toThrow();
    const error = await db.client.user.count().catch((caught) => caught);
    expect(classifyDbError(error)).toBe("unavailable");
    expect(isDbError(error)).toBe(true);
    await expect(db.check()).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(3000);
    await db.stop();
  });
});

describe("createDb: readiness means the schema is there", () => {
  /** A started db over a database of this test's own, migrated or not, with these migrations. */
  async function started(migrated: boolean, prismaDir?: string) {
    const database = await testDatabase(migrated);
    const db = createDb({ ...database.options, poolMax: 2, timeoutMs: 5000, ...(prismaDir ? { prismaDir } : {}) });
    await db.start();
    onTestFinished(() => db.stop());
    await db.client.$queryRaw`SELECT 1`; // open the PGlite copy before any check is timed
    return db;
  }

  it("is not ready on a database nobody migrated, naming what is pending; ready once it is migrated", async () => {
    const db = await started(false);
    await expect(db.check()).rejects.toThrow(
      /^\d+ migrations? pending: \d{14}_init(, \d{14}_\w+)* \(run `db migrate`\)$/,
    );
    await migrateDeploy({ factory: db.migrationFactory });
    await expect(db.check()).resolves.toBeUndefined();
  });

  it("is not ready while a migration is recorded as failed", async () => {
    const prismaDir = await prismaCopy();
    await addMigration(prismaDir, "29990101000000_broken", 'ALTER TABLE "no_such_table" ADD COLUMN "x" INTEGER;');
    const db = await started(true, prismaDir);
    await expect(migrateDeploy({ factory: db.migrationFactory, prismaDir })).rejects.toThrow(/broken/);
    await expect(db.check()).rejects.toThrow(/^migration failed: 29990101000000_broken/);
  });

  it("is ready with migrations applied that it does not know (a newer release migrated first, during a rollout)", async () => {
    const newer = await prismaCopy();
    await addMigration(newer, "29990101000000_add_bio", 'ALTER TABLE "users" ADD COLUMN "bio" TEXT;');
    const db = await started(true);
    await migrateDeploy({ factory: db.migrationFactory, prismaDir: newer });
    await expect(db.check()).resolves.toBeUndefined();
  });

  it("looks at the migrations table until it is up to date, then only asks SELECT 1", async () => {
    const db = await started(true);
    await expect(db.check()).resolves.toBeUndefined();
    await db.client.$executeRaw`DROP TABLE _prisma_migrations`;
    await expect(db.check()).resolves.toBeUndefined();
  });
});

async function addMigration(prismaDir: string, name: string, sql: string) {
  await mkdir(path.join(prismaDir, "migrations", name));
  await writeFile(path.join(prismaDir, "migrations", name, "migration.sql"), sql);
}
