import path from "node:path";
import type { Config } from "@repo/config";
import type { PrismaClient } from "@repo/db";
import type { ExtensionRegistry } from "@repo/extensions";
import { createHttpLogger, type Logger } from "@repo/logger";
import { Eta } from "eta";
import express, { type Express, type Router } from "express";
import { createRequestContext, type RequestContextStore } from "./http/context.ts";
import { errorHandler, notFoundHandler } from "./http/error-handler.ts";
import { rateLimiter } from "./http/rate-limit.ts";
import { requestId } from "./http/request-id.ts";
import { requireJson } from "./http/require-json.ts";
import { securityHeaders } from "./http/security.ts";
import type { Metrics } from "./metrics.ts";
import { buildOpenApiDocument, type OpenApiPaths } from "./openapi/document.ts";
import { docsOpenApi } from "./routes/docs/openapi.ts";
import { docsRoutes } from "./routes/docs/router.ts";
import { mainOpenApi } from "./routes/main/openapi.ts";
import { mainRoutes } from "./routes/main/router.ts";
import { systemOpenApi } from "./routes/system/openapi.ts";
import { systemRoutes } from "./routes/system/router.ts";
import { usersOpenApi } from "./routes/users/openapi.ts";
import { usersRoutes } from "./routes/users/router.ts";

export interface AppDeps {
  config: Config;
  logger: Logger;
  registry: ExtensionRegistry;
  /** The database client; its lifecycle is the registry's "db" extension. */
  db: PrismaClient;
  /** Prometheus request metrics (METRICS_ENABLED); absent = no per-request cost. */
  metrics?: Metrics;
  /** The request context store; server.ts passes its own to name requests in process-level logs. */
  context?: RequestContextStore;
}

const ROOT = path.resolve(import.meta.dirname, "..");
export const PUBLIC_DIR = path.join(ROOT, "public");
const VIEWS_DIR = path.join(ROOT, "views");

interface Mount {
  path: string;
  router: Router;
  openapi: OpenApiPaths;
}

const API_INFO = { title: "Express starter API", version: "1.0.0" };

/** Builds a fully wired Express app. It never listens: server.ts and the tests do that. */
export function createApp({
  config,
  logger,
  registry,
  db,
  metrics,
  context = createRequestContext(),
}: AppDeps): Express {
  const app = express();
  const production = config.APP_ENV === "production";
  const views = new Eta({ views: VIEWS_DIR, cache: production });

  app.disable("x-powered-by");
  // API JSON is dynamic and rarely revalidated: hashing every body for an ETag costs more than it saves.
  app.set("etag", false);
  app.set("trust proxy", config.TRUST_PROXY);

  // Order matters: the id exists before anything logs, the logger before the context
  // that carries it, security headers before any response, the rate limit before any
  // work is spent on a request, parsers only for routes.
  if (metrics) app.use(metrics.middleware);
  app.use(requestId);
  app.use(createHttpLogger({ logger, requestId: (req) => String(req.id) }));
  app.use(context.middleware);
  app.use(
    securityHeaders({
      corsOrigins: config.CORS_ORIGINS,
      corsCredentials: config.CORS_CREDENTIALS,
      hstsMaxAge: config.HSTS_MAX_AGE,
    }),
  );
  const limiter = rateLimiter({
    max: config.RATE_LIMIT_MAX,
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    skipPaths: ["/api/v1/health", "/api/v1/ready"],
  });
  if (limiter) app.use("/api", limiter);
  app.use("/static", express.static(PUBLIC_DIR, { index: false, redirect: false, dotfiles: "ignore", maxAge: "1h" }));
  app.use(express.json({ limit: config.BODY_LIMIT }));
  app.use(express.urlencoded({ limit: config.BODY_LIMIT, extended: false, parameterLimit: 100 }));
  app.use("/api", requireJson);

  // Route modules: each a router and the OpenAPI description of its paths (relative to the mount).
  // The page router, mounted at "/", comes last: every request walks into a router it matches,
  // and an API request has nothing to find among the pages.
  const mounts: Mount[] = [
    { path: "/api/v1", router: systemRoutes({ registry }), openapi: systemOpenApi },
    { path: "/api/v1/users", router: usersRoutes({ db }), openapi: usersOpenApi },
    // gen:mounts — `pnpm gen route <name>` inserts new route modules above this line.
    { path: "/", router: mainRoutes({ views, context, profile: config.APP_ENV }), openapi: mainOpenApi },
  ];
  for (const { path: mountPath, router } of mounts) app.use(mountPath, router);
  const document = buildOpenApiDocument([...mounts, { path: "/", openapi: docsOpenApi }], API_INFO);
  app.use(docsRoutes({ document, ui: config.API_DOCS }));

  app.use(notFoundHandler);
  app.use(errorHandler({ exposeInternals: config.APP_ENV === "development" }));
  return app;
}
