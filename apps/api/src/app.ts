import path from "node:path";
import type { Passwords, SessionCookie, SessionLifetime, Tokens } from "@repo/auth";
import type { Config } from "@repo/config";
import type { PrismaClient } from "@repo/db";
import type { ExtensionRegistry } from "@repo/extensions";
import { createHttpLogger, type Logger } from "@repo/logger";
import { Eta } from "eta";
import express, { type Express, Router } from "express";
import type { Store } from "express-rate-limit";
import packageJson from "../package.json" with { type: "json" };
import { createAuthenticator } from "./http/auth.ts";
import type { RequestContextStore } from "./http/context.ts";
import { errorHandler, notFoundHandler } from "./http/error-handler.ts";
import { requestGuards } from "./http/guards.ts";
import { type MountedOperation, mountRoutes, type WingPolicy } from "./http/operation.ts";
import { rateLimiter } from "./http/rate-limit.ts";
import { requestId } from "./http/request-id.ts";
import { requireJson } from "./http/require-json.ts";
import { apiHeaders, documentHeaders } from "./http/security.ts";
import type { Metrics } from "./observability/metrics.ts";
import { buildOpenApiDocument, type OpenApiDocument } from "./openapi/document.ts";
import { API_BASE } from "./paths.ts";
import { ROUTES, type RouteDeps } from "./routes/index.ts";
import { type SignInThrottle, sessionsService } from "./routes/sessions/service.ts";

export interface AppDeps {
  config: Config;
  logger: Logger;
  registry: ExtensionRegistry;
  /** The database client; its lifecycle is the registry's "db" extension. */
  db: PrismaClient;
  context: RequestContextStore;
  /** Prometheus request metrics (METRICS_ENABLED); absent = no per-request cost. */
  metrics?: Metrics | undefined;
  /** Where the rate limit counts (Redis, when replicas share it); default: this process's memory. */
  rateLimitStore?: Store | undefined;
  /** Passwords, session tokens, the cookie, session lifetimes and sign-in throttling. */
  auth: AuthKit;
  /** Which database serves, in words for the landing page. */
  databaseMode: string;
}

export interface AuthKit {
  passwords: Passwords;
  tokens: Tokens;
  cookie: SessionCookie;
  lifetime: SessionLifetime;
  throttle: SignInThrottle;
}

export interface App {
  app: Express;
  /** Every operation served, with its full path: the route list and the OpenAPI document read it. */
  operations: MountedOperation[];
  document: OpenApiDocument;
}

const ROOT = path.resolve(import.meta.dirname, "..");
export const PUBLIC_DIR = path.join(ROOT, "public");
const VIEWS_DIR = path.join(ROOT, "views");

/** What the landing page says the service is. */
const SERVICE = { name: "Express starter", version: packageJson.version };

const DOCUMENT_INFO = {
  title: "Express starter API",
  version: "1.0.0",
  description:
    "The example service of the Express + TypeScript starter. Every error is `application/problem+json` " +
    "(RFC 9457) with the request's id; every response carries `X-Request-ID`. Operations without a request " +
    "body do not read one.",
};

/**
 * Builds the Express app from wired dependencies; it never listens (src/runtime/http-server.ts
 * does). Two wings, mounted in the order that expresses their policy:
 *
 * - the API wing under API_BASE: the API's security headers and CORS, the probes, then the
 *   rate limiter, then the resources (each operation authenticates, then parses and checks a
 *   JSON body only if it declares one); its own 404;
 * - the pages wing at the root: the document headers (CSP), static files, the pages, the API
 *   reference and the examples.
 */
