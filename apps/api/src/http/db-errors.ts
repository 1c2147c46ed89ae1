import { classifyDbError } from "@repo/db";
import { conflict, notFound } from "./errors.ts";

/** A resource's own words for what a failed query means to its client. */
export interface DbErrorWords {
  /** Detail of the 409 for a unique violation. */
  unique?: string;
  /** Detail of the 404 for a row that does not exist. */
  notFound?: string;
}

/**
 * Rewords a unique violation (409) or a missing row (404) for the resource at hand. Optional:
 * the error handler already answers every database failure with its status (an outage is a
 * 503 for every query of every service), in generic words.
 */
export async function withDbErrorWords<T>(work: Promise<T>, words: DbErrorWords): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const kind = classifyDbError(error);
    if (kind === "unique" && words.unique) throw conflict(words.unique);
    if (kind === "not-found" && words.notFound) throw notFound(words.notFound);
    throw error;
  }
}
