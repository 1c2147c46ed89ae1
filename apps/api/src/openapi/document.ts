import { STATUS_CODES } from "node:http";
import { z } from "zod";
import {
  createDocument,
  type ZodOpenApiObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from "zod-openapi";
import type { MountedOperation } from "../http/operation.ts";
import { PROBLEM_MEDIA_TYPE, problemSchema } from "../http/problem.ts";
import { REQUEST_ID_HEADER } from "../http/request-id.ts";

export type OpenApiDocument = ReturnType<typeof createDocument>;

export type DocumentInfo = ZodOpenApiObject["info"];

const requestIdHeader = z.string().meta({
  description: "The request's id: the caller's when it sent a sane one, else a new UUID",
  header: { id: "RequestId" },
});
const headerText = (description: string) => z.string().meta({ description });
const RATE_LIMIT_HEADERS = {
  RateLimit: z.string().meta({
    description: "Requests left in the current window (IETF RateLimit fields, draft 8)",
    header: { id: "RateLimit" },
  }),
  "RateLimit-Policy": z.string().meta({
    description: 'The limit and its window, e.g. `"300-in-1min"; q=300; w=60`',
    header: { id: "RateLimitPolicy" },
  }),
};

const RATE_LIMITED_HEADERS = { "Retry-After": headerText("Seconds until the window resets"), ...RATE_LIMIT_HEADERS };

/** What each error status means here, for the problem responses of the document. */
const PROBLEMS: Record<number, { description: string; headers?: Record<string, z.ZodType> }> = {
  400: { description: "Malformed JSON, a malformed URL or invalid input (`errors` lists every invalid value)" },
  401: {
    description: "Not signed in, or the session is invalid, expired or signed out",
    headers: { "WWW-Authenticate": headerText('`Bearer realm="api"`, with `error="invalid_token"` for a bad token') },
  },
  403: {
    description: "Signed in, but not allowed: another user's account, an admin's operation, or a cross-site write",
  },
  404: { description: "No such resource" },
  405: {
    description: "The method is not allowed on this path",
    headers: { Allow: headerText("The methods it allows") },
  },
  409: { description: "Conflicts with the current state, e.g. a unique value already taken" },
  413: { description: "The body is larger than the server accepts (BODY_LIMIT)" },
  415: { description: "The body is not `application/json`" },
  422: { description: "Understood, but not processable" },
  429: {
    description:
      "Too many requests from this client in the window (the rate limit), or too many sign-in attempts (the sign-in throttle, which sends `Retry-After` only)",
    headers: RATE_LIMITED_HEADERS,
  },
  500: { description: "An unexpected error; the details are in the server's log under the request id" },
  503: { description: "Not ready, or a dependency (the database) is unavailable; retry shortly" },
};

/** One reusable response per error status, referenced by every operation that answers it. */
const problemResponse = (status: number): ZodOpenApiResponseObject => {
  const { description, headers = {} } = PROBLEMS[status] ?? { description: STATUS_CODES[status] ?? "Error" };
  return {
    id: `Problem${status}`,
    description,
    headers: z.object({ [REQUEST_ID_HEADER]: requestIdHeader, ...headers }),
    content: { [PROBLEM_MEDIA_TYPE]: { schema: problemSchema } },
  };
};

function operationObject(
  mounted: MountedOperation,
  problem: (status: number) => ZodOpenApiResponseObject,
): ZodOpenApiOperationObject {
  const { operation, statuses, limited } = mounted;
  const { request = {} } = operation;
  const successHeaders = (own: Record<string, string> = {}) =>
    z.object({
      [REQUEST_ID_HEADER]: requestIdHeader,
      ...(limited ? RATE_LIMIT_HEADERS : {}),
      ...Object.fromEntries(Object.entries(own).map(([name, description]) => [name, headerText(description)])),
    });
  const responses: ZodOpenApiResponsesObject = {};
  for (const status of statuses) {
    const success = operation.responses[status as keyof typeof operation.responses];
    responses[String(status) as `${1 | 2 | 3 | 4 | 5}${string}`] = success
      ? {
          description: success.description,
          headers: successHeaders(success.headers),
          ...(success.schema ? { content: { "application/json": { schema: success.schema } } } : {}),
        }
      : problem(status);
  }
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    ...(mounted.tag ? { tags: [mounted.tag.name] } : {}),
    security: securityOf(operation.auth),
    ...(request.params || request.query
      ? {
          requestParams: {
            ...(request.params ? { path: request.params as z.ZodObject } : {}),
            ...(request.query ? { query: request.query as z.ZodObject } : {}),
          },
        }
      : {}),
    ...(request.body
      ? { requestBody: { required: true, content: { "application/json": { schema: request.body } } } }
      : {}),
    responses,
  };
}

const SIGNED_IN = [{ bearerAuth: [] }, { sessionCookie: [] }];
/** A session token as a bearer token or in the session cookie; `{}`: none needed. */
const securityOf = (auth: MountedOperation["operation"]["auth"]) =>
  auth === undefined ? [] : auth === "optional" ? [{}, ...SIGNED_IN] : SIGNED_IN;

/** The OpenAPI 3.1 document of every mounted operation that is not hidden. */
export function buildOpenApiDocument(
  mounted: MountedOperation[],
  info: DocumentInfo,
  { cookieName }: { cookieName: string },
): OpenApiDocument {
  const documented = mounted.filter(({ operation }) => !operation.hidden);
  // A registered response is referenced, not repeated: one object per status for the whole document.
  const problems = new Map<number, ZodOpenApiResponseObject>();
  const problem = (status: number) => {
    const response = problems.get(status) ?? problemResponse(status);
    problems.set(status, response);
    return response;
  };
  const paths: ZodOpenApiPathsObject = {};
  for (const entry of documented) {
    paths[entry.path] = { ...paths[entry.path], [entry.operation.method]: operationObject(entry, problem) };
  }
  const tags = [...new Map(documented.flatMap(({ tag }) => (tag ? [[tag.name, tag]] : []))).values()];
  return createDocument(
    {
      openapi: "3.1.0",
      info,
      // Relative: the server that serves this document (paths carry the full /api/v1 prefix).
      servers: [{ url: "/", description: "The server that serves this document" }],
      tags,
      paths,
      components: {
        securitySchemes: {
          bearerAuth: {
            type: "http",
            scheme: "bearer",
            description: "The `token` of POST /api/v1/sessions: `Authorization: Bearer <token>`",
          },
          sessionCookie: {
            type: "apiKey",
            in: "cookie",
            name: cookieName,
            description: "The same token in the HttpOnly cookie POST /api/v1/sessions sets, for browsers",
          },
        },
      },
    },
    {
      // Handlers return Dates; JSON carries them as ISO 8601 strings.
      override: ({ jsonSchema, zodSchema, io }) => {
        if (zodSchema._zod.def.type === "date" && io === "output") {
          jsonSchema.type = "string";
          jsonSchema.format = "date-time";
        }
      },
    },
  );
}
