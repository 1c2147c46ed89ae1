import path from "node:path";
import { type Config, findEnvDir } from "@repo/config";
import { createDb, type Db, type DbLogger } from "@repo/db";

export interface DatabaseOptions {
  logger?: DbLogger;
  /** Migrate (and in development seed) on start; false for the `db` commands, which do that themselves. */
  prepare?: boolean;
}

/**
 * The database the configuration asks for: PostgreSQL when DATABASE_URL is set, else the
 * embedded PGlite — on disk in development (PGLITE_DATA_DIR, relative to the workspace root,
 * so `pnpm dev` and `pnpm cli` share it wherever they run from), in memory under test.
 * Development applies pending migrations and seeds an empty database on start; production
 * never migrates on start (run `pnpm cli db migrate` as a release step).
 */
export function databaseFromConfig(config: Config, { logger, prepare = true }: DatabaseOptions = {}): Db {
  const development = prepare && config.APP_ENV === "development";
  return createDb({
    ...(config.DATABASE_URL ? { url: config.DATABASE_URL } : { dataDir: embeddedDataDir(config) }),
    poolMax: config.DATABASE_POOL_MAX,
    timeoutMs: config.DATABASE_TIMEOUT_MS,
    migrate: prepare && config.APP_ENV !== "production",
    seedIfEmpty: development,
    // Named in the refusal a second process gets while this one holds the PGlite folder.
    lockOwner: !prepare
      ? `pnpm cli ${process.argv.slice(2).join(" ")}`
      : config.APP_ENV === "development"
        ? "pnpm dev"
        : `the ${config.APP_ENV} server`,
    // Errors that point at the calling line while developing; production skips the stack capture.
    errorFormat: config.APP_ENV === "development" ? "colorless" : "minimal",
    ...(logger ? { logger } : {}),
  });
}

/** Where the embedded PGlite lives without DATABASE_URL: in memory under test, else PGLITE_DATA_DIR. */
export const embeddedDataDir = (config: Config): string =>
  config.APP_ENV === "test" ? "memory" : path.resolve(findEnvDir(process.cwd()), config.PGLITE_DATA_DIR);
