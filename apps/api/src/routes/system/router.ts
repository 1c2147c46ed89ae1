import type { ExtensionRegistry } from "@repo/extensions";
import { Router } from "express";
import { serviceUnavailable } from "../../http/errors.ts";
import { onlyDeclaredMethods } from "../../http/method-not-allowed.ts";

/** Liveness and readiness, for load balancers and orchestrators. */
export function systemRoutes({ registry }: { registry: ExtensionRegistry }): Router {
  const router = Router();

  // Liveness: the process answers. Never touches a dependency, so a database outage
  // does not get healthy processes restarted.
  router
    .route("/health")
    .get((_req, res) => {
      res.json({ status: "ok" });
    })
    .all(onlyDeclaredMethods);

  // Readiness: every extension's check passes and we are not shutting down.
  router
    .route("/ready")
    .get(async (_req, res) => {
      const { ready, checks } = await registry.readiness();
      if (!ready) {
        const detail = registry.state === "running" ? "a dependency is not ready" : `the server is ${registry.state}`;
        throw serviceUnavailable(detail, { checks });
      }
      res.json({ status: "ready", checks });
    })
    .all(onlyDeclaredMethods);

  return router;
}
