import path from "node:path";
import type { Config } from "@repo/config";
import type { ExtensionRegistry } from "@repo/extensions";
import { createHttpLogger, type Logger } from "@repo/logger";
import { Eta } from "eta";
import express, { type Express, type Router } from "express";
import helmet from "helmet";
import { createRequestContext } from "./http/context.ts";
import { errorHandler, notFoundHandler } from "./http/error-handler.ts";
import { requestId } from "./http/request-id.ts";
import { requireJson } from "./http/require-json.ts";
import { mainRoutes } from "./routes/main/router.ts";
import { systemRoutes } from "./routes/system/router.ts";

export interface AppDeps {
  config: Config;
  logger: Logger;
  registry: ExtensionRegistry;
}

const ROOT = path.resolve(import.meta.dirname, "..");
export const PUBLIC_DIR = path.join(ROOT, "public");
const VIEWS_DIR = path.join(ROOT, "views");

/** Builds a fully wired Express app. It never listens: server.ts and the tests do that. */
export function createApp({ config, logger, registry }: AppDeps): Express {
  const app = express();
  const production = config.APP_ENV === "production";
  const context = createRequestContext();
  const views = new Eta({ views: VIEWS_DIR, cache: production });

  app.disable("x-powered-by");
  app.set("trust proxy", config.TRUST_PROXY);

  // Order matters: the id exists before anything logs, the logger before the context
  // that carries it, security headers before any response, parsers only for routes.
  app.use(requestId);
  app.use(createHttpLogger({ logger, requestId: (req) => String(req.id) }));
  app.use(context.middleware);
  app.use(helmet());
  app.use("/static", express.static(PUBLIC_DIR, { index: false, redirect: false, dotfiles: "ignore", maxAge: "1h" }));
  app.use(express.json({ limit: config.BODY_LIMIT }));
  app.use(express.urlencoded({ limit: config.BODY_LIMIT, extended: false, parameterLimit: 100 }));
  app.use("/api", requireJson);

  const mounts: [string, Router][] = [
    ["/", mainRoutes({ views, context, profile: config.APP_ENV })],
    ["/api/v1", systemRoutes({ registry })],
  ];
  for (const [mountPath, router] of mounts) app.use(mountPath, router);

  app.use(notFoundHandler);
  app.use(errorHandler({ exposeInternals: config.APP_ENV === "development" }));
  return app;
}
