import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import request from "supertest";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PUBLIC_DIR } from "../src/app.ts";
import { MAX_HEADER_SIZE } from "../src/runtime/http-server.ts";
import { contractViolation, listen } from "./raw-http.ts";
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

  it("sends API responses the API header set: nosniff, a deny-all CSP, CORP, no referrer, no document-only headers", async () => {
    const { app } = await buildTestApp();
    const res = await request(app).get("/api/v1/health").expect(200);
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-security-policy"]).toBe("default-src 'none';frame-ancestors 'none'");
    expect(res.headers["cross-origin-resource-policy"]).toBe("same-origin");
    expect(res.headers["referrer-policy"]).toBe("no-referrer");
    for (const header of ["x-dns-prefetch-control", "x-download-options", "origin-agent-cluster", "x-xss-protection"]) {
      expect(res.headers[header], header).toBeUndefined();
    }
    const problem = await request(app).get("/api/v1/users/x").expect(401);
    expect(problem.headers["content-security-policy"]).toBe("default-src 'none';frame-ancestors 'none'");
  });

  it("sends HSTS when HSTS_MAX_AGE is set (served over TLS)", async () => {
    const { app } = await buildTestApp({ overrides: { HSTS_MAX_AGE: "31536000" } });
    for (const path of ["/ping", "/api/v1/health"]) {
      const res = await request(app).get(path);
      expect(res.headers["strict-transport-security"], path).toBe("max-age=31536000; includeSubDomains");
    }
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
    // express-rate-limit would print what it finds wrong with its setup (e.g. a permissive trust
    // proxy) to the console: it reports through the app's logger instead, so nothing is printed.
    expect(errors.mock.calls).toEqual([]);
    errors.mockClear();
  });

  // A public operation behind the limiter: what is tested is the limiter, not who may call.
  it("answers 429 in the problem shape with standard RateLimit headers past the limit", async () => {
    const { app } = await buildTestApp({ overrides: { RATE_LIMIT_MAX: "3" } });
    for (let i = 0; i < 3; i++) {
      const ok = await request(app).get("/api/v1/openapi.json").expect(200);
      expect(ok.headers["ratelimit-policy"]).toMatch(/^"3-in-1min"; q=3; w=60/);
    }
    const limited = await request(app).get("/api/v1/openapi.json").expect(429);
    expect(limited.headers["content-type"]).toMatch(/problem\+json/);
    expect(limited.body).toMatchObject({ status: 429, title: "Too Many Requests", type: "urn:problem:rate-limited" });
    expect(limited.headers.ratelimit).toMatch(/r=0/);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("never limits the health checks", async () => {
    const { app } = await buildTestApp({ overrides: { RATE_LIMIT_MAX: "1" }, open: true });
    for (let i = 0; i < 5; i++) await request(app).get("/api/v1/health").expect(200);
    await request(app).get("/api/v1/ready").expect(200);
  });

  it("keys on the client IP a trusted proxy reports, and ignores X-Forwarded-For otherwise", async () => {
    const behindProxy = await buildTestApp({ overrides: { RATE_LIMIT_MAX: "1", TRUST_PROXY: "loopback" } });
    await request(behindProxy.app).get("/api/v1/openapi.json").set("X-Forwarded-For", "203.0.113.1").expect(200);
    await request(behindProxy.app).get("/api/v1/openapi.json").set("X-Forwarded-For", "203.0.113.2").expect(200);
    await request(behindProxy.app).get("/api/v1/openapi.json").set("X-Forwarded-For", "203.0.113.1").expect(429);
    expect(behindProxy.logs.filter((line) => String(line.code).startsWith("ERR_ERL"))).toEqual([]);

    const direct = await buildTestApp({ overrides: { RATE_LIMIT_MAX: "1" } });
    await request(direct.app).get("/api/v1/openapi.json").expect(200);
    await request(direct.app).get("/api/v1/openapi.json").expect(429);
  });

  it("reports a misconfiguration it sees (X-Forwarded-For without TRUST_PROXY) once, as one warn line of the app's log, never on the console", async () => {
    const warnings = vi.spyOn(console, "warn");
    const { app, logs } = await buildTestApp({ overrides: { RATE_LIMIT_MAX: "10" } });
    for (let i = 0; i < 3; i++) {
      await request(app).get("/api/v1/openapi.json").set("X-Forwarded-For", `203.0.113.${i}`).expect(200);
    }
    expect([...errors.mock.calls, ...warnings.mock.calls]).toEqual([]);
    warnings.mockRestore();
    const reported = logs.filter((line) => line.code === "ERR_ERL_UNEXPECTED_X_FORWARDED_FOR");
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ level: 40, msg: expect.stringContaining("X-Forwarded-For") });
  });

  it("is off with RATE_LIMIT_MAX=0", async () => {
    const { app } = await buildTestApp({ overrides: { RATE_LIMIT_MAX: "0" } });
    for (let i = 0; i < 5; i++) {
      const res = await request(app).get("/api/v1/openapi.json").expect(200);
      expect(res.headers["ratelimit-policy"]).toBeUndefined();
    }
  });
});

