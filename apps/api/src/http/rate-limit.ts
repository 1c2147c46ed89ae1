import type { RequestHandler } from "express";
import { rateLimit } from "express-rate-limit";
import { HttpError } from "./errors.ts";

export interface RateLimitOptions {
  /** Requests per window per client IP; 0 turns the limiter off. */
  max: number;
  windowMs: number;
  /** Full paths never limited, e.g. the health checks of the orchestrator. */
  skipPaths: string[];
}

/**
 * Per-client-IP limiter with the standard `RateLimit` / `RateLimit-Policy` headers. The key is
 * `req.ip`, which is only the real client behind a proxy when TRUST_PROXY names that proxy.
 * The store is in memory, per process: with several workers or replicas use a shared store.
 */
export function rateLimiter({ max, windowMs, skipPaths }: RateLimitOptions): RequestHandler | undefined {
  if (max === 0) return undefined;
  const skip = new Set(skipPaths);
  return rateLimit({
    windowMs,
    limit: max,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    skip: (req) => skip.has(req.baseUrl + req.path),
    handler: (_req, _res, next, options) => {
      next(
        new HttpError(429, {
          type: "urn:problem:rate-limited",
          detail: `More than ${options.limit} requests in ${Math.round(options.windowMs / 1000)} s; retry later`,
        }),
      );
    },
  });
}
