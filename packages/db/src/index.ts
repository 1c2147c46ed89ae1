export type { AdapterFactory, PgliteDataDir } from "./adapters.ts";
export { type OpenPgliteOptions, openPglite, pgliteAdapterFactory, postgresAdapterFactory } from "./adapters.ts";
export { OMIT, Prisma, PrismaClient, type Role, type Session, type User } from "./client.ts";
export { createDb, type Db, type DbLogger, type DbOptions } from "./db.ts";
export {
  classifyDbError,
  DatabaseLockedError,
  type DataDirHolder,
  type DbErrorKind,
  isDbError,
} from "./errors.ts";
export {
  checkMigrations,
  createMigration,
  diffMigrationsToSchema,
  MigrationFailedError,
  type MigrationStatus,
  migrateDeploy,
  migrateStatus,
  NoChangesError,
  resetDatabase,
  type SchemaDiff,
} from "./migrations.ts";
export { DEFAULT_PRISMA_DIR } from "./paths.ts";
export { SEED_ADMIN, SEED_USERS, seed, seedIfEmpty } from "./seed.ts";
