import { Writable } from "node:stream";
import { type Config, type ConfigInput, loadConfig } from "@repo/config";
import { createDb, type Db } from "@repo/db";
import { type TestDatabase, testDatabases } from "@repo/db/testing";
import { type Extension, ExtensionRegistry } from "@repo/extensions";
import { createLogger, type Logger } from "@repo/logger";
import type { Express } from "express";
import { afterAll, afterEach, inject } from "vitest";
import { createApp } from "../src/app.ts";

/** PGlite copies of one migrated template by default; databases on a real server when TEST_DATABASE_URL is set. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;
const databases = testDatabases({ url: TEST_DATABASE_URL, templates: inject("pgliteTemplates") });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => databases.close());

export type LogLine = Record<string, unknown> & { msg?: string; requestId?: string };

/** A pino destination that keeps every JSON line, so tests can search the logs. */
export function captureLogs() {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  return { lines, destination };
}

export interface TestAppOptions {
  overrides?: ConfigInput;
  extensions?: Extension[];
  /** PostgreSQL only: rewrite the test database's URL (e.g. to go through a proxy). */
  databaseUrl?: (url: string) => string;
}

export interface TestApp {
  app: Express;
  config: Config;
  logger: Logger;
  registry: ExtensionRegistry;
  db: Db;
  database: TestDatabase;
  logs: LogLine[];
}

/**
 * A fully wired app on the test profile, its extensions started, its logs captured. No listening
 * socket. It has a migrated database of its own (the "db" extension), deleted after the test.
 */
export async function buildTestApp({
  overrides = {},
  extensions = [],
  databaseUrl = (url) => url,
}: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({ profile: "test", env: {}, envDir: false, overrides });
  const { lines, destination } = captureLogs();
  const logger = createLogger({ level: "debug", destination });
  const database = await databases.create();
  cleanups.push(database.drop);
  const db = createDb({
    ...("url" in database.options ? { url: databaseUrl(database.options.url) } : database.options),
    poolMax: config.DATABASE_POOL_MAX,
    timeoutMs: config.DATABASE_TIMEOUT_MS,
    logger,
  });
  const registry = new ExtensionRegistry({ checkTimeoutMs: config.READY_TIMEOUT_MS }).register(db, ...extensions);
  cleanups.push(() => registry.stop());
  await registry.start();
  const app = createApp({ config, logger, registry, db: db.client });
  return { app, config, logger, registry, db, database, logs: lines };
}
