import type { ErrorRequestHandler, Request, RequestHandler, Response, Router } from "express";
import type { z } from "zod";
import type { AuthMode } from "./auth.ts";
import { toHttpError } from "./error-handler.ts";
import { methodNotAllowed } from "./errors.ts";
import { validate } from "./validate.ts";

// One declaration per operation: the Express route (body parsing → validation → handler →
// reply), the 405 with `Allow` for every other method on its path, and the OpenAPI operation
// (src/openapi/document.ts) all come from it, so the document cannot drift from the code.

export type Method = "get" | "post" | "put" | "patch" | "delete";

/** Error statuses an operation may declare on top of the ones its shape implies (see `statusesOf`). */
export type ProblemStatus = 401 | 403 | 404 | 409 | 422 | 429 | 503;
type SuccessStatus = 200 | 201 | 202 | 204 | 303;

export interface RequestSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  /** A JSON body: only operations that declare one parse a body. */
  body?: z.ZodType;
}

export interface ResponseSpec {
  description: string;
  /** The JSON body; none for an empty response (204). */
  schema?: z.ZodType;
  /** Headers the handler sets on this response: name → what it holds. */
  headers?: Record<string, string>;
}

type Input<R extends RequestSchemas> = { [K in keyof R]-?: R[K] extends z.ZodType ? z.output<R[K]> : never };

/** What a handler answers: one of its declared statuses, with that status's body type. */
export type Reply<Rs> = {
  [S in keyof Rs & SuccessStatus]: Rs[S] extends { schema: infer B extends z.ZodType }
    ? { status: S; body: z.input<B>; headers?: Record<string, string> }
    : { status: S; body?: undefined; headers?: Record<string, string> };
}[keyof Rs & SuccessStatus];

export interface HttpArgs {
  req: Request;
  res: Response;
}

interface OperationFields<R extends RequestSchemas, Rs> {
  method: Method;
  /** Relative to the route module's prefix, in OpenAPI syntax: `/{id}`. */
  path: string;
  /** Unique in the document; generated clients name their functions after it. */
  operationId: string;
  summary: string;
  description?: string;
  request?: R;
  responses: Rs;
  /** The errors this operation answers beyond what its shape implies, e.g. 404, 409, 503. */
  problems?: ProblemStatus[];
  /**
   * Who may call it: "user" (signed in), "admin", or "optional" (public, with the caller known
   * when credentials come); absent, public. One line protects a route: `auth: "user"`.
   */
  auth?: AuthMode;
  /** Served, but not part of the API document: HTML pages. */
  hidden?: boolean;
  /**
   * Gets the validated input; returns the reply (status, body, headers), or nothing when it
   * answered through `res` itself (a rendered page).
   */
  handler(
    input: Input<NoInfer<R>>,
    http: HttpArgs,
  ): Reply<NoInfer<Rs>> | undefined | Promise<Reply<NoInfer<Rs>> | undefined>;
}

/** An operation with its types erased, as route modules list them. */
export interface Operation
  extends Omit<OperationFields<RequestSchemas, Partial<Record<SuccessStatus, ResponseSpec>>>, "handler"> {
  handler(input: Record<string, unknown>, http: HttpArgs): unknown;
}

type Declare = <R extends RequestSchemas, Rs extends Partial<Record<SuccessStatus, ResponseSpec>>>(
  path: string,
  fields: Omit<OperationFields<R, Rs>, "method" | "path">,
) => Operation;

const declare =
  (method: Method): Declare =>
  (path, fields) =>
    ({ method, path, ...fields }) as unknown as Operation;

/**
 * Declares an operation, e.g. `op.get("/{id}", { operationId, summary, request, responses, handler })`;
 * the types of its input and replies flow from its schemas.
 */
export const op: Record<Method, Declare> = {
  get: declare("get"),
  post: declare("post"),
  put: declare("put"),
  patch: declare("patch"),
  delete: declare("delete"),
};

/** A route module: operations under a common prefix, and the tag that groups them in the document. */
export interface RouteModule {
  /** Where the module's paths start under its wing, e.g. `/users`; "" for none. */
  prefix: string;
  tag?: { name: string; description: string };
  operations: Operation[];
}

/** A route module: its operations, under a prefix (default none), grouped under a tag in the document. */
export const defineRoutes = (
  { prefix = "", tag }: { prefix?: string; tag?: RouteModule["tag"] },
  operations: Operation[],
): RouteModule => ({ prefix, ...(tag ? { tag } : {}), operations });

/** Where and how a wing mounts its modules. */
export interface WingPolicy {
  /** The wing's base path (API_BASE, or "" for the pages wing). */
  base: string;
  /** Behind the rate limiter: its operations may answer 429. */
  limited: boolean;
  /** Runs before an operation that declares a body: content-type check, then the parser. */
  bodyParsers: RequestHandler[];
  /** APP_ENV=test: every reply is checked against its declared schema, every error status against the declared ones. */
  strict: boolean;
  /** The authenticator an operation with `auth` runs before anything else (src/http/auth.ts). */
  authenticate: (mode: AuthMode) => RequestHandler;
  /** Metrics are on: every request records its route's label (`res.locals.route`). */
  labelRoutes: boolean;
}

