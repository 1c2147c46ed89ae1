import { hostname } from "node:os";
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
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|timeout exceeded when trying to connect|Query read timeout|statement timeout|terminating connection|the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)|PGlite is closed|database is (not started|stopped)|Can't reach database server|Code: `(08[0-9A-Z]{3}|53300|57P0[123])`/i;

/** A query on the embedded database before it started or after it stopped. */
export class DatabaseClosedError extends Error {
  override name = "DatabaseClosedError";
}

/** Set on every error that comes out of the client's driver adapter (markDriverErrors). */
const FROM_DRIVER = Symbol.for("@repo/db: raised by the database driver");

/**
 * The adapter factory, its adapters and their transactions, with every error they throw marked
 * as the database's. Prisma passes some driver errors through untouched (a pg socket's
 * "Connection terminated unexpectedly" while PostgreSQL stops, PGlite's "PGlite is closed"):
 * marked, they are told apart from the app's own errors of the same words.
 */
export function markDriverErrors<T extends object>(target: T): T {
  const mark = (error: unknown) => {
    if (error instanceof Error && !Object.hasOwn(error, FROM_DRIVER)) {
      Object.defineProperty(error, FROM_DRIVER, { value: true });
    }
    return error;
  };
  // What connect() and startTransaction() resolve to is marked the same way.
  const deeper = (value: unknown) =>
    value !== null && typeof value === "object" && typeof (value as { queryRaw?: unknown }).queryRaw === "function"
      ? markDriverErrors(value)
      : value;
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        try {
          const result = value.apply(object, args);
          return result instanceof Promise
            ? result.then(deeper, (error: unknown) => {
                throw mark(error);
              })
            : result;
        } catch (error) {
          throw mark(error);
        }
      };
    },
  });
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
    (error instanceof Error && Object.hasOwn(error, FROM_DRIVER))
  );
}

export function classifyDbError(error: unknown): DbErrorKind | undefined {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (error.code === "P2002") return "unique";
    if (error.code === "P2025") return "not-found";
    if (UNAVAILABLE_CODES.has(error.code)) return "unavailable";
  }
  if (error instanceof Prisma.PrismaClientInitializationError || error instanceof DatabaseClosedError) {
    return "unavailable";
  }
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

/** Who holds an on-disk PGlite folder, as its owner recorded it. */
export interface DataDirHolder {
  pid: number;
  /** What the owner calls itself, e.g. "pnpm dev". */
  owner?: string;
  /** Its command line. */
  command: string;
  /** When it took the lock (ISO 8601). */
  since: string;
  hostname: string;
}

/** Thrown when another process holds the folder; nothing was opened or written. */
export class DatabaseLockedError extends Error {
  override name = "DatabaseLockedError";
  readonly dataDir: string;
  readonly holder: DataDirHolder | undefined;

  constructor(dataDir: string, holder: DataDirHolder | undefined) {
    const who = holder
      ? `${holder.owner ?? "another process"} (pid ${holder.pid}${holder.hostname === hostname() ? "" : ` on ${holder.hostname}`})`
      : "another process";
    const details = holder ? `, since ${holder.since}: ${holder.command}` : "";
    const kill = holder && holder.hostname === hostname() ? ` (Ctrl-C in its terminal, or \`kill ${holder.pid}\`)` : "";
    super(
      `The embedded database ${dataDir} is in use by ${who}${details}\n` +
        `Only one process at a time may open it. Stop ${who} first${kill}, or use another data folder.`,
    );
    this.dataDir = dataDir;
    this.holder = holder;
  }
}
