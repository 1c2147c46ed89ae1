import type { PGlite } from "@electric-sql/pglite";
import {
  type AdapterFactory,
  openPglite,
  type PgliteDataDir,
  pgliteAdapterFactory,
  postgresAdapterFactory,
} from "./adapters.ts";
import { OMIT, PrismaClient } from "./client.ts";
import { DatabaseClosedError, markDriverErrors } from "./errors.ts";
import { migrateDeploy } from "./migrations.ts";
import { readinessCheck, selectOne, upToDate } from "./readiness.ts";
import { seedIfEmpty } from "./seed.ts";

/** The few logger methods the database uses; a pino logger fits. */
export interface DbLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface DbOptions {
  /** PostgreSQL URL. Without one the embedded PGlite is used. */
  url?: string;
  /**
   * PGlite only: a folder (kept across restarts) or "memory" (default). A folder has one owner
   * at a time: start() takes its lock before anything else, or throws DatabaseLockedError.
   */
  dataDir?: PgliteDataDir;
  /** PGlite folder only: what this process calls itself to a second one refused the folder, e.g. "pnpm dev". */
  lockOwner?: string;
  /**
   * PGlite only: a database to use instead of dataDir, closed on stop. A function is called on
   * first use, not on start (tests pass a lazily made copy of a migrated template).
   */
  pglite?: PGlite | (() => Promise<PGlite>);
  /** PostgreSQL only: connections in the pool. */
  poolMax: number;
  /** Bounds connecting, each statement (PostgreSQL) and the readiness check, so an outage fails fast. */
  timeoutMs: number;
  /** Apply pending migrations on start (development); production runs `db migrate` as a release step. */
  migrate?: boolean;
  /** Seed example data on start when there are no users yet (development). */
  seedIfEmpty?: boolean;
  /**
   * How Prisma words its errors (default "minimal"). "colorless" and "pretty" point at the calling
   * line, which costs a captured stack trace on every query: about 12 % of a simple read's CPU.
   * Prisma would otherwise pick it from NODE_ENV, which the app does not use for its profile.
   */
  errorFormat?: "minimal" | "colorless" | "pretty";
  /** The folder holding schema.prisma and migrations/ (default: this package's prisma/). */
  prismaDir?: string;
  logger?: DbLogger;
}

/** The database as an extension: `client` is usable once `start()` resolved. */
export interface Db {
  readonly name: "db";
  readonly mode: "pglite" | "postgres";
  readonly client: PrismaClient;
  /**
   * The same database for migrations (`migrateDeploy({ factory: db.migrationFactory })`):
   * on PostgreSQL a one-connection pool without the statement timeout, since migrations may run long.
   */
  readonly migrationFactory: AdapterFactory;
  start(): Promise<void>;
  check(): Promise<void>;
  stop(): Promise<void>;
}

export function createDb(options: DbOptions): Db {
  return options.url === undefined ? pgliteDb(options) : postgresDb({ ...options, url: options.url });
}

function pgliteDb(options: DbOptions): Db {
  const source = options.pglite;
  let pglite: Promise<PGlite> | undefined;
  let state: "new" | "started" | "stopped" = "new";
  const open = () => {
    pglite ??=
      typeof source === "function"
        ? source()
        : Promise.resolve(
            source ??
              openPglite(options.dataDir ?? "memory", {
                owner: options.lockOwner,
                onLockLost: (err) =>
                  options.logger?.warn(
                    { err },
                    "lost the lock of the database folder: closed it, nothing more is written",
                  ),
              }),
          );
    return pglite;
  };
  const factory = pgliteAdapterFactory(async () => {
    if (state !== "started") {
      throw new DatabaseClosedError(`the database is ${state === "new" ? "not started" : "stopped"}`);
    }
    return open();
  });
  const client = prismaClient(factory, options);
  return {
    name: "db",
    mode: "pglite",
    client,
    migrationFactory: factory,
    async start() {
      state = "started";
      if (typeof source !== "function") await open();
      await prepare(options, client, factory);
    },
    check: readinessCheck(client, options),
    async stop() {
      state = "stopped";
      await client.$disconnect();
      // A start refused by the folder's lock opened nothing.
      const db = await pglite?.catch(() => undefined);
      if (db && !db.closed) await db.close();
    },
  };
}

function postgresDb(options: DbOptions & { url: string }): Db {
  const onPoolError = (error: Error) => options.logger?.warn({ err: error }, "database connection lost");
  const factory = postgresAdapterFactory({ ...options, onPoolError });
  const client = prismaClient(factory, options);
  const migrationFactory = postgresAdapterFactory({ ...options, poolMax: 1, forMigrations: true });
  return {
    name: "db",
    mode: "postgres",
    client,
    migrationFactory,
    async start() {
      await client.$connect();
      await prepare(options, client, migrationFactory);
      await selectOne(client, options.timeoutMs);
    },
    check: readinessCheck(client, options),
    stop: () => client.$disconnect(),
  };
}

function prismaClient(adapter: AdapterFactory, { errorFormat = "minimal" }: DbOptions): PrismaClient {
  return new PrismaClient({ adapter: markDriverErrors(adapter), errorFormat, omit: OMIT });
}

async function prepare(options: DbOptions, client: PrismaClient, migrations: AdapterFactory) {
  // Two queries tell whether there is anything to apply: most starts of `pnpm dev` skip the
  // schema engine's WASM: about 200 ms per start (PGlite start 1180 -> 965 ms, median of 6).
  if (options.migrate && !(await upToDate(client, options.prismaDir))) {
    const { applied } = await migrateDeploy({
      factory: migrations,
      ...(options.prismaDir ? { prismaDir: options.prismaDir } : {}),
    });
    if (applied.length > 0) options.logger?.info({ applied }, `applied ${applied.length} migration(s)`);
  }
  if (options.seedIfEmpty && (await seedIfEmpty(client))) options.logger?.info({}, "seeded example data");
}
