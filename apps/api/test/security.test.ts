import request from "supertest";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildTestApp } from "./support.ts";

describe("security headers", () => {
  it("sends a CSP the page satisfies, no X-Powered-By, and no HSTS unless configured", async () => {
    const { app } = await buildTestApp();
    const res = await request(app).get("/").expect(200);
    const csp = res.headers["content-security-policy"];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    // The page only links same-origin assets: no inline script or style to allow.
    expect(res.text).not.toMatch(/<script|<style|style="/);
    expect(res.headers["x-powered-by"]).toBeUndefined();
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("DENY");
    expect(res.headers["strict-transport-security"]).toBeUndefined();
  });

  it("sends HSTS when HSTS_MAX_AGE is set (served over TLS)", async () => {
    const { app } = await buildTestApp({ overrides: { HSTS_MAX_AGE: "31536000" } });
    const res = await request(app).get("/ping");
    expect(res.headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
  });
});

describe("CORS", () => {
  const overrides = { CORS_ORIGINS: "https://app.example.com" };

  it("allows exactly the configured origins, without credentials by default", async () => {
    const { app } = await buildTestApp({ overrides });
    const allowed = await request(app).get("/api/v1/health").set("Origin", "https://app.example.com");
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(allowed.headers["access-control-expose-headers"]).toContain("X-Request-ID");
    expect(allowed.headers["access-control-allow-credentials"]).toBeUndefined();
    for (const origin of ["https://evil.example.com", "https://app.example.com.evil.net", "null"]) {
      const denied = await request(app).get("/api/v1/health").set("Origin", origin);
      expect(denied.headers["access-control-allow-origin"], origin).toBeUndefined();
    }
  });

  it("answers preflights for allowed origins, with credentials when configured", async () => {
    const { app } = await buildTestApp({ overrides: { ...overrides, CORS_CREDENTIALS: "true" } });
    const res = await request(app)
      .options("/api/v1/users")
      .set("Origin", "https://app.example.com")
      .set("Access-Control-Request-Method", "POST")
      .set("Access-Control-Request-Headers", "content-type");
    expect(res.status).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(res.headers["access-control-allow-methods"]).toContain("POST");
    expect(res.headers["access-control-allow-credentials"]).toBe("true");
  });

  it("sends no CORS headers at all when no origin is configured", async () => {
    const { app } = await buildTestApp();
    const res = await request(app).get("/api/v1/health").set("Origin", "https://app.example.com");
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("rate limiting", () => {
  const errors = vi.spyOn(console, "error");
  afterEach(() => {
    // express-rate-limit reports misconfiguration (e.g. a permissive trust proxy) through console.error.
    expect(errors.mock.calls.flat().join(" ")).not.toMatch(/ERR_ERL/);
    errors.mockClear();
  });

  it("answers 429 in the problem shape with standard RateLimit headers past the limit", async () => {
    const { app } = await buildTestApp({ overrides: { RATE_LIMIT_MAX: "3" } });
    for (let i = 0; i < 3; i++) {
      const ok = await request(app).get("/api/v1/users").expect(200);
      expect(ok.headers["ratelimit-policy"]).toMatch(/^"3-in-1min"; q=3; w=60/);
    }
    const limited = await request(app).get("/api/v1/users").expect(429);
    expect(limited.headers["content-type"]).toMatch(/problem\+json/);
    expect(limited.body).toMatchObject({ status: 429, title: "Too Many Requests", type: "urn:problem:rate-limited" });
    expect(limited.headers.ratelimit).toMatch(/r=0/);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("never limits the health checks", async () => {
    const { app } = await buildTestApp({ overrides: { RATE_LIMIT_MAX: "1" } });
    for (let i = 0; i < 5; i++) await request(app).get("/api/v1/health").expect(200);
    await request(app).get("/api/v1/ready").expect(200);
  });

  it("keys on the client IP a trusted proxy reports, and ignores X-Forwarded-For otherwise", async () => {
    const behindProxy = await buildTestApp({ overrides: { RATE_LIMIT_MAX: "1", TRUST_PROXY: "loopback" } });
    await request(behindProxy.app).get("/api/v1/users").set("X-Forwarded-For", "203.0.113.1").expect(200);
    await request(behindProxy.app).get("/api/v1/users").set("X-Forwarded-For", "203.0.113.2").expect(200);
    await request(behindProxy.app).get("/api/v1/users").set("X-Forwarded-For", "203.0.113.1").expect(429);

    const direct = await buildTestApp({ overrides: { RATE_LIMIT_MAX: "1" } });
    await request(direct.app).get("/api/v1/users").expect(200);
    await request(direct.app).get("/api/v1/users").expect(429);
  });

  it("is off with RATE_LIMIT_MAX=0", async () => {
    const { app } = await buildTestApp({ overrides: { RATE_LIMIT_MAX: "0" } });
    for (let i = 0; i < 5; i++) {
      const res = await request(app).get("/api/v1/users").expect(200);
      expect(res.headers["ratelimit-policy"]).toBeUndefined();
    }
  });
});
