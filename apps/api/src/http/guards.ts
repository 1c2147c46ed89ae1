import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";
import { HttpError } from "./errors.ts";

const OVER_CAPACITY = Symbol("over capacity");

/** The HTTP server marks a request that came on a connection accepted past MAX_CONNECTIONS. */
export function markOverCapacity(req: IncomingMessage): void {
  (req as IncomingMessage & { [OVER_CAPACITY]?: true })[OVER_CAPACITY] = true;
}

const isOverCapacity = (req: IncomingMessage) =>
  (req as IncomingMessage & { [OVER_CAPACITY]?: true })[OVER_CAPACITY] === true;

/**
 * Requests refused before any routing, which Node would otherwise answer itself (a bare 400 or
 * 417, outside the problem shape and the access log): the server asks the app instead, so they
 * get the one error shape, a request id and an access-log line like every other answer.
 */
export const requestGuards: RequestHandler = (req, _res, next) => {
  if (isOverCapacity(req)) {
    throw new HttpError(503, {
      type: "urn:problem:over-capacity",
      detail: "The server has too many open connections; retry shortly",
      headers: { "Retry-After": "1", Connection: "close" },
    });
  }
  // RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without a Host header.
  if (req.httpVersion === "1.1" && req.headers.host === undefined) {
    throw new HttpError(400, {
      type: "urn:problem:malformed-request",
      detail: "An HTTP/1.1 request must carry a Host header",
      headers: { Connection: "close" },
    });
  }
  // Node itself answers `Expect: 100-continue` (matched as Node does); no other can be met.
  if (req.headers.expect !== undefined && !/(?:^|\W)100-continue(?:$|\W)/i.test(req.headers.expect)) {
    throw new HttpError(417, { detail: "Only the 100-continue expectation is supported" });
  }
  next();
};
