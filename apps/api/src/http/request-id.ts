import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";

export const REQUEST_ID_HEADER = "X-Request-ID";
/** Printable token characters only, so an id is safe in logs and headers. */
const SANE_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Takes the caller's (or the proxy's) X-Request-ID when it is sane, else makes one; echoes it on every response. */
export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.get(REQUEST_ID_HEADER);
  req.id = incoming !== undefined && SANE_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, req.id);
  next();
};
