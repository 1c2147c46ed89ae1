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
}

export type HttpLogger = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

type ExpressRequest = IncomingMessage & { originalUrl?: string };

/**
 * The access log: one line per request once its response is done (info, warn for 4xx, error
 * for 5xx), or, when the connection went before the answer was delivered, a warn line "request
 * aborted" written once the app has answered, with the status it answered (the outcome the
 * client never saw); and `req.log`, a child logger bound to the request id, for everything
 * logged while handling it.
 *
 * This is what pino-http did here, minus the work no request needs, which made it the largest
 * cost of the middleware stack (docs/benchmarks.md): pino-http builds two child loggers per
 * request (the second one serialising the request into its bindings) and writes the line
 * through them with redaction. Here `req.log` is one child, and the line is written by a
 * logger without redaction paths, because it only carries the fields picked below (method,
 * URL, client address, user agent, status, duration), none of which a redaction path names.
 */
export function createHttpLogger({ logger, requestId }: HttpLoggerOptions): HttpLogger {
  const access = logger.child({}, { redact: [] });
  return (req: ExpressRequest, res, next) => {
    const started = performance.now();
    req.id ??= requestId(req);
    req.log = logger.child({ requestId: req.id });
    const log = () => {
      const { statusCode, writableFinished: finished } = res;
      const level = !finished ? "warn" : statusCode >= 500 ? "error" : statusCode >= 400 ? "warn" : "info";
      const message = !finished ? "request aborted" : statusCode >= 500 ? "request errored" : "request completed";
      access[level](
        {
          requestId: req.id,
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
    };
    res.once("close", () => {
      if (res.writableEnded) {
        log();
        return;
      }
      // The connection went before the app answered, and the app may still be doing the work
      // (a write that will be applied): the line waits for its answer, so it tells the outcome.
      const end = res.end;
      res.end = ((...args: Parameters<typeof end>) => {
        res.end = end;
        const result = end.apply(res, args);
        log();
        return result;
      }) as typeof end;
    });
    next?.();
  };
}
