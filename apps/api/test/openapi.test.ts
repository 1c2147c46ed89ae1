import { compileErrors, validate } from "@readme/openapi-parser";
import { createLogger } from "@repo/logger";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createService } from "../src/service.ts";
import { testConfig } from "./support.ts";

/** Never started: these tests only read the document and the pages. */
function service(overrides = {}) {
  return createService(testConfig(overrides), { logger: createLogger({ level: "silent" }) });
}

interface DocumentedOperation {
  operationId: string;
  parameters?: { name: string; schema: unknown }[];
  responses: Record<string, unknown>;
}
/** The document as a client reads it. */
const paths = (overrides = {}) =>
  service(overrides).document.paths as Record<string, Record<string, DocumentedOperation>>;
const operationOf = (path: string, method: string, overrides = {}) => {
  const operation = paths(overrides)[path]?.[method];
  if (!operation) throw new Error(`${method.toUpperCase()} ${path} is not documented`);
  return operation;
};

describe("OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document served at /api/v1/openapi.json", async () => {
    const res = await request(service().app).get("/api/v1/openapi.json").expect(200);
    expect(res.type).toBe("application/json");
    expect(res.body.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(res.body));
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
  });

  it("documents every served operation but the pages, each with an operationId", () => {
    const { operations } = service();
    const documented = Object.entries(paths()).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => `${method.toUpperCase()} ${path} ${operation.operationId}`),
    );
    const served = operations
      .filter(({ operation }) => !operation.hidden)
      .map(({ operation, path }) => `${operation.method.toUpperCase()} ${path} ${operation.operationId}`);
    expect(documented.sort()).toEqual(served.sort());
    expect(operations.filter(({ operation }) => operation.hidden).map(({ path }) => path)).toEqual([
      "/",
      "/sign-in",
      "/sign-out",
      "/api/docs",
      "/api/docs/scalar.js",
    ]);
  });

  it("describes request schemas from the same zod schemas that validate them", async () => {
    const document = (await request(service().app).get("/api/v1/openapi.json")).body;
    const create = document.paths["/api/v1/users"].post;
    const schema = create.requestBody.content["application/json"].schema;
    expect(schema).toMatchObject({ type: "object", required: ["email"], additionalProperties: false });
    expect(document.paths["/api/v1/users/{id}"].get.parameters).toEqual([
      expect.objectContaining({ in: "path", name: "id", required: true }),
    ]);
    expect(document.components.schemas).toHaveProperty("Problem");
  });

  it("types integer parameters as integers with the bounds the server enforces", () => {
    const parameter = (path: string, method: string, name: string) =>
      operationOf(path, method).parameters?.find((p) => p.name === name)?.schema;
    expect(parameter("/api/v1/users/{id}", "get", "id")).toMatchObject({
      type: "integer",
      minimum: 1,
      maximum: 2147483647,
    });
    expect(parameter("/api/v1/users", "get", "limit")).toMatchObject({
      type: "integer",
      minimum: 1,
      maximum: 100,
      default: 20,
    });
    expect(parameter("/compute", "get", "n")).toMatchObject({ type: "integer", minimum: 0, maximum: 78 });
  });

  it("documents the statuses each operation answers: 405 with Allow everywhere, 429 only behind the limiter", () => {
    const statuses = (path: string, method: string, overrides = {}) =>
      Object.keys(operationOf(path, method, overrides).responses);
    expect(statuses("/api/v1/users", "post")).toEqual([
      ...["201", "400", "401", "403", "405", "409", "413", "415", "429", "500", "503"],
    ]);
    expect(statuses("/api/v1/health", "get")).toEqual(["200", "405", "500"]);
    expect(statuses("/ping", "get")).toEqual(["200", "405", "500"]);
    expect(statuses("/api/v1/openapi.json", "get")).toContain("429");
    expect(statuses("/api/v1/users", "get", { RATE_LIMIT_MAX: "0" })).not.toContain("429");
  });
});

describe("API reference page", () => {
  it("serves Scalar's own bundle at /api/docs, with a CSP of this origin only: it works with no network", async () => {
    const { app } = service();
    const res = await request(app).get("/api/docs").expect(200);
    expect(res.type).toBe("text/html");
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/https?:|'unsafe-eval'|\*/);
    expect(res.text).toContain('data-url="/api/v1/openapi.json"');
    expect(res.text).toContain('<script src="/api/docs/scalar.js"></script>');
    expect(res.text).toContain("&quot;withDefaultFonts&quot;:false");
    expect(res.text).not.toMatch(/https?:\/\//);
    const bundle = await request(app).get("/api/docs/scalar.js").expect(200);
    expect(bundle.headers["content-type"]).toMatch(/^text\/javascript/);
    expect(Number(bundle.headers["content-length"])).toBeGreaterThan(1_000_000);
  });

  it("is absent with API_DOCS=false (the production default); the document stays", async () => {
    const { app } = service({ API_DOCS: "false" });
    await request(app).get("/api/docs").expect(404);
    await request(app).get("/api/docs/scalar.js").expect(404);
    await request(app).get("/api/v1/openapi.json").expect(200);
  });
});
