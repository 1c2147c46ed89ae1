import { DriverAdapterError } from "@prisma/driver-adapter-utils";
import { Prisma } from "./client.ts";

/** What a caller can do about a failed query: the API maps these to 409, 404 and 503. */
export type DbErrorKind = "unique" | "not-found" | "unavailable";

// Prisma codes for "the database cannot be reached, refused us, or did not answer in time":
// authentication failed, unreachable, timed out, database missing, access denied, connection
// closed, pool timeout, too many connections.
const UNAVAILABLE_CODES = new Set(["P1000", "P1001", "P1002", "P1003", "P1008", "P1010", "P1017", "P2024", "P2037"]);
// Errors of the pg pool, node sockets and PGlite that mean the same, raised outside Prisma's codes.
// PostgreSQL's own SQLSTATEs for it (Prisma reports them as "Database error. Code: `57P03`"):
// class 08 connection exception, 53300 too many connections, 57P01-57P03 shutdown / crash / not
// yet accepting connections (a server recovering after a crash answers 57P03 for a while).
const UNAVAILABLE_MESSAGES =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|timeout exceeded when trying to connect|Query read timeout|statement timeout|terminating connection|the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)|PGlite is closed|database is not started|Can't reach database server|Code: `(08[0-9A-Z]{3}|53300|57P0[123])`/i;

/**
 * node-postgres' own Errors for a connection that ended under a query ("Connection terminated
 * unexpectedly" when the server went away): Prisma's pg adapter lets them through unwrapped.
 */
const PG_CONNECTION_ENDED = /^Connection terminated( unexpectedly| due to connection timeout)?$/;

/** A query on the embedded database before it started or after it stopped. */
export class DatabaseClosedError extends Error {
  override name = "DatabaseClosedError";
}

/**
 * Whether an error was raised by the database client (Prisma or its driver adapter) rather than
 * by the app's own code: only those are classified when an error reaches the app's error handler.
 */
export function isDbError(error: unknown): boolean {
  return (
    error instanceof Prisma.PrismaClientKnownRequestError ||
    error instanceof Prisma.PrismaClientUnknownRequestError ||
    error instanceof Prisma.PrismaClientInitializationError ||
    error instanceof Prisma.PrismaClientRustPanicError ||
    error instanceof DriverAdapterError ||
    error instanceof DatabaseClosedError ||
    // PGlite's and node-postgres' own errors, which Prisma passes through as they are.
    (error instanceof Error && (error.message === "PGlite is closed" || PG_CONNECTION_ENDED.test(error.message)))
  );
}

export function classifyDbError(error: unknown): DbErrorKind | undefined {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (error.code === "P2002") return "unique";
    if (error.code === "P2025") return "not-found";
    if (UNAVAILABLE_CODES.has(error.code)) return "unavailable";
  }
  if (error instanceof Prisma.PrismaClientInitializationError) return "unavailable";
  if (error instanceof Error && UNAVAILABLE_MESSAGES.test(messages(error))) return "unavailable";
  return undefined;
}

/** The message of an error and of its causes: drivers often wrap the socket error. */
function messages(error: Error): string {
  const parts: string[] = [];
  for (let current: unknown = error; current instanceof Error && parts.length < 5; current = current.cause) {
    parts.push(current.message);
  }
  return parts.join("\n");
}
