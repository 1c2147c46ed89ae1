import type { Profile } from "@repo/config";
import type { CheckResult, ExtensionRegistry } from "@repo/extensions";
import { z } from "zod";
import { serviceUnavailable } from "../../http/errors.ts";
import { defineRoutes, op, type RouteModule } from "../../http/operation.ts";
import { API_BASE, PROBES } from "../../paths.ts";

const check = z.object({
  status: z.enum(["ok", "error"]),
  durationMs: z.number().min(0),
  error: z
    .string()
    .optional()
    .meta({ description: "why the check failed: in development only, elsewhere the reason is in the log" }),
});

/** How the document groups this module's operations. */
const TAG = { name: "system", description: "Probes for orchestrators and load balancers." };
/**
 * Liveness and readiness, for load balancers and orchestrators. The API wing mounts this module
 * before its rate limiter, so probes are never limited.
 */
export function systemRoutes({ registry, profile }: { registry: ExtensionRegistry; profile: Profile }): RouteModule {
  // A check's error is whatever its dependency said (host and port, driver text): a public probe
  // names the failed check, the log says why.
  const publish = (checks: Record<string, CheckResult>) =>
    profile === "development"
      ? checks
      : Object.fromEntries(
          Object.entries(checks).map(([name, { status, durationMs }]) => [name, { status, durationMs }]),
        );
  return defineRoutes({ tag: TAG }, [
    op.get(relative(PROBES.liveness), {
      operationId: "getHealth",
      summary: "Liveness",
      description:
        "The process answers. Never touches a dependency, so a database outage does not get healthy processes restarted.",
      responses: { 200: { description: "Alive", schema: z.object({ status: z.literal("ok") }) } },
      handler: () => ({ status: 200, body: { status: "ok" } as const }),
    }),
    op.get(relative(PROBES.readiness), {
      operationId: "getReadiness",
      summary: "Readiness",
      description: "Every extension's check (the database…) passes and the server is not shutting down.",
      responses: {
        200: {
          description: "Ready",
          schema: z.object({ status: z.literal("ready"), checks: z.record(z.string(), check) }),
        },
      },
      problems: [503],
      handler: async (_input, { req }) => {
        const { ready, checks, failed } = await registry.readiness();
        if (!ready) {
          const names = Object.keys(failed);
          const detail =
            registry.state !== "running" ? `the server is ${registry.state}` : `not ready: ${names.join(", ")}`;
          if (names.length > 0) req.log.warn({ failed }, detail);
          throw serviceUnavailable(detail, { checks: publish(checks) });
        }
        return { status: 200, body: { status: "ready" as const, checks } };
      },
    }),
  ]);
}

/** A probe's path below the API base, where this module is mounted. */
const relative = (path: string) => path.slice(API_BASE.length);
