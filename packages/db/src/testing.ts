// Isolated, migrated databases for tests: one migration per test file, a copy per test.
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { pgliteAdapterFactory, postgresAdapterFactory } from "./adapters.ts";
import { migrateDeploy } from "./migrations.ts";
import { type WasmModule, wasm } from "./wasm.ts";

/** Takes an on-disk PGlite folder's lock without opening it: a holder for tests of the refusal. */
export { lockDataDir } from "./lock.ts";

export interface TestDatabase {
  /**
   * What to hand createDb (with poolMax/timeoutMs): a PGlite copy, made on first use (a test
   * that never queries pays nothing), or a PostgreSQL URL.
   */
  options: { pglite: () => Promise<PGlite> } | { url: string };
  /** Deletes the database (closing the PGlite, dropping the PostgreSQL database). */
  drop(): Promise<void>;
}

export interface TestDatabases {
  /** A database of its own: migrated (default) or empty. */
  create(options?: { migrated?: boolean }): Promise<TestDatabase>;
  /** An empty PGlite, e.g. as the `scratch` of checkMigrations/createMigration. */
  scratch(): Promise<PGlite>;
  close(): Promise<void>;
}

export interface TestDatabasesOptions {
  /** PostgreSQL server to create databases on (e.g. TEST_DATABASE_URL); PGlite when absent. */
  url?: string;
  /** Migrations to apply (default: this package's prisma/). */
  prismaDir?: string;
  /** PGlite dumps made once for the whole run by `writePgliteTemplates` (a vitest globalSetup), else made per file. */
  templates?: PgliteTemplateFiles;
}

export interface PgliteTemplateFiles {
  /** A migrated database. */
  migrated: string;
  /** An empty one. */
  empty: string;
}

/** Boots and migrates PGlite once, and writes the dumps that every test file then copies. */
export async function writePgliteTemplates(dir: string, prismaDir?: string): Promise<PgliteTemplateFiles> {
  const files = { migrated: path.join(dir, "migrated.tar"), empty: path.join(dir, "empty.tar") };
  const [migrated, empty] = await Promise.all([templateDump(prismaDir), templateDump(null)]);
  await writeFile(files.migrated, new Uint8Array(await migrated.arrayBuffer()));
  await writeFile(files.empty, new Uint8Array(await empty.arrayBuffer()));
  return files;
}

async function pgliteModule() {
  const dist = path.dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
  const module = await wasm.compile(await readFile(path.join(dist, "pglite.wasm")));
  const fsBundle = new Blob([await readFile(path.join(dist, "pglite.data"))]);
  return { module, fsBundle };
}

/** A dump of a new PGlite, migrated unless prismaDir is null. */
async function templateDump(prismaDir: string | undefined | null): Promise<Blob> {
  const { module, fsBundle } = await pgliteModule();
  const db = await PGlite.create({ pgliteWasmModule: module as never, fsBundle });
  if (prismaDir !== null) {
    await migrateDeploy({ factory: pgliteAdapterFactory(db), ...(prismaDir ? { prismaDir } : {}) });
  }
  const dump = await db.dumpDataDir("none");
  await db.close();
  return dump;
}

export function testDatabases(options: TestDatabasesOptions = {}): TestDatabases {
  const scratch = pgliteTemplates(null, options.templates?.empty);
  if (options.url === undefined) {
    const migrated = pgliteTemplates(options.prismaDir, options.templates?.migrated);
    return {
      create: async ({ migrated: wantMigrated = true } = {}) => {
        let copy: Promise<PGlite> | undefined;
        let dropped = false;
        const pglite = () => {
          // The same error as a query on a closed PGlite, so a dropped database looks like one that went away.
          if (dropped) return Promise.reject(new Error("PGlite is closed"));
          copy ??= (wantMigrated ? migrated : scratch).copy();
          return copy;
        };
        const drop = async () => {
          dropped = true;
          const db = await copy;
          if (db && !db.closed) await db.close();
        };
        return { options: { pglite }, drop };
      },
      scratch: scratch.copy,
      close: async () => {},
    };
  }
  return { ...postgresTemplates(options.url, options.prismaDir), scratch: scratch.copy };
}

/**
 * Booting PGlite runs initdb (about a second); loading a dumped data folder into an
 * instance of the already compiled module takes a quarter of that. So: boot and migrate
 * once, dump, and load the dump for every copy.
 */
function pgliteTemplates(prismaDir: string | undefined | null, file: string | undefined) {
  let template: Promise<{ dump: Blob; module: WasmModule; fsBundle: Blob }> | undefined;
  const build = async () => {
    const [{ module, fsBundle }, dump] = await Promise.all([
      pgliteModule(),
      file ? readFile(file).then((bytes) => new Blob([bytes])) : templateDump(prismaDir),
    ]);
    return { dump, module, fsBundle };
  };
  return {
    copy: async () => {
      template ??= build();
      const { dump, module, fsBundle } = await template;
      return PGlite.create({ loadDataDir: dump, pgliteWasmModule: module as never, fsBundle, relaxedDurability: true });
    },
  };
}

/** A migrated template database, copied by `CREATE DATABASE ... TEMPLATE` (milliseconds) per test. */
function postgresTemplates(url: string, prismaDir: string | undefined) {
  const prefix = `test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: url });
  let counter = 0;
  let ready: Promise<void> | undefined;
  const templateName = `${prefix}_template`;
  const prepare = async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE "${templateName}"`);
    const factory = postgresAdapterFactory({
      url: withDatabase(url, templateName),
      poolMax: 1,
      timeoutMs: 5000,
      forMigrations: true,
    });
    await migrateDeploy({ factory, ...(prismaDir ? { prismaDir } : {}) });
  };
  return {
    async create({ migrated = true } = {}) {
      ready ??= prepare();
      await ready;
      const name = `${prefix}_${++counter}`;
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${migrated ? templateName : "template0"}"`);
      return {
        options: { url: withDatabase(url, name) },
        drop: async () => void (await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
      };
    },
    async close() {
      if (!ready) return;
      await ready.catch(() => {});
      await admin.query(`DROP DATABASE IF EXISTS "${templateName}" WITH (FORCE)`).catch(() => {});
      await admin.end();
    },
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
