import { z } from "zod";
import { json, type OpenApiPaths, problems } from "../../openapi/document.ts";
import { computeQuery } from "./schemas.ts";

export const mainOpenApi: OpenApiPaths = {
  "/ping": {
    get: {
      summary: "Ping",
      tags: ["system"],
      responses: { "200": json("Pong", z.object({ pong: z.literal(true) })), ...problems(429) },
    },
  },
  "/compute": {
    get: {
      summary: "Fibonacci number n",
      tags: ["examples"],
      requestParams: { query: computeQuery },
      responses: {
        "200": json("The result", z.object({ n: z.int(), fibonacci: z.number(), requestId: z.string() })),
        ...problems(400),
      },
    },
  },
};
