import type { RequestHandler } from "express";
import { methodNotAllowed } from "./errors.ts";

/**
 * Last handler of a route (`router.route(path).get(...).all(onlyDeclaredMethods)`): answers
 * 405 with an Allow header built from the methods the route declares, and OPTIONS with 204.
 */
export const onlyDeclaredMethods: RequestHandler = (req, res) => {
  const declared = Object.keys(req.route?.methods ?? {})
    .filter((method) => method !== "_all")
    .map((method) => method.toUpperCase());
  const allow = [...new Set([...declared, ...(declared.includes("GET") ? ["HEAD"] : []), "OPTIONS"])];
  if (req.method === "OPTIONS") {
    res.set("Allow", allow.join(", ")).status(204).end();
    return;
  }
  throw methodNotAllowed(req.method, allow);
};
