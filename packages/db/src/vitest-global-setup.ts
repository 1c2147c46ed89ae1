// A vitest globalSetup for any package testing against @repo/db (exported as a TS source: vitest loads it itself).
import { createHash } from "node:crypto";
import { access, mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { DEFAULT_PRISMA_DIR, migrationsDirIn } from "./paths.ts";
import { writePgliteTemplates } from "./testing.ts";

/**
 * Boot and migrate PGlite once; every test file copies the dumps. The dumps are kept in the temp
 * folder under a hash of the migrations and the PGlite version, so later runs (and the other
 * packages' runs) skip the few seconds of booting and migrating until a migration changes.
 */
export default async function setup(project: TestProject) {
  const dir = path.join(tmpdir(), `repo-db-pglite-templates-${await templatesKey()}`);
  const files = { migrated: path.join(dir, "migrated.tar"), empty: path.join(dir, "empty.tar") };
  if (!(await exists(files.migrated))) {
    // Written aside, then renamed into place: runs in parallel never see half a dump.
    const staging = `${dir}.${process.pid}`;
    await mkdir(staging, { recursive: true });
    await writePgliteTemplates(staging);
    await rename(staging, dir).catch(() => rm(staging, { recursive: true, force: true }));
  }
  project.provide("pgliteTemplates", files);
}

async function templatesKey(): Promise<string> {
  const hash = createHash("sha256");
  const pgliteDist = path.dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
  hash.update(await readFile(path.join(pgliteDist, "..", "package.json")));
  const migrations = migrationsDirIn(DEFAULT_PRISMA_DIR);
  const entries = await readdir(migrations, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
  for (const file of files.sort()) hash.update(path.relative(migrations, file)).update(await readFile(file));
  return hash.digest("hex").slice(0, 16);
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplates: { migrated: string; empty: string };
  }
}
