import type { Request } from "express";
import type { z } from "zod";
import { validationFailed } from "./errors.ts";
import type { ValidationIssue } from "./problem.ts";

type Location = "params" | "query" | "body";
type Schemas = Partial<Record<Location, z.ZodType>>;
type Parsed<S extends Schemas> = { [K in keyof S]: S[K] extends z.ZodType ? z.output<S[K]> : never };

/**
 * Parses the parts of a request with the route's zod schemas. Every issue of every part
 * is collected into one 400, so a client fixes its request in one round trip.
 */
export function validate<S extends Schemas>(req: Request, schemas: S): Parsed<S> {
  const issues: ValidationIssue[] = [];
  const parsed: Record<string, unknown> = {};
  for (const [location, schema] of Object.entries(schemas) as [Location, z.ZodType][]) {
    const result = schema.safeParse(req[location] ?? {});
    if (result.success) parsed[location] = result.data;
    else {
      for (const issue of result.error.issues) {
        issues.push({
          location,
          path: issue.path.map((key) => (typeof key === "symbol" ? String(key) : key)),
          message: issue.message,
          code: issue.code,
        });
      }
    }
  }
  if (issues.length > 0) throw validationFailed(issues);
  return parsed as Parsed<S>;
}
