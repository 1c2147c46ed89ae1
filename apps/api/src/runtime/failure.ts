import type { Config } from "@repo/config";
import { DatabaseLockedError, isDbError } from "@repo/db";
import { ExtensionStartError } from "@repo/extensions";
import { embeddedDataDir } from "../extensions/database.ts";

/**
 * What to tell a person whose server or CLI command could not get going: one message that says
 * what failed, where, and what to do about it, instead of a stack and the same words once per
 * cause. Undefined for an error this does not recognise (a bug, most likely).
 */
export function describeFailure(error: unknown, config: Config): string | undefined {
  const cause = error instanceof Error ? innermost(error) : error;
  const extension = error instanceof ExtensionStartError ? error.extension : undefined;
  if (cause instanceof DatabaseLockedError) return cause.message;
  if (extension === "db" || isDbError(error)) return describeDbFailure(cause, config);
  if (extension !== undefined) return `The ${extension} extension failed to start: ${summary(cause)}`;
  const { code, address, port } = (error ?? {}) as { code?: string; address?: string; port?: number };
  if (code !== "EADDRINUSE" && code !== "EACCES" && code !== "EADDRNOTAVAIL") return undefined;
  const [setting, host] =
    port === config.METRICS_PORT && port !== config.PORT ? ["METRICS_PORT", "METRICS_HOST"] : ["PORT", "HOST"];
  const where = `${address ?? config.HOST}:${port ?? config.PORT}`;
  if (code === "EADDRINUSE") {
    return `${where} is already in use by another process. Stop it, or set another ${setting} (for example \`${setting}=3001 pnpm dev\`).`;
  }
  if (code === "EACCES")
    return `Not allowed to listen on ${where}: ports below 1024 need privileges. Set another ${setting}.`;
  return `Cannot listen on ${where}: it is not an address of this machine. Check ${host}.`;
}

/** A database that could not be opened or reached, in terms of the settings that pick it. */
function describeDbFailure(cause: unknown, config: Config): string {
  const message = summary(cause);
  if (config.DATABASE_URL === undefined) {
    const where = embeddedDataDir(config) === "memory" ? "in memory" : `in ${config.PGLITE_DATA_DIR} (PGLITE_DATA_DIR)`;
    return `The embedded database ${where} failed to open: ${message}`;
  }
  const url = new URL(config.DATABASE_URL);
  const where = `PostgreSQL at ${url.hostname}:${url.port || 5432}`;
  const database = decodeURIComponent(url.pathname.slice(1));
  if (/Can't reach database server|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|timed? ?out/i.test(message)) {
    return `Cannot reach ${where} (DATABASE_URL). Is it running and accepting connections there? Start it, or remove DATABASE_URL to use the embedded database.`;
  }
  if (/Authentication failed|password authentication failed/i.test(message)) {
    return `${where} refused the user "${decodeURIComponent(url.username)}": check the user name and password in DATABASE_URL.`;
  }
  if (/does not exist/i.test(message) && message.includes(database)) {
    return `${where} has no database "${database}": create it (\`createdb ${database}\`), or fix its name in DATABASE_URL.`;
  }
  return `The database (${where}, DATABASE_URL) failed: ${message}`;
}

/** The deepest Error of the cause chain: what actually went wrong. */
function innermost(error: Error): Error {
  let current = error;
  for (let depth = 0; current.cause instanceof Error && depth < 10; depth++) current = current.cause;
  return current;
}

/**
 * An error's message on one line: its first line that says something. Prisma puts
 * "Invalid `prisma.$queryRaw()` invocation:" first and advice after a blank line.
 */
export function summary(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message.split("\n").map((line) => line.trim());
  return lines.find((line) => line !== "" && !/^Invalid `.*` invocation/.test(line)) ?? message;
}
