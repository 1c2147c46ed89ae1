import { z } from "zod";

export const computeQuery = z.strictObject({
  /** Which Fibonacci number; 78 is the largest that fits a double exactly. */
  n: z.coerce.number().int().min(0).max(78).default(10),
});
