import type { ContextAccessor } from "../../http/context.ts";
import type { ComputeResult } from "./schemas.ts";

/** Plain logic: no Express types. It reads the request context to show how deep code gets the request id. */
export function computeService({ context }: { context: ContextAccessor }) {
  return {
    fibonacci(n: number): ComputeResult {
      let [a, b] = [0, 1];
      for (let i = 0; i < n; i++) [a, b] = [b, a + b];
      const { requestId, log } = context.get();
      log.debug({ n }, "computed fibonacci");
      return { n, fibonacci: a, requestId };
    },
  };
}
