import { z } from "zod";
import { decimal } from "../../http/schemas.ts";

export const computeQuery = z.strictObject({
  n: decimal(0, 78)
    .default(10)
    .meta({ description: "Which Fibonacci number; 78 is the largest that fits a double exactly", examples: [20] }),
});

export const computeResult = z.object({
  n: z.int().min(0).max(78),
  fibonacci: z.number().int().min(0),
  requestId: z.string().meta({ description: "Read from the request context by the service" }),
});

export type ComputeResult = z.input<typeof computeResult>;
