import { z } from "zod";
import { createDocument, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from "zod-openapi";

/** A route module's OpenAPI paths, relative to where it is mounted (`/{id}`, not `/:id`). */
export type OpenApiPaths = ZodOpenApiPathsObject;

export type OpenApiDocument = ReturnType<typeof createDocument>;

export interface DocumentedMount {
  /** The mount path in `createApp`, e.g. `/api/v1/users`. */
  path: string;
  openapi?: OpenApiPaths;
}

/** RFC 9457 problem details: the body of every error response (src/http/errors.ts). */
const problemSchema = z
  .looseObject({
    type: z.string().meta({ example: "urn:problem:validation-error" }),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z
      .array(
        z.object({
          location: z.string(),
          path: z.array(z.union([z.string(), z.number()])),
          message: z.string(),
          code: z.string(),
        }),
      )
      .optional()
      .meta({ description: "validation errors only: every invalid value" }),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details (application/problem+json)" });

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: "Malformed JSON or invalid input",
  404: "Not found",
  405: "Method not allowed",
  409: "Conflict",
  413: "Body too large",
  415: "Writes must be application/json",
  429: "Too many requests",
  500: "Internal error",
  503: "Not ready or a dependency is down",
};

/** Problem responses for the given statuses, e.g. `...problems(400, 404)` inside `responses`. */
export function problems(...statuses: number[]): ZodOpenApiResponsesObject {
  return Object.fromEntries(
    statuses.map((status) => [
      String(status),
      {
        description: PROBLEM_DESCRIPTIONS[status] ?? "Error",
        content: { "application/problem+json": { schema: problemSchema } },
      },
    ]),
  );
}

/** A JSON response with the given schema. */
export const json = (description: string, schema: z.ZodType) => ({
  description,
  content: { "application/json": { schema } },
});

/** Same joining as Express's mounting (and src/routes-table.ts): `/api/v1/users` + `/` → `/api/v1/users`. */
const joinPaths = (a: string, b: string) => `/${[a, b].join("/").split("/").filter(Boolean).join("/")}`;

/** Express path syntax to OpenAPI's: `/users/:id` → `/users/{id}`. */
export const toOpenApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, "{$1}");

/** One OpenAPI 3.1 document from every mounted route module's paths. */
export function buildOpenApiDocument(
  mounts: DocumentedMount[],
  info: { title: string; version: string; description?: string },
): OpenApiDocument {
  const paths: OpenApiPaths = {};
  for (const mount of mounts) {
    for (const [subPath, item] of Object.entries(mount.openapi ?? {})) {
      paths[joinPaths(mount.path, subPath)] = item;
    }
  }
  return createDocument({
    openapi: "3.1.0",
    info,
    paths,
  });
}
