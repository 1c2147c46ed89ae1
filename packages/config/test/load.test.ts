import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, redactConfig } from "../src/index.ts";

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
    expect(error.message).toContain('PORT: Invalid input: expected number, received NaN (got "abc")');
    expect(error.message).toContain('LOG_LEVEL: Invalid option: expected one of "fatal"|"error"|"warn"|"info"|');
    expect(error.message).toContain("CORS_ORIGINS: must be an exact origin");
    expect(error.message).toContain('TRUST_PROXY: must not be "true"');
  });

  it("rejects out-of-range numbers and a headers timeout above the request timeout", () => {
    expect(loadError({ env: { PORT: "70000" }, envDir: envDir({}) }).message).toContain("PORT: Too big");
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

describe("profile defaults", () => {
  it("serves the API docs in development and test, not in production unless asked", () => {
    const production = { profile: "production" as const, env: { SECRET_KEY: STRONG_SECRET }, envDir: false as const };
    expect(loadConfig({ profile: "development", env: {}, envDir: false }).API_DOCS).toBe(true);
    expect(loadConfig({ profile: "test", env: {}, envDir: false }).API_DOCS).toBe(true);
    expect(loadConfig(production).API_DOCS).toBe(false);
    expect(loadConfig({ ...production, overrides: { API_DOCS: "true" } }).API_DOCS).toBe(true);
  });

  it("keeps metrics and tracing off by default, metrics on loopback", () => {
    const config = loadConfig({ profile: "development", env: {}, envDir: false });
    expect(config).toMatchObject({ METRICS_ENABLED: false, METRICS_HOST: "127.0.0.1", METRICS_PORT: 9464 });
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
  });
});
