// The one file that knows how Prisma's schema engine is loaded and called. It is Prisma's own
// engine compiled to WebAssembly, driven over a driver adapter, so migrations need no native
// binary and no download. A Prisma upgrade should touch only this file.
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine, SchemaFilter } from "@prisma/schema-engine-wasm";
import type { AdapterFactory } from "./adapters.ts";
import { wasm } from "./wasm.ts";

export type { MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";

type Bindings = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");

export const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

let bindings: Promise<Bindings> | undefined;

/**
 * Compiles and instantiates the engine once per process: compiling takes seconds, and the
 * generated bindings hold exactly one instance anyway. The package's own `import "./x.wasm"`
 * does not load under Node, so the module is wired by hand, as its bundler glue would.
 */
function loadBindings(): Promise<Bindings> {
  bindings ??= (async () => {
    const require = createRequire(import.meta.url);
    const glue = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const bg: Bindings = await import(glue);
    const bytes = await readFile(path.join(path.dirname(glue), "schema_engine_bg.wasm"));
    const module = await wasm.compile(bytes);
    const { exports } = await wasm.instantiate(module, { "./schema_engine_bg.js": bg });
    bg.__wbg_set_wasm(exports);
    exports.__wbindgen_start?.();
    return bg;
  })();
  return bindings;
}

export interface SchemaFile {
  path: string;
  content: string;
}

export async function readSchema(schemaPath: string): Promise<SchemaFile[]> {
  return [{ path: schemaPath, content: await readFile(schemaPath, "utf8") }];
}

/**
 * Runs `work` with an engine connected through `factory`, then releases every connection the
 * engine opened (the engine does not always dispose of them, and a pg pool left open keeps
 * the process alive).
 */
export async function withSchemaEngine<T>(
  factory: AdapterFactory,
  schema: SchemaFile[],
  work: (engine: SchemaEngine) => Promise<T>,
  log: (message: string) => void = () => {},
): Promise<T> {
  const bg = await loadBindings();
  const tracked = trackConnections(factory);
  let engine: SchemaEngine | undefined;
  try {
    engine = await bg.SchemaEngine.new(
      { datamodels: schema.map((file) => [file.path, file.content]) },
      log,
      bindMigrationAwareSqlAdapterFactory(tracked.factory),
    );
    return await work(engine);
  } catch (error) {
    throw toEngineError(error);
  } finally {
    engine?.free();
    await tracked.disposeAll();
  }
}

/** prisma/migrations in the engine's input shape, as `prisma migrate` reads it. */
export async function readMigrations(migrationsDir: string): Promise<MigrationList> {
  const names = await migrationNames(migrationsDir);
  const migrationDirectories = await Promise.all(
    names.map(async (name) => {
      const file = path.join(migrationsDir, name, "migration.sql");
      const content = await readFile(file, "utf8").then(
        (value) => ({ tag: "ok" as const, value }),
        (error: unknown) => ({ tag: "error" as const, value: String(error) }),
      );
      return { path: name, migrationFile: { path: "migration.sql", content } };
    }),
  );
  const lock = await readFile(path.join(migrationsDir, "migration_lock.toml"), "utf8").catch(() => null);
  return {
    baseDir: migrationsDir,
    lockfile: { path: "migration_lock.toml", content: lock },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

/** The migration folders' names (a timestamp first), in the order they apply; none without the folder. */
export async function migrationNames(migrationsDir: string): Promise<string[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/**
 * Engine errors carry a Rust backtrace after the message ("\n   0: schema_engine_wasm::...");
 * keep the message, which names the migration and the database's own error.
 */
function toEngineError(error: unknown): Error {
  const raw = typeof error === "string" ? error : ((error as { message?: string })?.message ?? JSON.stringify(error));
  const message = raw.split(/\n\s+0: /)[0]?.trim() || raw;
  const wrapped = new Error(message, { cause: error });
  if (error instanceof Error) wrapped.name = error.name;
  return wrapped;
}

function trackConnections(factory: AdapterFactory) {
  const open = new Set<{ dispose(): Promise<void> }>();
  const track = <A extends { dispose(): Promise<void> }>(adapter: A): A => {
    let disposed: Promise<void> | undefined;
    const entry = {
      dispose: () => {
        open.delete(entry);
        disposed ??= adapter.dispose();
        return disposed;
      },
    };
    const dispose = entry.dispose;
    open.add(entry);
    return new Proxy(adapter, {
      get(target, property) {
        if (property === "dispose") return dispose;
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  };
  const tracked: AdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => track(await factory.connect()),
    connectToShadowDb: async () => track(await factory.connectToShadowDb()),
  };
  return {
    factory: tracked,
    disposeAll: async () => {
      await Promise.allSettled([...open].map((entry) => entry.dispose()));
    },
  };
}
