import { z } from "zod";
import type { ContextAccessor } from "../../http/context.ts";
import { defineRoutes, op, type RouteModule } from "../../http/operation.ts";
import { computeQuery, computeResult } from "./schemas.ts";
import { computeService } from "./service.ts";

/** How the document groups this module's operations. */
const TAG = { name: "examples", description: "Small routes that show the request pipeline at work." };

/** The guide's first routes, at the root: a ping, and a service that reads the request context. */
export function examplesRoutes({ context }: { context: ContextAccessor }): RouteModule {
  const { fibonacci } = computeService({ context });
  return defineRoutes({ tag: TAG }, [
    op.get("/ping", {
      operationId: "ping",
      summary: "Ping",
      responses: { 200: { description: "Pong", schema: z.object({ pong: z.literal(true) }) } },
      handler: () => ({ status: 200, body: { pong: true } as const }),
    }),
    op.get("/compute", {
      operationId: "compute",
      summary: "Fibonacci number n",
      description: "Computed by a service that reads the request id from the request context, not from `req`.",
      request: { query: computeQuery },
      responses: { 200: { description: "The result", schema: computeResult } },
      handler: ({ query }) => ({ status: 200, body: fibonacci(query.n) }),
    }),
  ]);
}
