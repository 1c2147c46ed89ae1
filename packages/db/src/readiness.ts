import type { PrismaClient } from "./client.ts";
import { DEFAULT_PRISMA_DIR, migrationsDirIn } from "./paths.ts";
import { migrationNames } from "./schema-engine.ts";

export interface ReadinessOptions {
  /** Bounds the whole check, even if the database never answers. */
  timeoutMs: number;
  /** The folder holding migrations/ (default: this package's prisma/). */
  prismaDir?: string;
}

/**
 * The db extension's readiness check: the database answers, and its schema is the one this build
 * was written for. A database nobody migrated answers `SELECT 1` while every query of the app
 * fails, so until the migrations are found applied, each check also compares the
 * `_prisma_migrations` table with the migrations folder: two plain queries, not the schema
 * engine (about 200 ms of WASM per call on an idle machine, far more on a busy one). Once up to
 * date, it stays so for this process and the check is `SELECT 1` again. Migrations applied that
 * the folder does not hold are fine: a newer release migrated first, during a rollout.
 */
export function readinessCheck(
  client: PrismaClient,
  { timeoutMs, prismaDir = DEFAULT_PRISMA_DIR }: ReadinessOptions,
): () => Promise<void> {
  let upToDate = false;
  return () =>
    withTimeout(timeoutMs, async () => {
      if (upToDate) {
        await client.$queryRaw`SELECT 1`;
        return;
      }
      // These queries also tell that the database answers.
      const { pending, failed } = await unapplied(client, prismaDir);
      if (failed.length > 0) {
        throw new Error(`migration failed: ${failed.join(", ")} (resolve it, then run \`db migrate\`)`);
      }
      if (pending.length > 0) {
        const count = `${pending.length} migration${pending.length === 1 ? "" : "s"}`;
        throw new Error(`${count} pending: ${pending.join(", ")} (run \`db migrate\`)`);
      }
      upToDate = true;
    });
}

/** `SELECT 1`, failing after `timeoutMs` even if the database never answers. */
export const selectOne = (client: PrismaClient, timeoutMs: number): Promise<void> =>
  withTimeout(timeoutMs, async () => {
    await client.$queryRaw`SELECT 1`;
  });

/** Whether the database applied every migration of the folder, and none is recorded as failed. */
export async function upToDate(client: PrismaClient, prismaDir = DEFAULT_PRISMA_DIR): Promise<boolean> {
  const { pending, failed } = await unapplied(client, prismaDir);
  return pending.length === 0 && failed.length === 0;
}

/** The folder's migrations the database has not applied, and those it recorded as failed. */
async function unapplied(client: PrismaClient, prismaDir: string) {
  const local = await migrationNames(migrationsDirIn(prismaDir));
  const [{ present }] = await client.$queryRaw<[{ present: boolean }]>`
    SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present`;
  const rows = present
    ? await client.$queryRaw<{ name: string; finished: boolean; rolledBack: boolean }[]>`
        SELECT migration_name AS name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS "rolledBack"
        FROM _prisma_migrations`
    : [];
  const applied = new Set(rows.filter((row) => row.finished && !row.rolledBack).map((row) => row.name));
  const failed = rows
    .filter((row) => !row.finished && !row.rolledBack && !applied.has(row.name))
    .map((row) => row.name);
  const pending = local.filter((name) => !applied.has(name) && !failed.includes(name));
  return { pending, failed };
}

async function withTimeout(timeoutMs: number, work: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
