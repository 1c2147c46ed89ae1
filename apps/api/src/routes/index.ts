import type { Passwords, SessionCookie, SessionLifetime } from "@repo/auth";
import type { Profile } from "@repo/config";
import type { PrismaClient } from "@repo/db";
import type { ExtensionRegistry } from "@repo/extensions";
import type { Eta } from "eta";
import type { ContextAccessor } from "../http/context.ts";
import type { RouteModule } from "../http/operation.ts";
import type { OpenApiDocument } from "../openapi/document.ts";
import { documentRoutes, referenceRoutes } from "./docs/routes.ts";
import { examplesRoutes } from "./examples/routes.ts";
import { pagesRoutes } from "./pages/routes.ts";
import { sessionsRoutes } from "./sessions/routes.ts";
import type { SessionsService } from "./sessions/service.ts";
import { systemRoutes } from "./system/routes.ts";
import { usersRoutes } from "./users/routes.ts";

/** Everything a route module may ask for; each module takes the part it needs. */
export interface RouteDeps {
  db: PrismaClient;
  registry: ExtensionRegistry;
  context: ContextAccessor;
  views: Eta;
  profile: Profile;
  /** The service's name and version, and which database serves it, for the landing page. */
  service: { name: string; version: string; database: string };
  /** The OpenAPI document of every module, built once they are all mounted. */
  document: () => OpenApiDocument;
  /** Serve the interactive API reference (API_DOCS). */
  apiDocs: boolean;
  passwords: Passwords;
  sessions: SessionsService;
  cookie: SessionCookie;
  lifetime: SessionLifetime;
  /** Origins trusted besides this site's own (CORS_ORIGINS): their cookie-authenticated writes are not CSRF. */
  trustedOrigins: readonly string[];
}

type Routes = (deps: RouteDeps) => RouteModule;

/** The route modules of each wing, in mount order (src/app.ts). */
export const ROUTES: Record<"probes" | "api" | "pages", Routes[]> = {
  /** Under API_BASE, before the rate limiter: orchestrators' probes are never limited. */
  probes: [systemRoutes],
  /** Under API_BASE, behind the rate limiter. */
  api: [
    documentRoutes,
    sessionsRoutes,
    usersRoutes,
    // gen:routes — `pnpm gen route <name>` adds new route modules above this line.
  ],
  /** At the root, with the document headers: pages, the API reference, the examples. */
  pages: [pagesRoutes, examplesRoutes, referenceRoutes],
};
