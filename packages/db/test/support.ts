import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, inject } from "vitest";
import { createDb, type Db, DEFAULT_PRISMA_DIR } from "../src/index.ts";
import { type TestDatabase, testDatabases } from "../src/testing.ts";

/** PGlite copies by default; databases on a real server when TEST_DATABASE_URL is set. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
export const databases = testDatabases({ url: TEST_DATABASE_URL, templates: inject("pgliteTemplates") });
afterAll(() => databases.close());

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A database of this test's own, dropped after it. */
export async function testDatabase(migrated = true): Promise<TestDatabase> {
  const database = await databases.create({ migrated });
  cleanups.push(database.drop);
  return database;
}

/**
 * A started db extension over a database of this test's own, open: a PGlite copy is made on
 * first use, which on a loaded machine takes longer than the timeouts the tests measure.
 */
export async function startedDb(): Promise<Db & { database: TestDatabase }> {
  const database = await testDatabase();
  const db = createDb({ ...database.options, poolMax: 5, timeoutMs: 2000 });
  await db.start();
  cleanups.push(() => db.stop());
  await db.client.$queryRaw`SELECT 1`;
  return Object.assign(db, { database });
}

/** A copy of prisma/ (schema and migrations) to edit freely. */
export async function prismaCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "prisma-"));
  await cp(DEFAULT_PRISMA_DIR, dir, { recursive: true });
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
