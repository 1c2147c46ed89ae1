import type { ContextAccessor } from "../../http/context.ts";

export interface ComputeResult {
  n: number;
  fibonacci: number;
  requestId: string;
}

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
