import { classifyDbError, isDbError } from "@repo/db";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { conflict, HttpError, notFound, serviceUnavailable } from "./errors.ts";
import { PROBLEM_MEDIA_TYPE, type Problem } from "./problem.ts";

/** Unknown routes: a 404 in the one error shape. */
export const notFoundHandler: RequestHandler = (req) => {
  throw notFound(`No route for ${req.method} ${req.path}`);
};

export interface ErrorHandlerOptions {
  exposeInternals: boolean;
  /**
   * An HTML page for the problem, for a browser on a page of the pages wing (which sets
   * `res.locals.pages`): a request that prefers text/html gets it; every other one, problem+json.
   */
  page?: (problem: Problem) => string;
}

/**
 * The only place errors become responses. Known errors keep their status; errors raised by
 * Express's own parsers (http-errors with `expose`) keep theirs; database failures get the
 * status they mean; anything else is a 500 whose message and stack stay in the logs unless
 * `exposeInternals` (development).
 */
export function errorHandler({ exposeInternals, page }: ErrorHandlerOptions): ErrorRequestHandler {
  // Four parameters: that is how Express tells an error handler from a middleware.
  return (error, req, res, _next) => {
    // The answer has started (or was given by the server, e.g. for a broken request body): it
    // cannot change. Say so in the log; Express's final handler would print the stack to stderr.
    if (res.headersSent) {
      req.log?.warn({ err: error }, "request failed after its answer started");
      if (!res.writableEnded) req.socket.destroy();
      return;
    }
    const httpError = toHttpError(error, exposeInternals);
    if (httpError.status >= 500) req.log?.error({ err: error }, "request failed");
    const problem = httpError.toProblem(req.originalUrl, String(req.id));
    res.status(httpError.status).set(httpError.headers);
    if (page && res.locals.pages === true && req.accepts([PROBLEM_MEDIA_TYPE, "application/json", "html"]) === "html") {
      res.type("html").send(page(problem));
      return;
    }
    res.type(PROBLEM_MEDIA_TYPE).send(JSON.stringify(problem));
  };
}

/** body-parser and friends throw http-errors: `status` plus `expose` for client errors. */
interface ExposedError {
  status: number;
  expose: boolean;
  type?: string;
  message: string;
}

const isExposed = (error: unknown): error is ExposedError =>
  typeof error === "object" &&
  error !== null &&
  (error as ExposedError).expose === true &&
  Number.isInteger((error as ExposedError).status);

/** What an error answers, in the one error shape. */
export function toHttpError(error: unknown, exposeInternals: boolean): HttpError {
  if (error instanceof HttpError) return error;
  if (isExposed(error) && error.status >= 400 && error.status < 500) {
    if (error.type === "entity.parse.failed") {
      return new HttpError(400, { type: "urn:problem:malformed-json", title: "Malformed JSON", detail: error.message });
    }
    return new HttpError(error.status, { detail: error.message });
  }
  // The router decodes path parameters and marks a malformed one (`/users/%FF`) as a 400
  // URIError without `expose`: a client error, not a 500.
  if (error instanceof URIError && (error as URIError & { status?: number }).status === 400) {
    return new HttpError(400, {
      type: "urn:problem:malformed-url",
      title: "Malformed URL",
      detail: "The URL contains an invalid percent-encoded sequence",
    });
  }
  // Every query of every service: an unreachable or timed-out database is a 503 the client may
  // retry, not a bug. Services that have better words for a 409 or 404 throw those themselves.
  switch (isDbError(error) ? classifyDbError(error) : undefined) {
    case "unavailable":
      return serviceUnavailable("The database is unavailable; try again shortly");
    case "unique":
      return conflict("The resource already exists");
    case "not-found":
      return notFound("The resource does not exist");
  }
  return new HttpError(500, {
    detail: exposeInternals && error instanceof Error ? error.message : "An unexpected error occurred",
    ...(exposeInternals && error instanceof Error ? { extensions: { stack: error.stack?.split("\n") } } : {}),
  });
}
