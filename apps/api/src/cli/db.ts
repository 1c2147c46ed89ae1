import type { Config } from "@repo/config";
import type { Db } from "@repo/db";
import type { Command } from "commander";

// The database package (Prisma client, WASM engines) loads when a db command runs, not for every CLI command.
const database = () => import("@repo/db");

/**
 * `pnpm cli db <command>`: migrations and data, without the Prisma CLI or a native engine.
 * On PGlite only one process may open the data folder: while `pnpm dev` holds it they are refused.
 */
export function registerDbCommands(program: Command, loadConfig: () => Config): void {
  const db = program.command("db").description("database migrations and data");

  db.command("migrate")
    .description("apply pending migrations (prisma migrate deploy)")
    .action(() =>
      withDatabase(loadConfig(), async (db) => {
        const { migrateDeploy } = await database();
        const { applied } = await migrateDeploy({ factory: db.migrationFactory });
        console.log(applied.length === 0 ? "No pending migrations." : `Applied: ${applied.join(", ")}`);
      }),
    );

  db.command("status")
    .description("list applied, pending and failed migrations and drift; exit 1 unless up to date")
    .action(() =>
      withDatabase(loadConfig(), async (db) => {
        const { migrateStatus } = await database();
        const status = await migrateStatus({ factory: db.migrationFactory });
        const list = (names: string[]) => (names.length === 0 ? "none" : `\n  ${names.join("\n  ")}`);
        console.log(`Applied: ${list(status.applied)}`);
        console.log(`Pending: ${list(status.pending)}`);
        console.log(`Failed: ${list(status.failed.map((failed) => failed.name))}`);
        console.log(`Edited after being applied: ${list(status.drift.edited)}`);
        console.log(`Applied but missing locally: ${list(status.drift.missingLocally)}`);
        console.log(status.upToDate ? "Database is up to date." : "Database is NOT up to date.");
        if (!status.upToDate) process.exitCode = 1;
      }),
    );

  db.command("create")
    .description("write a migration for the changes in schema.prisma (needs no database)")
    .argument("<name>", "what the migration does, e.g. add_user_bio")
    .action(async (name: string) => {
      const { createMigration, NoChangesError } = await database();
      try {
        const created = await createMigration(name);
        console.log(`Created ${created.path}\n\n${created.sql}`);
      } catch (error) {
        if (!(error instanceof NoChangesError)) throw error;
        process.stderr.write(`${error.message}\n`);
        process.exitCode = 1;
      }
    });

  db.command("check")
    .description("exit 1 if schema.prisma has changes no migration captures (needs no database)")
    .action(async () => {
      const { checkMigrations } = await database();
      const { inSync, sql } = await checkMigrations();
      if (inSync) {
        console.log("schema.prisma and the migrations agree.");
        return;
      }
      process.stderr.write(
        `schema.prisma has changes no migration captures; run \`pnpm cli db create <name>\`:\n\n${sql}`,
      );
      process.exitCode = 1;
    });

  db.command("seed")
    .description("insert the example data and the development admin (idempotent; refused in production)")
    .action(async () => {
      const config = loadConfig();
      if (refusedInProduction(config, "db seed", "it creates an admin whose password is published")) return;
      await withDatabase(config, async (db) => {
        const { seed } = await database();
        const { users } = await seed(db.client);
        console.log(`Seeded ${users} users.`);
      });
    });

  db.command("reset")
    .description("drop everything, re-apply every migration and seed (refused in production)")
    .action(async () => {
      const config = loadConfig();
      if (refusedInProduction(config, "db reset", "it deletes every row")) return;
      await withDatabase(config, async (db) => {
        const { resetDatabase, seed } = await database();
        const { applied } = await resetDatabase({ factory: db.migrationFactory, profile: config.APP_ENV });
        await seed(db.client);
        console.log(`Database reset: applied ${applied.join(", ") || "nothing"}; seeded.`);
      });
    });
}

/**
 * Opens the configured database without migrating or seeding, runs `work`, and always closes it.
 * A PGlite folder another process holds is refused (DatabaseLockedError: cli.ts says so in one
 * message, and exits 1).
 */
export async function withDatabase(config: Config, work: (db: Db) => Promise<void>): Promise<void> {
  const { databaseFromConfig } = await import("../extensions/database.ts");
  const db = databaseFromConfig(config, { prepare: false });
  await db.start();
  try {
    await work(db);
  } finally {
    await db.stop();
  }
}

/** A development-only command run in production: says why on stderr, sets exit code 1. */
function refusedInProduction(config: Config, command: string, why: string): boolean {
  if (config.APP_ENV !== "production") return false;
  process.stderr.write(`${command} is refused in production: ${why}.\n`);
  process.exitCode = 1;
  return true;
}
