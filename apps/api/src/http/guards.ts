import type { RequestHandler } from "express";
import { HttpError } from "./errors.ts";

/**
 * Requests refused before any routing, which Node would otherwise answer itself (a bare 400 or
 * 417, outside the problem shape and the access log): the server asks the app instead, so they
 * get the one error shape, a request id and an access-log line like every other answer.
 */
export const requestGuards: RequestHandler = (req, _res, next) => {
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
