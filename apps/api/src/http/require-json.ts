import { parse } from "content-type";
import type { Request, RequestHandler } from "express";
import { unsupportedMediaType } from "./errors.ts";

const WITH_BODY = new Set(["POST", "PUT", "PATCH"]);

/**
 * API writes take JSON only: a body of any other type is a 415, never silently ignored. And JSON
 * is UTF-8 (RFC 8259): the JSON parser would decode any `utf-*` charset it is told, UTF-7
 * included (`+ADw-script+AD4-` read as `<script>`), so any charset but UTF-8 is a 415 too.
 */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (WITH_BODY.has(req.method) && hasBody(req)) {
    if (!req.is("application/json")) {
      throw unsupportedMediaType(`Content-Type must be application/json (got ${req.get("content-type") ?? "none"})`);
    }
    const charset = charsetOf(req);
    if (charset !== undefined && charset !== "utf-8") {
      throw unsupportedMediaType(`JSON must be UTF-8 (got charset ${JSON.stringify(charset)})`);
    }
  }
  next();
};

const hasBody = (req: Request) =>
  req.get("transfer-encoding") !== undefined || Number(req.get("content-length") ?? 0) > 0;

/** The charset parameter, lower-cased, read by the parser body-parser uses: both see the same one. */
const charsetOf = (req: Request): string | undefined =>
  parse(req.get("content-type") ?? "").parameters.charset?.toLowerCase();
