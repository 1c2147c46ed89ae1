import { z } from "zod";
import { decimal } from "../../http/schemas.ts";

export const computeQuery = z.strictObject({
  /** Which Fibonacci number; 78 is the largest that fits a double exactly. */
  n: decimal(0, 78).default(10),
});
