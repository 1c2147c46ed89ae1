import type { Logger } from "@repo/logger";
import type { RequestHandler } from "express";
import { rateLimit } from "express-rate-limit";
import { HttpError } from "./errors.ts";

export interface RateLimitOptions {
  /** Requests per window per client IP; 0 turns the limiter off. */
  max: number;
  windowMs: number;
  /** Where the limiter reports what it finds wrong with its setup (it would print to the console). */
  logger: Logger;
}

/**
 * Per-client-IP limiter with the standard `RateLimit` / `RateLimit-Policy` headers. The key is
 * `req.ip`, which is only the real client behind a proxy when TRUST_PROXY names that proxy.
 * The store is in memory, per process: with several workers or replicas use a shared store.
 * What it covers is where it is mounted: the API wing, after the probes (src/app.ts).
 */
export function rateLimiter({ max, windowMs, logger }: RateLimitOptions): RequestHandler | undefined {
  if (max === 0) return undefined;
  // Its checks (each runs once) would print a multi-line stack to the console, e.g. for an
  // X-Forwarded-For that TRUST_PROXY does not trust: one JSON warn line each instead.
  const report = (error: unknown) => {
    const { code, help, message } = error as { code?: string; help?: string; message?: string };
    logger.warn({ code, help }, `rate limiter: ${message ?? String(error)}`);
  };
  return rateLimit({
    windowMs,
    limit: max,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    logger: { warn: report, error: report },
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