/** Writes raw bytes on a fresh loopback connection; resolves with everything the server sent before closing. */
function rawExchange(port: number, data: string): Promise<{ head: string; body: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(data));
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk;
    });
    socket.on("error", (error: NodeJS.ErrnoException) => (error.code === "ECONNRESET" ? undefined : reject(error)));
    socket.on("close", () => {
      const [head = "", body = ""] = received.split("\r\n\r\n");
      resolve({ head, body, closed: true });
    });
  });
}

describe("limits: each breach answered with the right 4xx in the problem shape", () => {
  it(`request line + headers over ${MAX_HEADER_SIZE} bytes: 431 problem+json from the server's clientError handler, connection closed, nothing echoed or logged`, async () => {
    const built = await buildTestApp();
    const server = await listen(built);
    const secret = "hdr-secret-0123456789";
    const cases = {
      "one 20 kB header": `GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: ${secret}${"a".repeat(20_000)}\r\n\r\n`,
      "a 20 kB URL": `GET /ping?q=${secret}${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      "3000 small headers": `GET /ping HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: ${secret}\r\n`).join("")}\r\n`,
    };
    for (const [name, data] of Object.entries(cases)) {
      const { head, body, closed } = await rawExchange(server.port, data);
      expect(head, name).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
      expect(head, name).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/);
      expect(head, name).toMatch(/\r\nConnection: close/);
      expect(closed).toBe(true);
      const problem = JSON.parse(body);
      expect(problem).toMatchObject({
        type: "urn:problem:headers-too-large",
        title: "Request Header Fields Too Large",
        status: 431,
      });
      expect(head).toContain(`X-Request-ID: ${problem.requestId}`);
      expect(body).not.toContain(secret);
      expect(
        built.logs.some((line) => line.requestId === problem.requestId && line.code === "HPE_HEADER_OVERFLOW"),
      ).toBe(true);
    }
    expect(JSON.stringify(built.logs)).not.toContain(secret);
    // Below the limit is fine: the limit is not tighter than it says.
    const fits = await server.send("GET", `/ping?${"q=1&".repeat(100)}`, { headers: { "x-big": "a".repeat(12_000) } });
    expect(fits.status).toBe(200);
  });

  it("bytes that are not HTTP: 400 problem+json, connection closed", async () => {
    const built = await buildTestApp();
    const server = await listen(built);
    for (const data of [
      "GARBAGE\r\n\r\n",
      "GET /ping HTTP/9.9\r\n\r\n",
      "GET /ping HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    ]) {
      const { head, body } = await rawExchange(server.port, data);
      expect(head, data).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(JSON.parse(body)).toMatchObject({ type: "urn:problem:malformed-request", status: 400 });
    }
  });

  it("form bodies over parameterLimit (100): 413 problem+json, and none read where no operation takes one; query strings with thousands of parameters: 400", async () => {
    const built = await buildTestApp();
    const server = await listen(built);
    const form = (n: number) => ({
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: Array.from({ length: n }, (_, i) => `p${i}=1`).join("&"),
    });
    // The sign-in form is the operation that takes a form.
    const over = await server.send("POST", "/sign-in", form(101));
    expect(over.status).toBe(413);
    expect(contractViolation(over)).toBeUndefined();
    expect((over.body as { detail: string }).detail).toMatch(/too many parameters/);
    expect((await server.send("POST", "/sign-in", form(100))).status).toBe(400); // parsed, then refused by its schema
    // No operation of /ping declares a body: POST is refused before any parser reads it.
    expect((await server.send("POST", "/ping", form(101))).status).toBe(405);
    const manyQuery = await server.send(
      "GET",
      `/compute?${Array.from({ length: 1500 }, (_, i) => `p${i}=1`).join("&")}`,
    );
    expect(manyQuery.status).toBe(400);
    expect(contractViolation(manyQuery)).toBeUndefined();
  });
});

