import { z } from "zod";
import type { ContextAccessor } from "../../http/context.ts";
import { operation, type RouteModule } from "../../http/operation.ts";
import { computeQuery, computeResult } from "./schemas.ts";
import { computeService } from "./service.ts";

/** The guide's first routes, at the root: a ping, and a service that reads the request context. */
export function examplesRoutes({ context }: { context: ContextAccessor }): RouteModule {
  const compute = computeService({ context });
  return {
    prefix: "",
    tag: { name: "examples", description: "Small routes that show the request pipeline at work." },
    operations: [
      operation({
        method: "get",
        path: "/ping",
        operationId: "ping",
        summary: "Ping",
        responses: { 200: { description: "Pong", schema: z.object({ pong: z.literal(true) }) } },
        handler: () => ({ status: 200, body: { pong: true } as const }),
      }),
      operation({
        method: "get",
        path: "/compute",
        operationId: "compute",
        summary: "Fibonacci number n",
        description: "Computed by a service that reads the request id from the request context, not from `req`.",
        request: { query: computeQuery },
        responses: { 200: { description: "The result", schema: computeResult } },
        handler: ({ query }) => ({ status: 200, body: compute.fibonacci(query.n) }),
      }),
    ],
  };
}
