import type { Logger } from "@repo/logger";
import type { RequestHandler } from "express";
import {
  type ClientRateLimitInfo,
  type IncrementResponse,
  type Options,
  rateLimit,
  type Store,
} from "express-rate-limit";
import type { RedisReply } from "rate-limit-redis";
import { HttpError } from "./errors.ts";

export interface RateLimitOptions {
  /** Requests per window per client IP; 0 turns the limiter off. */
  max: number;
  windowMs: number;
  /** Where the counts live: the process's memory by default, Redis (sharedStore) when replicas must agree. */
  store?: Store;
  logger: Logger;
}

/**
 * Per-client-IP limiter with the standard `RateLimit` / `RateLimit-Policy` headers. The key is
 * `req.ip`, which is only the real client behind a proxy when TRUST_PROXY names that proxy.
 * What it covers is where it is mounted: the API wing, after the probes (src/app.ts).
 *
 * When the store fails (Redis away), the request is served without a limit (fail open): a
 * shared counter being down must not take the API down with it, and /ready already reports it.
 * The failure is logged once per minute, not once per request.
 */
export function rateLimiter({ max, windowMs, store, logger }: RateLimitOptions): RequestHandler | undefined {
  if (max === 0) return undefined;
  // Its checks (each runs once) would print a multi-line stack to the console, e.g. for an
  // X-Forwarded-For that TRUST_PROXY does not trust: one JSON warn line each instead.
  const report = (error: unknown) => {
    const { code, help, message } = error as { code?: string; help?: string; message?: string };
    logger.warn({ code, help }, `rate limiter: ${message ?? String(error)}`);
  };
  let lastStoreError = 0;
  let passed = 0;
  return rateLimit({
    windowMs,
    limit: max,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    ...(store ? { store } : {}),
    passOnStoreError: true,
    logger: {
      warn: report,
      error: (error: unknown, message?: string) => {
        if (!message?.includes("error from store")) {
          report(error);
          return;
        }
        passed++;
        if (Date.now() - lastStoreError < 60_000) return;
        logger.warn(
          { err: error, passedUnlimited: passed },
          "rate limit store unavailable: serving requests unlimited",
        );
        lastStoreError = Date.now();
        passed = 0;
      },
    },
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

/**
 * The counts in Redis (rate-limit-redis), for every replica to agree on. The store is made on
 * first use, after the service started (its Lua scripts are loaded then), and made again after
 * a failed attempt: rate-limit-redis keeps a failed script load forever.
 */
export function sharedStore(sendCommand: (args: string[]) => Promise<RedisReply>, prefix = "rl:"): Store {
  let options: Options | undefined;
  let ready: Promise<Store> | undefined;
  const store = () => {
    ready ??= (async () => {
      const { RedisStore } = await import("rate-limit-redis");
      const redis = new RedisStore({ sendCommand: (...args: string[]) => sendCommand(args), prefix });
      if (!options) throw new Error("the rate limiter did not initialise its store");
      await redis.init(options);
      return redis;
    })().catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
  return {
    localKeys: false,
    prefix,
    init: (given: Options) => {
      options = given;
    },
    increment: async (key: string): Promise<IncrementResponse> => (await store()).increment(key),
    get: async (key: string): Promise<ClientRateLimitInfo | undefined> => (await store()).get?.(key),
    decrement: async (key: string) => (await store()).decrement(key),
    resetKey: async (key: string) => (await store()).resetKey(key),
  };
}
