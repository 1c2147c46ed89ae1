import { z } from "zod";
import { json, type OpenApiPaths, problems } from "../../openapi/document.ts";

const check = z.object({ status: z.string(), durationMs: z.number(), error: z.string().optional() });

export const systemOpenApi: OpenApiPaths = {
  "/health": {
    get: {
      summary: "Liveness",
      description: "The process answers; never touches a dependency.",
      tags: ["system"],
      responses: { "200": json("Alive", z.object({ status: z.literal("ok") })) },
    },
  },
  "/ready": {
    get: {
      summary: "Readiness",
      description: "Every extension's check passes and the server is not shutting down.",
      tags: ["system"],
      responses: {
        "200": json("Ready", z.object({ status: z.literal("ready"), checks: z.record(z.string(), check) })),
        ...problems(503),
      },
    },
  },
};
