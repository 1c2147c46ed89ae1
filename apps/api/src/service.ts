import { createPasswords, createTokens, sessionCookie } from "@repo/auth";
import type { Config } from "@repo/config";
import type { Db } from "@repo/db";
import { type Extension, ExtensionRegistry } from "@repo/extensions";
import type { Logger } from "@repo/logger";
import type { Express } from "express";
import { MemoryStore, type Store } from "express-rate-limit";
import { type AuthKit, createApp } from "./app.ts";
import { databaseFromConfig } from "./extensions/database.ts";
import { redisFromConfig, type SharedState } from "./extensions/redis.ts";
import { createRequestContext, type RequestContextStore } from "./http/context.ts";
import type { MountedOperation } from "./http/operation.ts";
import { sharedStore } from "./http/rate-limit.ts";
import type { Metrics } from "./observability/metrics.ts";
import type { OpenApiDocument } from "./openapi/document.ts";

export interface ServiceOptions {
  logger: Logger;
  /** The database extension; default: the one the configuration names (databaseFromConfig). */
  db?: Db;
  /** More extensions, started after the database (and Redis, with REDIS_URL) and stopped before them. */
  extensions?: Extension[];
  /** Prometheus request metrics (METRICS_ENABLED); absent = no per-request cost. */
  metrics?: Metrics;
}

/** A wired service: nothing is started and nothing listens yet. */
export interface Service {
  config: Config;
  logger: Logger;
  app: Express;
  /** The extensions' lifecycle: `serve()` starts it; tests start it themselves. */
  registry: ExtensionRegistry;
  /** The request context store, so process-level handlers can name the request they interrupt. */
  context: RequestContextStore;
  db: Db;
  /** Password hashing, session tokens, the cookie and sign-in throttling (src/app.ts AuthKit). */
  auth: AuthKit;
  operations: MountedOperation[];
  document: OpenApiDocument;
}

/**
 * The composition root: the one place a configuration becomes a wired service. The server
 * entry, the CLI and every test build through it, so they all run the same service.
 */
export function createService(config: Config, { logger, db, extensions = [], metrics }: ServiceOptions): Service {
  const database = db ?? databaseFromConfig(config, { logger });
  // With REDIS_URL, what replicas must agree on (the rate limit counts) lives in Redis.
  const shared = redisFromConfig(config, { logger });
  const registry = new ExtensionRegistry({
    checkTimeoutMs: config.READY_TIMEOUT_MS,
    onStopError: (name, err) => logger.error({ err, extension: name }, "extension failed to stop"),
  }).register(database, ...(shared ? [shared.extension] : []), ...extensions);
  const context = createRequestContext();
  const auth = authKit(config, shared);
  const { app, operations, document } = createApp({
    auth,
    databaseMode: database.mode === "pglite" ? "the embedded PGlite database" : "PostgreSQL",
    config,
    logger,
    registry,
    db: database.client,
    context,
    metrics,
    rateLimitStore: shared ? sharedStore(shared.sendCommand) : undefined,
  });
  return { config, logger, app, registry, context, db: database, auth, operations, document };
}

/** Password hashing at the configured argon2id cost (PASSWORD_HASH_*): the service's and the CLI's. */
export const passwordsFromConfig = (config: Config) =>
  createPasswords({
    memoryKib: config.PASSWORD_HASH_MEMORY_KIB,
    iterations: config.PASSWORD_HASH_ITERATIONS,
    parallelism: 1,
  });

/**
 * Passwords hashed at the configured argon2id cost, session tokens MACed with SECRET_KEY (and
 * verified with SECRET_KEY_PREVIOUS too, during a rotation), the cookie (Secure and __Host- in
 * production), and sign-in throttling counted where the rate limit is (Redis, when shared).
 */
function authKit(config: Config, shared: SharedState | undefined): AuthKit {
  const store = (prefix: string): Store => {
    const counts = shared ? sharedStore(shared.sendCommand, prefix) : new MemoryStore();
    counts.init?.({ windowMs: config.SIGN_IN_WINDOW_MS } as Parameters<NonNullable<Store["init"]>>[0]);
    return counts;
  };
  return {
    passwords: passwordsFromConfig(config),
    tokens: createTokens({ keys: [config.SECRET_KEY, ...config.SECRET_KEY_PREVIOUS] }),
    cookie: sessionCookie({ secure: config.APP_ENV === "production" }),
    lifetime: { idleMs: config.SESSION_IDLE_TIMEOUT_MS, absoluteMs: config.SESSION_ABSOLUTE_TIMEOUT_MS },
    throttle: {
      accounts: store("signin-account:"),
      addresses: store("signin-address:"),
      accountMax: config.SIGN_IN_ACCOUNT_MAX,
      addressMax: config.SIGN_IN_ADDRESS_MAX,
    },
  };
}
