import request from "supertest";
import { describe, expect, it } from "vitest";
import { buildTestApp } from "./support.ts";

const PROBLEM = /^application\/problem\+json/;

describe("request id", () => {
  it("generates a UUID and echoes it on every response, errors included", async () => {
    const { app } = await buildTestApp();
    for (const path of ["/ping", "/does-not-exist"]) {
      const res = await request(app).get(path);
      expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("keeps a sane incoming X-Request-ID and replaces an unsafe or oversized one", async () => {
    const { app } = await buildTestApp();
    expect((await request(app).get("/ping").set("X-Request-ID", "edge-7f3a.1")).headers["x-request-id"]).toBe(
      "edge-7f3a.1",
    );
    for (const bad of ["a".repeat(129), "has space", "<script>", "id\twith\ttabs"]) {
      const id = (await request(app).get("/ping").set("X-Request-ID", bad)).headers["x-request-id"];
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("appears in every log line of the request, and in the problem body", async () => {
    const { app, logs } = await buildTestApp();
    const res = await request(app).get("/compute?n=5").set("X-Request-ID", "trace-me");
    const lines = logs.filter((line) => line.requestId === "trace-me");
    expect(lines.map((line) => line.msg)).toEqual(["computed fibonacci", "request completed"]);
    expect(res.body.requestId).toBe("trace-me");
    const problem = await request(app).get("/nope").set("X-Request-ID", "lost-1");
    expect(problem.body.requestId).toBe("lost-1");
  });
});

describe("routes", () => {
  it("GET / renders the page with the layout and stylesheet", async () => {
    const { app } = await buildTestApp();
    const res = await request(app)
      .get("/")
      .expect(200)
      .expect("content-type", /text\/html/);
    expect(res.text).toContain("<!doctype html>");
    expect(res.text).toContain('<link rel="stylesheet" href="/static/css/site.css">');
    expect(res.text).toContain("<strong>test</strong> profile");
    expect(res.text).toContain(`<code>${res.headers["x-request-id"]}</code>`);
  });

  it("GET / names the service, its version, profile and database, and links the reference, the document and the probes", async () => {
    const { app, database } = await buildTestApp();
    const res = await request(app).get("/").expect(200);
    expect(res.text).toContain("<h1>Express starter</h1>");
    expect(res.text).toMatch(/version <code>\d+\.\d+\.\d+<\/code>/);
    // The suite runs on PGlite, and on PostgreSQL where DATABASE_URL is set (as in CI).
    const described = "pglite" in database.options ? "the embedded PGlite database" : "PostgreSQL";
    expect(res.text).toContain(`on <strong>${described}</strong>`);
    for (const href of ["/api/docs", "/api/v1/openapi.json", "/api/v1/health", "/api/v1/ready"]) {
      expect(res.text).toContain(`href="${href}"`);
    }
    expect(res.text).toContain('<link rel="icon" href="/static/favicon.svg"');
    await request(app)
      .get("/static/favicon.svg")
      .expect(200)
      .expect("content-type", /image\/svg\+xml/);
  });

  it("answers a browser's unknown page with an HTML 404, and everyone else (and the API) with problem+json", async () => {
    const { app } = await buildTestApp();
    const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    const page = await request(app).get("/no/such/page").set("accept", browser).expect(404);
    expect(page.type).toBe("text/html");
    expect(page.text).toContain("404 — Not Found");
    expect(page.text).toContain(`<code>${page.headers["x-request-id"]}</code>`);
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    for (const accept of ["*/*", "application/json", "application/problem+json"]) {
      const res = await request(app).get("/no/such/page").set("accept", accept).expect(404);
      expect(res.headers["content-type"], accept).toMatch(PROBLEM);
    }
    const api = await request(app).get("/api/v1/no-such-resource").set("accept", browser).expect(404);
    expect(api.headers["content-type"]).toMatch(PROBLEM);
  });

  it("escapes what it renders", async () => {
    const { app } = await buildTestApp();
    const res = await request(app).get("/").set("X-Request-ID", "a<b");
    expect(res.text).not.toContain("a<b");
  });

  it("serves static files and 404s the missing, hidden and traversing ones", async () => {
    const { app } = await buildTestApp();
    const css = await request(app)
      .get("/static/css/site.css")
      .expect(200)
      .expect("content-type", /text\/css/);
    expect(css.text).toContain("--accent");
    for (const path of [
      "/static/css/missing.css",
      "/static/../package.json",
      "/static/%2e%2e/package.json",
      "/static/",
    ]) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers["content-type"]).toMatch(PROBLEM);
    }
  });

  it("GET /ping answers pong", async () => {
    const { app } = await buildTestApp();
    await request(app).get("/ping").expect(200, { pong: true });
  });

  it("GET /compute reads the request context from its service", async () => {
    const { app } = await buildTestApp();
    const res = await request(app).get("/compute?n=20").set("X-Request-ID", "ctx-1").expect(200);
    expect(res.body).toEqual({ n: 20, fibonacci: 6765, requestId: "ctx-1" });
    expect((await request(app).get("/compute")).body).toMatchObject({ n: 10, fibonacci: 55 });
  });

  it("GET /api/v1/health is ok even when a dependency is down", async () => {
    const down = {
      name: "cache",
      start: async () => {},
      stop: async () => {},
      check: async () => Promise.reject(new Error("down")),
    };
    const { app } = await buildTestApp({ extensions: [down] });
    await request(app).get("/api/v1/health").expect(200, { status: "ok" });
  });
});

describe("readiness", () => {
  it("is 200 when every extension check passes", async () => {
    const up = { name: "cache", start: async () => {}, stop: async () => {}, check: async () => {} };
    const { app } = await buildTestApp({ extensions: [up], open: true });
    const res = await request(app).get("/api/v1/ready").expect(200);
    expect(res.body).toMatchObject({ status: "ready", checks: { db: { status: "ok" }, cache: { status: "ok" } } });
  });

  const flaky = (state: { healthy: boolean }) => ({
    name: "cache",
    start: async () => {},
    stop: async () => {},
    check: async () => {
      if (!state.healthy) throw new Error("connection refused by cache.internal:6379");
    },
  });

  it("is 503 in the problem shape naming the failed check, not why (the log says why, with the request id); 200 again once it recovers", async () => {
    const state = { healthy: false };
    const { app, logs } = await buildTestApp({ extensions: [flaky(state)], open: true });
    const res = await request(app).get("/api/v1/ready").expect(503).expect("content-type", PROBLEM);
    expect(res.body).toMatchObject({
      status: 503,
      title: "Service Unavailable",
      detail: "not ready: cache",
      checks: { cache: { status: "error", durationMs: expect.any(Number) }, db: { status: "ok" } },
    });
    expect(res.body.checks.cache).not.toHaveProperty("error");
    expect(res.text).not.toContain("cache.internal");
    const logged = logs.find((line) => line.requestId === res.body.requestId && line.msg === "not ready: cache");
    expect(logged).toMatchObject({ level: 40, failed: { cache: "connection refused by cache.internal:6379" } });
    state.healthy = true;
    await request(app).get("/api/v1/ready").expect(200);
  });

  it("says why a check failed in the body too, in development only", async () => {
    const { app } = await buildTestApp({ extensions: [flaky({ healthy: false })], profile: "development", open: true });
    const res = await request(app).get("/api/v1/ready").expect(503);
    expect(res.body.checks.cache).toMatchObject({
      status: "error",
      error: "connection refused by cache.internal:6379",
    });
  });

  it("is 503 once shutdown begins", async () => {
    const { app, registry } = await buildTestApp();
    registry.beginShutdown();
    const res = await request(app).get("/api/v1/ready").expect(503);
    expect(res.body.detail).toBe("the server is stopping");
  });
});

describe("errors: one problem+json shape", () => {
  const expectProblem = (res: request.Response, status: number, title: string) => {
    expect(res.status).toBe(status);
    expect(res.headers["content-type"]).toMatch(PROBLEM);
    expect(res.body).toMatchObject({
      status,
      title,
      instance: expect.any(String),
      requestId: res.headers["x-request-id"],
    });
    expect(typeof res.body.type).toBe("string");
  };

  /** A body for POST /api/v1/users, the operation that takes one, of this type. */
  const postUsers = async (type: string, body: string, overrides = {}, headers: Record<string, string> = {}) => {
    const { app } = await buildTestApp({ overrides });
    return request(app).post("/api/v1/users").set("content-type", type).set(headers).send(body);
  };

  it("400 for malformed JSON", async () => {
    const res = await postUsers("application/json", '{"a":');
    expectProblem(res, 400, "Malformed JSON");
    expect(res.body.type).toBe("urn:problem:malformed-json");
  });

  it("400 for validation, listing each issue with its path", async () => {
    const { app } = await buildTestApp();
    const res = await request(app).get("/compute?n=79&extra=1");
    expectProblem(res, 400, "Validation failed");
    expect(res.body.errors).toEqual([
      expect.objectContaining({ location: "query", path: ["n"], code: "too_big" }),
      expect.objectContaining({ location: "query", path: [], code: "unrecognized_keys" }),
    ]);
  });

  it("404 for an unknown route", async () => {
    const { app } = await buildTestApp();
    const res = await request(app).get("/no/such/route");
    expectProblem(res, 404, "Not Found");
    expect(res.body).toMatchObject({ detail: "No route for GET /no/such/route", instance: "/no/such/route" });
  });

  it("405 with Allow for a wrong method, 204 with Allow for OPTIONS", async () => {
    const { app } = await buildTestApp();
    const res = await request(app).delete("/api/v1/health");
    expectProblem(res, 405, "Method Not Allowed");
    expect(res.headers.allow).toBe("GET, HEAD, OPTIONS");
    const options = await request(app).options("/ping").expect(204);
    expect(options.headers.allow).toBe("GET, HEAD, OPTIONS");
  });

  it("413 for a body over the limit", async () => {
    const body = JSON.stringify({ a: "x".repeat(2000) });
    expectProblem(await postUsers("application/json", body, { BODY_LIMIT: "1kb" }), 413, "Payload Too Large");
  });

  it("415 for a body that is not JSON", async () => {
    const res = await postUsers("text/plain", "hello");
    expectProblem(res, 415, "Unsupported Media Type");
    expect(res.body.detail).toBe("Content-Type must be application/json (got text/plain)");
  });

  it("415 for an unsupported body encoding", async () => {
    const res = await postUsers("application/json", "{}", {}, { "content-encoding": "compress" });
    expectProblem(res, 415, "Unsupported Media Type");
  });
});
