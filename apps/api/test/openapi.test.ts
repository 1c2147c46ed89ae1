import { compileErrors, validate } from "@readme/openapi-parser";
import { type ConfigInput, loadConfig } from "@repo/config";
import type { PrismaClient } from "@repo/db";
import { ExtensionRegistry } from "@repo/extensions";
import { createLogger } from "@repo/logger";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { toOpenApiPath } from "../src/openapi/document.ts";
import { listRoutes } from "../src/routes-table.ts";

/** No database: these tests only read the route table and the document. */
function appWithout(overrides: ConfigInput = {}) {
  const config = loadConfig({ profile: "test", env: {}, envDir: false, overrides });
  const registry = new ExtensionRegistry({ checkTimeoutMs: 1 });
  return createApp({ config, logger: createLogger({ level: "silent" }), registry, db: {} as PrismaClient });
}

/** Routes that are deliberately not part of the API document. */
const UNDOCUMENTED = new Set(["GET /", "GET /api/docs"]);

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

describe("OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document served at /api/v1/openapi.json", async () => {
    const res = await request(appWithout()).get("/api/v1/openapi.json").expect(200);
    expect(res.type).toBe("application/json");
    expect(res.body.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(res.body));
    expect(result.valid, result.valid ? "" : compileErrors(result)).toBe(true);
  });

  it("documents every registered route, and nothing that is not routed", async () => {
    const app = appWithout();
    const document = (await request(app).get("/api/v1/openapi.json")).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routed = listRoutes(app)
      .map(({ method, path }) => `${method} ${toOpenApiPath(path)}`)
      .filter((route) => !UNDOCUMENTED.has(route));
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => METHODS.includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routed.length).toBeGreaterThan(5);
    expect(documented.sort()).toEqual([...new Set(routed)].sort());
  });

  it("describes request schemas from the same zod schemas that validate them", async () => {
    const document = (await request(appWithout()).get("/api/v1/openapi.json")).body;
    const create = document.paths["/api/v1/users"].post;
    const schema = create.requestBody.content["application/json"].schema;
    expect(schema).toMatchObject({ type: "object", required: ["email"], additionalProperties: false });
    expect(document.paths["/api/v1/users/{id}"].get.parameters).toEqual([
      expect.objectContaining({ in: "path", name: "id", required: true }),
    ]);
    expect(document.components.schemas).toHaveProperty("Problem");
  });
});

describe("API reference page", () => {
  it("serves Scalar at /api/docs with its own nonce-based CSP", async () => {
    const res = await request(appWithout()).get("/api/docs").expect(200);
    expect(res.type).toBe("text/html");
    const csp = String(res.headers["content-security-policy"]);
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(res.text).toContain(`nonce="${nonce}"`);
    expect(res.text).toContain("/api/v1/openapi.json");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it("is absent with API_DOCS=false (the production default); the document stays", async () => {
    const app = appWithout({ API_DOCS: "false" });
    await request(app).get("/api/docs").expect(404);
    await request(app).get("/api/v1/openapi.json").expect(200);
  });
});
