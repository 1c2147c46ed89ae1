import { z } from "zod";

export const PROFILES = ["development", "test", "production"] as const;
export type Profile = (typeof PROFILES)[number];
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Dev/test fallback for SECRET_KEY; production refuses it (see load.ts). */
export const DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production";
/** The value shipped in .env.example; production refuses it too. */
export const EXAMPLE_SECRET_KEY = "change-me-to-a-random-string-of-at-least-32-chars";

// Messages in plain words, each with its variable and the value given (see describeIssue in load.ts).
const int = (min: number, max: number) => {
  const error = `must be an integer from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};
const ms = int(1, 3_600_000);

/** One of `values`, in any case: LOG_LEVEL=INFO is info. */
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess(
    (value) => (typeof value === "string" ? value.trim().toLowerCase() : value),
    z.enum(values, { error: `must be one of ${values.join(", ")}` }),
  );
const list = z.string().transform((value) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean),
);

const bool = z
  .preprocess(
    (value) => (typeof value === "string" ? value.trim().toLowerCase() : value),
    z.enum(["true", "false", "1", "0"], { error: 'must be "true" or "false"' }),
  )
  .transform((value) => value === "true" || value === "1");

const origin = z.string().refine(
  (value) => {
    try {
      return new URL(value).origin === value;
    } catch {
      return false;
    }
  },
  { message: "must be an exact origin like https://app.example.com (scheme, host, optional port, no path)" },
);

/**
 * Express `trust proxy`: `false`, a hop count, or a list of addresses/subnets/names
 * (loopback, linklocal, uniquelocal). Never `true`: that trusts any client's X-Forwarded-For.
 */
const trustProxy = z
  .string()
  .trim()
  .refine((value) => value !== "true", {
    message: 'must not be "true" (it trusts every X-Forwarded-For); give a hop count or addresses, e.g. 1 or loopback',
  })
  .transform((value): false | number | string[] => {
    if (value === "" || value === "false") return false;
    if (/^\d+$/.test(value)) return Number(value);
    return value
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean);
  });

const postgresUrl = z
  .string()
  .trim()
  .refine((value) => /^postgres(ql)?:\/\/[^\s]+$/.test(value) && URL.canParse(value), {
    message: "must be a postgres:// or postgresql:// URL",
  });

const redisUrl = z
  .string()
  .trim()
  .refine((value) => /^rediss?:\/\/[^\s]+$/.test(value) && URL.canParse(value), {
    message: "must be a redis:// or rediss:// (TLS) URL, e.g. redis://redis:6379/0",
  });

/**
 * Every setting the code reads, with its default. Keys are the environment variable names. An
 * empty value never reaches it: loadConfig treats it as unset, for every variable.
 */
export const configSchema = z
  .object({
    APP_ENV: oneOf(PROFILES).default("development"),
    HOST: z.string().trim().min(1).default("127.0.0.1"),
    PORT: int(0, 65_535).default(3000),
    LOG_LEVEL: oneOf(LOG_LEVELS).default("info"),
    /** pretty: one human line per log (development's default); json: a JSON object per line. */
    LOG_FORMAT: oneOf(["pretty", "json"]).default("json"),
    SECRET_KEY: z.string().default(DEV_SECRET_KEY),
    /** Keys that still verify what an earlier SECRET_KEY signed (session tokens), during a rotation. */
    SECRET_KEY_PREVIOUS: list.default([]),
    /** A session ends after this long without a request… */
    SESSION_IDLE_TIMEOUT_MS: int(60_000, 31_536_000_000).default(1_800_000),
    /** …and this long after sign-in, however active. */
    SESSION_ABSOLUTE_TIMEOUT_MS: int(60_000, 31_536_000_000).default(604_800_000),
    /** argon2id memory cost in KiB (OWASP: 19456) and passes (2); a change rehashes at each next sign-in. */
    PASSWORD_HASH_MEMORY_KIB: int(1024, 1_048_576).default(19_456),
    PASSWORD_HASH_ITERATIONS: int(1, 10).default(2),
    /** Failed sign-ins per account, and sign-in attempts per client address, per SIGN_IN_WINDOW_MS. */
    SIGN_IN_ACCOUNT_MAX: int(1, 1000).default(5),
    SIGN_IN_ADDRESS_MAX: int(1, 100_000).default(20),
    SIGN_IN_WINDOW_MS: ms.default(900_000),
    DATABASE_URL: postgresUrl.optional(),
    DATABASE_POOL_MAX: int(1, 1000).default(10),
    /** State replicas share (the rate limit) lives here when set; unset = in-process memory. */
    REDIS_URL: redisUrl.optional(),
    DATABASE_TIMEOUT_MS: ms.default(5000),
    PGLITE_DATA_DIR: z.string().trim().min(1).default(".data/pglite"),
    CORS_ORIGINS: list.pipe(z.array(origin)).default([]),
    CORS_CREDENTIALS: bool.default(false),
    RATE_LIMIT_MAX: int(0, 1_000_000).default(300),
    RATE_LIMIT_WINDOW_MS: ms.default(60_000),
    HSTS_MAX_AGE: int(0, 63_072_000).default(0),
    TRUST_PROXY: trustProxy.default(false),
    BODY_LIMIT: z
      .string()
      .regex(/^\d+(b|kb|mb)$/i, 'must be a size like "100kb" or "1mb"')
      .default("100kb"),
    WEB_CONCURRENCY: int(1, 64).default(1),
    KEEP_ALIVE_TIMEOUT_MS: ms.default(65_000),
    HEADERS_TIMEOUT_MS: ms.default(10_000),
    REQUEST_TIMEOUT_MS: ms.default(30_000),
    /** Once an answer is ready, how long its client has to take it (a slow reader is cut off). */
    SEND_TIMEOUT_MS: ms.default(30_000),
    /** Open connections one process serves at once; past it, 503 and close. 0 = no limit. */
    MAX_CONNECTIONS: int(0, 1_000_000).default(1000),
    SHUTDOWN_TIMEOUT_MS: ms.default(10_000),
    READY_TIMEOUT_MS: ms.default(2000),
    /** Interactive API reference at /api/docs; off in production unless set (see PROFILE_DEFAULTS). */
    API_DOCS: bool.default(true),
    /** Prometheus metrics on a separate listener, never the public port. */
    METRICS_ENABLED: bool.default(false),
    METRICS_HOST: z.string().trim().min(1).default("127.0.0.1"),
    METRICS_PORT: int(0, 65_535).default(9464),
    /** OpenTelemetry tracing is on only when this is set (OTLP over HTTP, e.g. http://collector:4318). */
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ error: "must be a URL like http://collector:4318" }).optional(),
    OTEL_SERVICE_NAME: z.string().trim().min(1).default("api"),
  })
  .refine((config) => config.SESSION_IDLE_TIMEOUT_MS <= config.SESSION_ABSOLUTE_TIMEOUT_MS, {
    path: ["SESSION_IDLE_TIMEOUT_MS"],
    message: "must not exceed SESSION_ABSOLUTE_TIMEOUT_MS",
  })
  .refine((config) => config.HEADERS_TIMEOUT_MS <= config.REQUEST_TIMEOUT_MS, {
    path: ["HEADERS_TIMEOUT_MS"],
    message: "must not exceed REQUEST_TIMEOUT_MS (Node refuses that combination)",
  })
  .refine((config) => config.WEB_CONCURRENCY === 1 || config.DATABASE_URL !== undefined, {
    path: ["WEB_CONCURRENCY"],
    message: "more than 1 worker needs DATABASE_URL (the embedded PGlite database allows one process)",
  });

export type Config = z.infer<typeof configSchema>;

/** Defaults that differ by profile; they sit below .env files and the environment. */
export const PROFILE_DEFAULTS: Partial<Record<Profile, Partial<Record<keyof Config, string>>>> = {
  development: { LOG_FORMAT: "pretty" },
  production: { API_DOCS: "false" },
  // Passwords still hashed with argon2id, at a cost that keeps a test that signs in cheap.
  test: { PASSWORD_HASH_MEMORY_KIB: "1024", PASSWORD_HASH_ITERATIONS: "1" },
};
export type ConfigInput = { [K in keyof Config]?: string };
