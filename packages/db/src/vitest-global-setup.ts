// A vitest globalSetup for any package testing against @repo/db (exported as a TS source: vitest loads it itself).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { writePgliteTemplates } from "./testing.ts";

// Boot and migrate PGlite once for the whole run; every test file copies the dumps.
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(tmpdir(), "pglite-templates-"));
  project.provide("pgliteTemplates", await writePgliteTemplates(dir));
  return () => rm(dir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplates: { migrated: string; empty: string };
  }
}