export function createApp({
  config,
  logger,
  registry,
  db,
  context,
  metrics,
  rateLimitStore,
  auth,
  databaseMode,
}: AppDeps): App {
  const app = express();
  const production = config.APP_ENV === "production";
  app.disable("x-powered-by");
  // API JSON is dynamic and rarely revalidated: hashing every body for an ETag costs more than it saves.
  app.set("etag", false);
  app.set("trust proxy", config.TRUST_PROXY);

  // Every request: metrics first (they time everything), the id before anything logs, the
  // logger before the context that carries it, then what is refused before any routing (past
  // MAX_CONNECTIONS, no Host, an unmet Expect).
  if (metrics) app.use(metrics.middleware);
  app.use(requestId);
  app.use(
    createHttpLogger({
      logger,
      requestId: (req) => String(req.id),
      fields: (req) => (req.principal ? { userId: req.principal.user.id } : undefined),
    }),
  );
  app.use(context.middleware);
  app.use(requestGuards);

  const sessions = sessionsService({ db, ...auth });
  const authenticate = createAuthenticator({
    authenticate: sessions.authenticate,
    cookie: auth.cookie,
    context,
    trustedOrigins: config.CORS_ORIGINS,
  });
  let document: OpenApiDocument | undefined;
  const deps: RouteDeps = {
    db,
    registry,
    context,
    views: new Eta({ views: VIEWS_DIR, cache: production }),
    profile: config.APP_ENV,
    service: { name: SERVICE.name, version: SERVICE.version, database: databaseMode },
    document: () => {
      if (!document) throw new Error("the OpenAPI document is built once every route module is mounted");
      return document;
    },
    apiDocs: config.API_DOCS,
    passwords: auth.passwords,
    sessions,
    cookie: auth.cookie,
    lifetime: auth.lifetime,
    trustedOrigins: config.CORS_ORIGINS,
  };
  const modules = (list: typeof ROUTES.api) => list.map((routes) => routes(deps));
  const strict = config.APP_ENV === "test";
  const operations: MountedOperation[] = [];

  const api = Router();
  api.use(
    apiHeaders({
      corsOrigins: config.CORS_ORIGINS,
      corsCredentials: config.CORS_CREDENTIALS,
      hstsMaxAge: config.HSTS_MAX_AGE,
    }),
  );
  const limiter = rateLimiter({
    max: config.RATE_LIMIT_MAX,
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    store: rateLimitStore,
    logger,
  });
  const apiPolicy: WingPolicy = {
    base: API_BASE,
    limited: false,
    bodyParsers: [requireJson, express.json({ limit: config.BODY_LIMIT })],
    strict,
    authenticate,
    labelRoutes: metrics !== undefined,
  };
  operations.push(...mountRoutes(api, modules(ROUTES.probes), apiPolicy));
  if (limiter) api.use(limiter);
  operations.push(...mountRoutes(api, modules(ROUTES.api), { ...apiPolicy, limited: limiter !== undefined }));
  api.use(notFoundHandler);
  app.use(API_BASE, api);

  const pages = Router();
  // Errors of the pages wing may be an HTML page for a browser (errorHandler's `page`).
  pages.use((_req, res, next) => {
    res.locals.pages = true;
    next();
  });
  pages.use(documentHeaders({ hstsMaxAge: config.HSTS_MAX_AGE }));
  pages.use("/static", express.static(PUBLIC_DIR, { index: false, redirect: false, dotfiles: "ignore", maxAge: "1h" }));
  operations.push(
    ...mountRoutes(pages, modules(ROUTES.pages), {
      base: "",
      limited: false,
      bodyParsers: [express.urlencoded({ limit: config.BODY_LIMIT, extended: false, parameterLimit: 100 })],
      strict,
      authenticate,
      labelRoutes: metrics !== undefined,
    }),
  );
  app.use(pages);

  app.use(notFoundHandler);
  app.use(
    errorHandler({
      exposeInternals: config.APP_ENV === "development",
      page: (problem) => deps.views.render("error", problem),
    }),
  );
  document = buildOpenApiDocument(operations, DOCUMENT_INFO, { cookieName: auth.cookie.name });
  return { app, operations, document };
}
