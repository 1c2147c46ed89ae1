import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, redactConfig, redactUrlPassword } from "../src/index.ts";

const STRONG_SECRET = "s".repeat(40);

function envDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "config-test-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

function loadError(options: Parameters<typeof loadConfig>[0]): ConfigError {
  try {
    loadConfig(options);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected loadConfig to throw");
}

describe("precedence: overrides > environment > .env.<profile> > .env > defaults", () => {
  const files = {
    ".env": "PORT=4001\nLOG_LEVEL=debug\nHOST=0.0.0.0\nBODY_LIMIT=1mb\n",
    ".env.development": "PORT=4002\nLOG_LEVEL=warn\nHOST=localhost\n",
  };

  it("uses schema defaults when nothing is set", () => {
    const config = loadConfig({ env: {}, envDir: envDir({}) });
    expect(config).toMatchObject({ APP_ENV: "development", PORT: 3000, HOST: "127.0.0.1", LOG_LEVEL: "info" });
  });

  it(".env beats the defaults", () => {
    expect(loadConfig({ env: {}, envDir: envDir({ ".env": files[".env"] }) }).BODY_LIMIT).toBe("1mb");
  });

  it(".env.<profile> beats .env", () => {
    const config = loadConfig({ env: {}, envDir: envDir(files) });
    expect(config).toMatchObject({ PORT: 4002, BODY_LIMIT: "1mb" });
  });

  it("the environment beats .env.<profile>", () => {
    const config = loadConfig({ env: { PORT: "4003" }, envDir: envDir(files) });
    expect(config).toMatchObject({ PORT: 4003, LOG_LEVEL: "warn", HOST: "localhost" });
  });

  it("overrides beat the environment", () => {
    const config = loadConfig({ env: { PORT: "4003" }, overrides: { PORT: "4004" }, envDir: envDir(files) });
    expect(config.PORT).toBe(4004);
  });

  it("reads only the .env.<profile> of the active profile", () => {
    const dir = envDir({ ...files, ".env.test": "PORT=4005\n" });
    expect(loadConfig({ profile: "test", env: {}, envDir: dir }).PORT).toBe(4005);
    expect(loadConfig({ env: { APP_ENV: "test" }, envDir: dir }).PORT).toBe(4005);
  });

  it("ignores .env files in production", () => {
    const dir = envDir({ ".env": "PORT=4001\n", ".env.production": "PORT=4006\n" });
    const config = loadConfig({ env: { APP_ENV: "production", SECRET_KEY: STRONG_SECRET }, envDir: dir });
    expect(config.PORT).toBe(3000);
  });
});

describe("profile", () => {
  it("comes from APP_ENV, then NODE_ENV, then defaults to development", () => {
    const dir = envDir({});
    expect(loadConfig({ env: { NODE_ENV: "test" }, envDir: dir }).APP_ENV).toBe("test");
    expect(loadConfig({ env: { APP_ENV: "test", NODE_ENV: "production" }, envDir: dir }).APP_ENV).toBe("test");
    expect(loadConfig({ env: { NODE_ENV: "staging" }, envDir: dir }).APP_ENV).toBe("development");
  });

  it("rejects an unknown APP_ENV with the allowed values", () => {
    expect(loadError({ env: { APP_ENV: "staging" } }).message).toContain(
      "APP_ENV: must be one of development, test, production",
    );
  });
});

describe("errors", () => {
  it("lists every bad variable in one message, naming each and the value given", () => {
    const error = loadError({
      env: { PORT: "abc", LOG_LEVEL: "loud", CORS_ORIGINS: "https://ok.example,not a url", TRUST_PROXY: "true" },
      envDir: envDir({}),
    });
    expect(error.problems).toHaveLength(4);
    expect(error.message).toMatch(/^Invalid configuration \(profile "development"\):/);
    expect(error.message).toContain('PORT: must be an integer from 0 to 65535 (got "abc")');
    expect(error.message).toContain(
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    );
    expect(error.message).toContain("CORS_ORIGINS: must be an exact origin");
    expect(error.message).toContain('TRUST_PROXY: must not be "true"');
  });

  it("rejects out-of-range numbers and a headers timeout above the request timeout", () => {
    for (const port of ["70000", "-1", "80.5"]) {
      expect(loadError({ env: { PORT: port }, envDir: envDir({}) }).problems).toEqual([
        `PORT: must be an integer from 0 to 65535 (got "${port}")`,
      ]);
    }
    expect(loadError({ env: { DATABASE_TIMEOUT_MS: "0" }, envDir: envDir({}) }).problems).toEqual([
      'DATABASE_TIMEOUT_MS: must be an integer from 1 to 3600000 (got "0")',
    ]);
    expect(
      loadError({ env: { HEADERS_TIMEOUT_MS: "40000", REQUEST_TIMEOUT_MS: "30000" }, envDir: envDir({}) }).message,
    ).toContain("HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS");
  });

  it("refuses several workers on the single-process embedded database", () => {
    expect(loadError({ env: { WEB_CONCURRENCY: "2" }, envDir: false }).message).toContain(
      "WEB_CONCURRENCY: more than 1 worker needs DATABASE_URL",
    );
    expect(
      loadConfig({ env: { WEB_CONCURRENCY: "2", DATABASE_URL: "postgres://a@b/c" }, envDir: false }).WEB_CONCURRENCY,
    ).toBe(2);
  });

  it("rejects a DATABASE_URL that is not PostgreSQL without echoing it", () => {
    const error = loadError({ env: { DATABASE_URL: "mysql://root:hunter2@db/app" }, envDir: envDir({}) });
    expect(error.message).toContain("DATABASE_URL: must be a postgres:// or postgresql:// URL");
    expect(error.message).not.toContain("hunter2");
  });

  it("rejects a REDIS_URL that is not redis:// or rediss:// without echoing it", () => {
    const error = loadError({ env: { REDIS_URL: "http://:hunter2@cache:6379" }, envDir: envDir({}) });
    expect(error.message).toContain("REDIS_URL: must be a redis:// or rediss:// (TLS) URL");
    expect(error.message).not.toContain("hunter2");
    expect(loadError({ env: { REDIS_URL: "redis://" }, envDir: envDir({}) }).problems).toHaveLength(1);
  });

  it("refuses a missing, default or short SECRET_KEY in production, and never prints it", () => {
    const production = (SECRET_KEY?: string) =>
      loadError({ env: { APP_ENV: "production", ...(SECRET_KEY === undefined ? {} : { SECRET_KEY }) } }).message;
    expect(production()).toContain("SECRET_KEY: required in production");
    expect(production("change-me-to-a-random-string-of-at-least-32-chars")).toContain("default is refused");
    expect(production("short-secret")).toContain("SECRET_KEY: must be at least 32 characters in production (got 12)");
    expect(production("short-secret")).not.toContain("short-secret");
  });

  it("refuses a short or default previous key (SECRET_KEY_PREVIOUS) in production, as it does SECRET_KEY", () => {
    const previous = (SECRET_KEY_PREVIOUS: string) =>
      loadError({ env: { APP_ENV: "production", SECRET_KEY: STRONG_SECRET, SECRET_KEY_PREVIOUS } }).problems;
    expect(previous(`${"p".repeat(40)},short-one`)).toEqual([
      "SECRET_KEY_PREVIOUS: must be at least 32 characters in production (got 9)",
    ]);
    expect(previous("change-me-to-a-random-string-of-at-least-32-chars")).toEqual([
      "SECRET_KEY_PREVIOUS: must be set to your own random value in production (the development/example default is refused)",
    ]);
  });

  it("reports the secret along with other problems in production", () => {
    const error = loadError({ env: { APP_ENV: "production", PORT: "-1" } });
    expect(error.problems.map((problem) => problem.split(":")[0])).toEqual(["PORT", "SECRET_KEY"]);
  });
});

describe("values", () => {
  it("parses lists, trust proxy and an empty DATABASE_URL", () => {
    const config = loadConfig({
      env: {
        CORS_ORIGINS: "https://a.example, http://localhost:5173",
        TRUST_PROXY: "loopback, 10.0.0.0/8",
        DATABASE_URL: "",
      },
      envDir: envDir({}),
    });
    expect(config.CORS_ORIGINS).toEqual(["https://a.example", "http://localhost:5173"]);
    expect(config.TRUST_PROXY).toEqual(["loopback", "10.0.0.0/8"]);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(loadConfig({ env: { TRUST_PROXY: "1" }, envDir: envDir({}) }).TRUST_PROXY).toBe(1);
  });
});

describe("REDIS_URL", () => {
  it("is unset by default and when empty; redis:// and rediss:// are accepted", () => {
    expect(loadConfig({ env: {}, envDir: envDir({}) }).REDIS_URL).toBeUndefined();
    expect(loadConfig({ env: { REDIS_URL: "" }, envDir: envDir({}) }).REDIS_URL).toBeUndefined();
    expect(loadConfig({ env: { REDIS_URL: "redis://redis:6379/0" }, envDir: envDir({}) }).REDIS_URL).toBe(
      "redis://redis:6379/0",
    );
    expect(loadConfig({ env: { REDIS_URL: "rediss://u:p@cache.example:6380" }, envDir: envDir({}) }).REDIS_URL).toBe(
      "rediss://u:p@cache.example:6380",
    );
  });
});

describe("plain values", () => {
  it("reads enums and booleans in any case", () => {
    const config = loadConfig({
      env: { LOG_LEVEL: "INFO", CORS_CREDENTIALS: "TRUE", API_DOCS: "False", METRICS_ENABLED: " True " },
      envDir: envDir({}),
    });
    expect(config).toMatchObject({ LOG_LEVEL: "info", CORS_CREDENTIALS: true, API_DOCS: false, METRICS_ENABLED: true });
    const production = loadConfig({ env: { APP_ENV: "Production", SECRET_KEY: STRONG_SECRET }, envDir: false });
    expect(production.APP_ENV).toBe("production");
    expect(production.API_DOCS).toBe(false);
    expect(loadConfig({ env: { NODE_ENV: "TEST" }, envDir: false }).APP_ENV).toBe("test");
    expect(loadError({ env: { CORS_CREDENTIALS: "yes please" }, envDir: false }).problems).toEqual([
      'CORS_CREDENTIALS: must be "true" or "false" (got "yes please")',
    ]);
  });

  it("an empty value means unset, for every variable", () => {
    const defaults = loadConfig({ env: {}, envDir: false });
    const keys = Object.keys(defaults) as (keyof typeof defaults)[];
    const empty = Object.fromEntries(keys.map((key) => [key, ""]));
    expect(loadConfig({ env: empty, envDir: false })).toEqual(defaults);
    expect(loadConfig({ env: Object.fromEntries(keys.map((key) => [key, "  "])), envDir: false })).toEqual(defaults);
    expect(loadConfig({ env: {}, overrides: empty, envDir: false })).toEqual(defaults);
    // Unset, so the next layer down applies: PORT= in the environment leaves .env's PORT.
    expect(loadConfig({ env: { PORT: "" }, envDir: envDir({ ".env": "PORT=4001\nLOG_LEVEL=\n" }) })).toMatchObject({
      PORT: 4001,
      LOG_LEVEL: "info",
    });
    expect(loadError({ env: { APP_ENV: "production", SECRET_KEY: "" }, envDir: false }).problems).toEqual([
      "SECRET_KEY: required in production",
    ]);
  });
});

describe("redactConfig", () => {
  it("hides SECRET_KEY and the database and Redis passwords", () => {
    const config = loadConfig({
      env: {
        SECRET_KEY: STRONG_SECRET,
        DATABASE_URL: "postgres://app:hunter2@127.0.0.1:5432/app",
        REDIS_URL: "redis://default:redispass@127.0.0.1:6379/0",
      },
      envDir: envDir({}),
    });
    const printed = JSON.stringify(redactConfig(config));
    expect(printed).not.toContain(STRONG_SECRET);
    expect(printed).not.toContain("hunter2");
    expect(printed).not.toContain("redispass");
    expect(redactConfig(config)).toMatchObject({
      SECRET_KEY: "[redacted]",
      DATABASE_URL: "postgres://app:***@127.0.0.1:5432/app",
      REDIS_URL: "redis://default:***@127.0.0.1:6379/0",
    });
  });
});

describe("redactUrlPassword", () => {
  it("hides the password of the user info and of password / sslpassword query parameters", () => {
    expect(redactUrlPassword("postgres://app:hunter2@db:5432/app")).toBe("postgres://app:***@db:5432/app");
    expect(redactUrlPassword("postgres://app@db/app?password=hunter2&sslmode=require")).toBe(
      "postgres://app@db/app?password=***&sslmode=require",
    );
    expect(redactUrlPassword("postgres://app@db/app?sslmode=verify-full&sslpassword=hunter2&PassWord=x")).toBe(
      "postgres://app@db/app?sslmode=verify-full&sslpassword=***&PassWord=***",
    );
    expect(redactUrlPassword("postgres://app@db/app?application_name=api")).toBe(
      "postgres://app@db/app?application_name=api",
    );
  });
});

describe("profile defaults", () => {
  it("serves the API docs in development and test, not in production unless asked", () => {
    const production = { profile: "production" as const, env: { SECRET_KEY: STRONG_SECRET }, envDir: false as const };
    expect(loadConfig({ profile: "development", env: {}, envDir: false }).API_DOCS).toBe(true);
    expect(loadConfig({ profile: "test", env: {}, envDir: false }).API_DOCS).toBe(true);
    expect(loadConfig(production).API_DOCS).toBe(false);
    expect(loadConfig({ ...production, overrides: { API_DOCS: "true" } }).API_DOCS).toBe(true);
  });

  it("logs pretty in development and JSON everywhere else, unless LOG_FORMAT says otherwise", () => {
    const format = (profile: "development" | "test" | "production", env: Record<string, string> = {}) =>
      loadConfig({ profile, env: { SECRET_KEY: STRONG_SECRET, ...env }, envDir: false }).LOG_FORMAT;
    expect([format("development"), format("test"), format("production")]).toEqual(["pretty", "json", "json"]);
    expect(format("development", { LOG_FORMAT: "JSON" })).toBe("json");
    expect(format("production", { LOG_FORMAT: "pretty" })).toBe("pretty");
    expect(loadError({ env: { LOG_FORMAT: "text" }, envDir: false }).problems).toEqual([
      'LOG_FORMAT: must be one of pretty, json (got "text")',
    ]);
  });

  it("keeps metrics and tracing off by default, metrics on loopback", () => {
    const config = loadConfig({ profile: "development", env: {}, envDir: false });
    expect(config).toMatchObject({ METRICS_ENABLED: false, METRICS_HOST: "127.0.0.1", METRICS_PORT: 9464 });
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
  });
});
