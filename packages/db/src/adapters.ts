import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";

export type AdapterFactory = SqlMigrationAwareDriverAdapterFactory;

/** Where the embedded database keeps its files; "memory" keeps nothing. */
export type PgliteDataDir = string | "memory";

// PGlite and its adapter are imported on first use, so a PostgreSQL process never loads them
// (about 40 ms and 6 MB of its start, docs/benchmarks.md).
const loadPglite = async () => (await import("@electric-sql/pglite")).PGlite;
const loadPgliteAdapter = async () => (await import("pglite-prisma-adapter")).PrismaPGlite;

export interface OpenPgliteOptions {
  /** What this process calls itself in the message a second process gets, e.g. "pnpm dev". */
  owner?: string | undefined;
  /** Told when the folder's lock was taken from us; the database is closed, so nothing more is written. */
  onLockLost?: ((error: Error) => void) | undefined;
}

/**
 * Opens a PGlite and waits until it answers. An on-disk one takes the folder's exclusive lock
 * first (throwing DatabaseLockedError, having touched nothing, when another process holds it),
 * creates the folder if needed, and releases the lock when closed.
 */
export async function openPglite(dataDir: PgliteDataDir = "memory", options: OpenPgliteOptions = {}): Promise<PGlite> {
  const PGlite = await loadPglite();
  if (dataDir === "memory") return PGlite.create();
  const absolute = path.resolve(dataDir);
  await mkdir(path.dirname(absolute), { recursive: true });
  const { lockDataDir } = await import("./lock.ts");
  let db: PGlite | undefined;
  const release = await lockDataDir(absolute, {
    owner: options.owner,
    onCompromised: (error) => {
      options.onLockLost?.(error);
      void db?.close();
    },
  });
  try {
    await mkdir(absolute, { recursive: true });
    db = await PGlite.create(absolute);
  } catch (error) {
    await release();
    throw error;
  }
  const close = db.close.bind(db);
  db.close = async () => {
    try {
      await close();
    } finally {
      await release();
    }
  };
  return db;
}

/**
 * A Prisma adapter factory over one PGlite. pglite-prisma-adapter 0.7.2 does not await
 * `exec` in executeScript, so a failing migration would pass silently (and reject later,
 * unhandled): every adapter it hands out gets an executeScript that awaits and reports.
 * Its shadow database is a fresh in-memory PGlite, closed when the engine disposes of it.
 */
export function pgliteAdapterFactory(pglite: PGlite | (() => Promise<PGlite>)): AdapterFactory {
  const get = typeof pglite === "function" ? pglite : async () => pglite;
  return {
    provider: "postgres",
    adapterName: "@prisma/adapter-pglite",
    async connect() {
      const [db, PrismaPGlite] = await Promise.all([get(), loadPgliteAdapter()]);
      return fixScripts(await new PrismaPGlite(db).connect(), db);
    },
    async connectToShadowDb() {
      const [shadow, PrismaPGlite] = await Promise.all([openPglite(), loadPgliteAdapter()]);
      const adapter = fixScripts(await new PrismaPGlite(shadow).connect(), shadow);
      return withDispose(adapter, () => shadow.close());
    },
  };
}

export interface PostgresPoolOptions {
  url: string;
  /** Connections in the pool. */
  poolMax: number;
  /** Bounds connecting, and (unless `forMigrations`) every statement, so an outage fails fast. */
  timeoutMs: number;
  /** Migrations may legitimately run long: no statement timeout for them. */
  forMigrations?: boolean;
  onPoolError?: (error: Error) => void;
}

/**
 * A Prisma adapter factory over a bounded `pg` pool; a broken connection is dropped and replaced
 * on next use. adapter-pg 7.10's executeScript splits a script on every ";" (a FIXME there), which
 * cuts `$$` bodies (PL/pgSQL functions, DO blocks) apart: every adapter it hands out sends a
 * script whole instead, as one simple query, which is what PostgreSQL (and psql) run it as.
 */
export function postgresAdapterFactory(options: PostgresPoolOptions): AdapterFactory {
  const factory = pgPoolFactory(options);
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => wholeScripts(await factory.connect()),
    connectToShadowDb: async () => wholeScripts(await factory.connectToShadowDb()),
  };
}

function pgPoolFactory(options: PostgresPoolOptions): PrismaPg {
  const statementTimeouts = options.forMigrations
    ? {}
    : { statement_timeout: options.timeoutMs, query_timeout: options.timeoutMs + 1000 };
  return new PrismaPg(
    {
      connectionString: options.url,
      max: options.poolMax,
      connectionTimeoutMillis: options.timeoutMs,
      idleTimeoutMillis: 10_000,
      ...statementTimeouts,
    },
    // Without a listener an idle client's error (e.g. the server restarting) would crash the process.
    { onPoolError: options.onPoolError ?? (() => {}), onConnectionError: options.onPoolError ?? (() => {}) },
  );
}

function wholeScripts(adapter: Awaited<ReturnType<PrismaPg["connect"]>>): SqlDriverAdapter {
  const pool = adapter.underlyingDriver();
  return override(adapter, {
    async executeScript(script: string) {
      try {
        await pool.query(script);
      } catch (error) {
        throw toDriverError(error);
      }
    },
  });
}

function fixScripts(adapter: SqlDriverAdapter, db: PGlite): SqlDriverAdapter {
  return override(adapter, {
    async executeScript(script: string) {
      try {
        await db.exec(script);
      } catch (error) {
        throw toDriverError(error);
      }
    },
  });
}

function withDispose(adapter: SqlDriverAdapter, after: () => Promise<void>): SqlDriverAdapter {
  return override(adapter, {
    async dispose() {
      await adapter.dispose();
      await after();
    },
  });
}

/** The adapter with some methods replaced; the rest still run against the original. */
function override(adapter: SqlDriverAdapter, methods: Partial<SqlDriverAdapter>): SqlDriverAdapter {
  return new Proxy(adapter, {
    get(target, property, receiver) {
      if (Object.hasOwn(methods, property)) return methods[property as keyof SqlDriverAdapter];
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

interface PgErrorFields {
  code?: string;
  severity?: string;
  message: string;
  detail?: string;
  column?: string;
  hint?: string;
}

/** PostgreSQL errors in the shape Prisma's engines report (SQLSTATE, message, detail). */
function toDriverError(error: unknown): unknown {
  const e = error as PgErrorFields;
  if (typeof e?.code !== "string" || typeof e.message !== "string") return error;
  return new DriverAdapterError({
    kind: "postgres",
    code: e.code,
    severity: e.severity ?? "ERROR",
    message: e.message,
    detail: e.detail,
    column: e.column,
    hint: e.hint,
  });
}
