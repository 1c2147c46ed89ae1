import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";

declare module "node:http" {
  interface IncomingMessage {
    /** The request id: the request-id middleware's, or `HttpLoggerOptions.requestId`'s. */
    id: string;
    /** A child logger whose every line carries `requestId`. */
    log: Logger;
  }
}

export interface HttpLoggerOptions {
  logger: Logger;
  /** The request id, when no earlier middleware set `req.id`. */
  requestId: (req: IncomingMessage) => string;
  /** More fields for the access line, read once the response is done (e.g. the signed-in user's id). */
  fields?: (req: IncomingMessage) => Record<string, unknown> | undefined;
}

export type HttpLogger = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

type ExpressRequest = IncomingMessage & { originalUrl?: string };

/**
 * The access log: one line per request once its response is done (info, warn for 4xx, error
 * for 5xx, warn when the client went away first), and `req.log`, a child logger bound to the
 * request id, for everything logged while handling it.
 *
 * This is what pino-http did here, minus the work no request needs, which made it the largest
 * cost of the middleware stack (docs/benchmarks.md): pino-http builds two child loggers per
 * request (the second one serialising the request into its bindings) and writes the line
 * through them with redaction. Here `req.log` is one child, and the line is written by a
 * logger without redaction paths, because it only carries the fields picked below (method,
 * URL, client address, user agent, status, duration), none of which a redaction path names.
 */
export function createHttpLogger({ logger, requestId, fields }: HttpLoggerOptions): HttpLogger {
  const access = logger.child({}, { redact: [] });
  return (req: ExpressRequest, res, next) => {
    const started = performance.now();
    req.id ??= requestId(req);
    req.log = logger.child({ requestId: req.id });
    res.once("close", () => {
      const { statusCode, writableFinished: finished } = res;
      const level = statusCode >= 500 ? "error" : statusCode >= 400 || !finished ? "warn" : "info";
      const message = !finished ? "request aborted" : statusCode >= 500 ? "request errored" : "request completed";
      access[level](
        {
          requestId: req.id,
          ...fields?.(req),
          req: {
            method: req.method,
            url: req.originalUrl ?? req.url,
            remoteAddress: req.socket.remoteAddress,
            userAgent: req.headers["user-agent"],
          },
          res: { statusCode },
          responseTime: Math.round(performance.now() - started),
        },
        message,
      );
    });
    next?.();
  };
}