/** An operation where it is served: what the document, the route list and the metrics read. */
export interface MountedOperation {
  operation: Operation;
  tag?: RouteModule["tag"];
  /** The full path in OpenAPI syntax: `/api/v1/users/{id}`. */
  path: string;
  /** The same in Express syntax, the metrics' route label: `/api/v1/users/:id`. */
  template: string;
  limited: boolean;
  /** Every status it can answer. */
  statuses: number[];
}

/** Mounts a wing's route modules on its router; returns what it mounted. */
export function mountRoutes(router: Router, modules: RouteModule[], policy: WingPolicy): MountedOperation[] {
  const mounted: MountedOperation[] = [];
  for (const module of modules) {
    const byPath = Map.groupBy(module.operations, (operation) => joinPaths(module.prefix, operation.path));
    for (const [path, operations] of byPath) {
      const template = toExpressPath(joinPaths(policy.base, path));
      const route = router.route(toExpressPath(path));
      // The route's label for metrics, also when a request fails before its handler runs.
      if (policy.labelRoutes) {
        route.all((_req, res, next) => {
          res.locals.route = template;
          next();
        });
      }
      for (const operation of operations) {
        const statuses = statusesOf(operation, policy.limited);
        const chain: (RequestHandler | ErrorRequestHandler)[] = [
          ...(operation.auth ? [policy.authenticate(operation.auth)] : []),
          ...(operation.request?.body ? policy.bodyParsers : []),
          handle(operation, policy.strict),
        ];
        if (policy.strict) chain.push(onlyDeclaredStatuses(operation, statuses));
        route[operation.method](...chain);
        mounted.push({
          operation,
          ...(module.tag ? { tag: module.tag } : {}),
          path: joinPaths(policy.base, path),
          template,
          limited: policy.limited,
          statuses,
        });
      }
      route.all(otherMethods(operations));
    }
  }
  return mounted;
}

/**
 * Every status an operation can answer: its replies, what it declares, and what its shape
 * implies — 400 for validated input, 413 and 415 for a body, 401 with `auth`, 403 for an admin's
 * operation or a write a session cookie may authenticate (a cross-site one is refused), 405 for
 * other methods on its path, 429 behind the rate limiter, 500 always.
 */
function statusesOf(operation: Operation, limited: boolean): number[] {
  const { request = {}, auth } = operation;
  const statuses = [
    ...Object.keys(operation.responses).map(Number),
    ...(operation.problems ?? []),
    ...(auth ? [401] : []),
    ...(auth === "admin" || (auth && operation.method !== "get") ? [403] : []),
    ...(request.params || request.query || request.body ? [400] : []),
    ...(request.body ? [413, 415] : []),
    405,
    ...(limited ? [429] : []),
    500,
  ];
  return [...new Set(statuses)].sort((a, b) => a - b);
}

function handle(operation: Operation, strict: boolean): RequestHandler {
  const schemas = operation.request ?? {};
  return async (req, res) => {
    const input = validate(req, schemas);
    const reply = (await operation.handler(input, { req, res })) as ReplyShape | undefined;
    if (reply === undefined) return;
    if (strict) checkReply(operation, reply);
    res.status(reply.status);
    if (reply.headers) res.set(reply.headers);
    if (reply.body === undefined) res.end();
    else res.json(reply.body);
  };
}

interface ReplyShape {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Under test, a reply that its declaration does not describe is a bug: a 500 that fails the test. */
function checkReply(operation: Operation, reply: ReplyShape): void {
  const declared = operation.responses[reply.status as SuccessStatus];
  const problem = !declared
    ? `status ${reply.status} is not declared`
    : declared.schema
      ? declared.schema.safeParse(reply.body).error?.message
      : reply.body === undefined
        ? undefined
        : "it declares no body";
  if (problem) throw new Error(`${operation.operationId} replied what its declaration does not say: ${problem}`);
}

/** Under test, an error status its declaration does not list is a lie in the document: a 500 that fails the test. */
function onlyDeclaredStatuses(operation: Operation, statuses: number[]): ErrorRequestHandler {
  return (error, _req, _res, next) => {
    const { status } = toHttpError(error, false);
    if (statuses.includes(status)) next(error);
    else next(new Error(`${operation.operationId} answered ${status}, which it does not declare`, { cause: error }));
  };
}

/** The last handler of a path: OPTIONS gets 204 and other undeclared methods a 405, both with `Allow`. */
function otherMethods(operations: Operation[]): RequestHandler {
  const declared = operations.map((operation) => operation.method.toUpperCase());
  const allow = [...new Set([...declared, ...(declared.includes("GET") ? ["HEAD"] : []), "OPTIONS"])];
  return (req, res) => {
    if (req.method === "OPTIONS") {
      res.set("Allow", allow.join(", ")).status(204).end();
      return;
    }
    throw methodNotAllowed(req.method, allow);
  };
}

/** Joins path segments like Express's mounting: `/api/v1` + `/users` + `/` → `/api/v1/users`. */
const joinPaths = (...parts: string[]) => `/${parts.join("/").split("/").filter(Boolean).join("/")}`;

/** OpenAPI path syntax to Express's: `/users/{id}` → `/users/:id`. */
const toExpressPath = (path: string) => path.replace(/\{(\w+)\}/g, ":$1");
