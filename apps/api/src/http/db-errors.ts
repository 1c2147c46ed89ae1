import { classifyDbError } from "@repo/db";
import { conflict, notFound, serviceUnavailable } from "./errors.ts";

export interface DbErrorMessages {
  /** Detail of the 409 for a unique violation. */
  unique?: string;
  /** Detail of the 404 for a row that does not exist. */
  notFound?: string;
}

/**
 * Turns database failures into the HttpErrors they mean: a unique violation is a 409, a
 * missing row a 404, an unreachable or timed-out database a 503 (the client may retry; not a
 * bug, so not a 500). Anything else is rethrown untouched.
 */
export async function mapDbErrors<T>(work: Promise<T>, messages: DbErrorMessages = {}): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const kind = classifyDbError(error);
    if (kind === "unique") throw conflict(messages.unique ?? "The resource already exists");
    if (kind === "not-found") throw notFound(messages.notFound ?? "The resource does not exist");
    if (kind === "unavailable") throw serviceUnavailable("The database is unavailable; try again shortly");
    throw error;
  }
}
