import type { RequestHandler } from "express";
import { unsupportedMediaType } from "./errors.ts";

const WITH_BODY = new Set(["POST", "PUT", "PATCH"]);

/** API writes take JSON only: a body of any other type is a 415, never silently ignored. */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (WITH_BODY.has(req.method) && hasBody(req) && !req.is("application/json")) {
    throw unsupportedMediaType(`Content-Type must be application/json (got ${req.get("content-type") ?? "none"})`);
  }
  next();
};

const hasBody = (req: Parameters<RequestHandler>[0]) =>
  req.get("transfer-encoding") !== undefined || Number(req.get("content-length") ?? 0) > 0;
