import { Writable } from "node:stream";
import type { ConfigInput, Profile } from "@repo/config";
import { createDb } from "@repo/db";
import { type TestDatabase, testDatabases } from "@repo/db/testing";
import type { Extension } from "@repo/extensions";
import { createLogger } from "@repo/logger";
import request from "supertest";
import { afterAll, afterEach, inject } from "vitest";
import { createService, type Service } from "../src/service.ts";
import { testConfig } from "./config.ts";

export { testConfig };

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
  /** Another profile than "test", e.g. to see what development shows that the others do not. */
  profile?: Profile;
  extensions?: Extension[];
  /** PostgreSQL only: rewrite the test database's URL (e.g. to go through a proxy). */
  databaseUrl?: (url: string) => string;
  /** Leave the extensions stopped (for a test that hands the service to `serve()`, which starts them). */
  start?: boolean;
  /**
   * Open the database before returning: a PGlite copy is made on first use, which on a loaded
   * machine can take longer than the readiness timeout a test is about to measure.
   */
  open?: boolean;
}

export interface TestApp extends Service {
  database: TestDatabase;
  logs: LogLine[];
  /** An admin of this app, made and signed in on first use (then the same one). */
  admin(): Promise<Account>;
}

export interface Account {
  id: number;
  email: string;
  password: string;
  /** The session token POST /api/v1/sessions gave. */
  token: string;
  /** `Authorization: Bearer <token>`, for `.set(account.headers)`. */
  headers: { authorization: string };
}

export const TEST_PASSWORD = "test password 1234";

/** A supertest agent whose every request carries the account's bearer token. */
export const as = (app: TestApp["app"], { headers }: Pick<Account, "headers">) => request.agent(app).set(headers);
let accounts = 0;

/**
 * An account in the app's own database (made directly, with the app's password hashing), signed
 * in through the real POST /api/v1/sessions.
 */
export async function account(
  { app, db, auth }: Pick<TestApp, "app" | "db"> & { auth: Service["auth"] },
  {
    role = "user",
    email = `account-${++accounts}-${process.pid}@example.test`,
  }: { role?: "user" | "admin"; email?: string } = {},
): Promise<Account> {
  const passwordHash = await auth.passwords.hash(TEST_PASSWORD);
  const { id } = await db.client.user.create({ data: { email, role, passwordHash } });
  const signedIn = await request(app).post("/api/v1/sessions").send({ email, password: TEST_PASSWORD });
  if (signedIn.status !== 201) throw new Error(`sign-in failed: ${signedIn.status} ${signedIn.text}`);
  const token = String(signedIn.body.token);
  return { id, email, password: TEST_PASSWORD, token, headers: { authorization: `Bearer ${token}` } };
}

/**
 * The service on the test profile (createService, as production builds it), its extensions
 * started, its logs captured. No listening socket. It has a migrated database of its own (the
 * "db" extension), deleted after the test.
 */
export async function buildTestApp({
  overrides = {},
  extensions = [],
  databaseUrl = (url) => url,
  start = true,
  profile,
  open = false,
}: TestAppOptions = {}): Promise<TestApp> {
  const config = testConfig(overrides, profile);
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
  const service = createService(config, { logger, db, extensions });
  cleanups.push(() => service.registry.stop());
  if (start) await service.registry.start();
  // Open the PGlite copy now (it loads on first use): a test's first query, often a readiness
  // check bounded by READY_TIMEOUT_MS, must not pay for loading it on a busy machine.
  if ("pglite" in database.options) await database.options.pglite();
  if (open) await service.db.client.$queryRaw`SELECT 1`;
  let admin: Promise<Account> | undefined;
  return {
    ...service,
    database,
    logs: lines,
    admin: () => {
      admin ??= account(service, { role: "admin" });
      return admin;
    },
  };
}