describe("secrets never reach logs or error bodies", () => {
  it("credentials in headers, bodies and the configuration are absent from every log line and reply", async () => {
    const secretKey = "cfg-secret-key-0123456789abcdefghijklmnop";
    const token = "tok-9f8e7d6c5b4a";
    const built = await buildTestApp({ overrides: { SECRET_KEY: secretKey } });
    const server = await listen(built);
    const replies: string[] = [];
    const headers = {
      authorization: `Bearer ${token}`,
      cookie: `session=${token}`,
      "proxy-authorization": `Basic ${token}`,
      "x-api-key": token,
      "content-type": "application/json",
    };
    for (const [method, target, body] of [
      ["GET", "/api/v1/users", undefined],
      ["GET", "/nope", undefined],
      ["POST", "/api/v1/users", JSON.stringify({ email: "a@example.com", password: token, token, secret: token })],
      ["POST", "/api/v1/users", `{"password":"${token}",`],
      ["PATCH", "/api/v1/users/1", JSON.stringify({ name: token, password: token })],
      ["GET", "/api/v1/users/%FF", undefined],
    ] as const) {
      const res = await server.send(method, target, { headers, ...(body ? { body } : {}) });
      replies.push(JSON.stringify(res.headers), res.text);
    }
    const logged = JSON.stringify(built.logs);
    expect(built.logs.filter((line) => line.msg === "request completed")).toHaveLength(6);
    for (const secret of [token, secretKey]) {
      expect(logged).not.toContain(secret);
      expect(replies.join("\n")).not.toContain(secret);
    }
  });
});

describe("static files: no listing, no dotfiles, no traversal in any encoding", () => {
  const marker = "STATIC-SECRET-MARKER";
  const dotfile = path.join(PUBLIC_DIR, ".test-dotfile");
  const dotdir = path.join(PUBLIC_DIR, ".test-dotdir");

  it("answers 404 problem+json (never the file) for traversal, encoded and double-encoded dots, backslashes, dotfiles and directories", async () => {
    writeFileSync(dotfile, marker);
    mkdirSync(dotdir, { recursive: true });
    writeFileSync(path.join(dotdir, "inside.txt"), marker);
    try {
      const built = await buildTestApp();
      const server = await listen(built);
      const paths = [
        "/static/../package.json",
        "/static/css/../../package.json",
        "/static/..%2fpackage.json",
        "/static/..%2Fpackage.json",
        "/static/%2e%2e/package.json",
        "/static/%2e%2e%2fpackage.json",
        "/static/.%2e/package.json",
        "/static/%252e%252e/package.json",
        "/static/%252e%252e%252fpackage.json",
        "/static/..%252fpackage.json",
        "/static/..\\package.json",
        "/static/..%5cpackage.json",
        "/static/css/..%5c..%5cpackage.json",
        "/static/%c0%ae%c0%ae/package.json",
        "/static/..%c0%afpackage.json",
        "/static/%2fetc%2fpasswd",
        "/static//etc/passwd",
        "/static/css/site.css%00.txt",
        "/static/.test-dotfile",
        "/static/%2etest-dotfile",
        "/static/css/../.test-dotfile",
        "/static/css/..%2f.test-dotfile",
        "/static/.test-dotdir/inside.txt",
        "/static/.test-dotdir/",
        "/static/",
        "/static",
        "/static/css",
        "/static/css/",
      ];
      for (const target of paths) {
        const res = await server.send("GET", target);
        expect([400, 404], target).toContain(res.status);
        expect(contractViolation(res), target).toBeUndefined();
        expect(res.text, target).not.toContain(marker);
        expect(res.text, target).not.toContain("@repo/api");
        expect(res.text, target).not.toContain("root:");
        // A directory is never listed.
        if (/\/(css)?\/?$/.test(target)) expect(res.text, target).not.toContain("site.css");
        expect(res.headers.location, target).toBeUndefined();
      }
      expect((await server.send("GET", "/static/css/site.css")).status).toBe(200);
    } finally {
      rmSync(dotfile, { force: true });
      rmSync(dotdir, { recursive: true, force: true });
    }
  });
});
