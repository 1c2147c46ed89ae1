import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { Middleware } from "openapi-fetch";
import openapiTS, { astToString } from "openapi-typescript";
import { describe, expect, inject, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CLIENT_DIR = path.resolve(import.meta.dirname, "../client");
// The workspace's own compiler (TypeScript 7), as the team adopting the API would run it.
const TSC = path.join(
  path.dirname(createRequire(path.join(ROOT, "package.json")).resolve("typescript/package.json")),
  "bin/tsc",
);

interface Response {
  $ref?: string;
  content?: Record<string, object>;
}
interface Document {
  paths: Record<string, Record<string, { responses: Record<string, Response> }>>;
  components?: { responses?: Record<string, Response> };
}

/** Checks every response against what the document says of its operation and status (Ajv, JSON Schema 2020-12). */
function validatingMiddleware(document: Document, violations: string[]): Middleware {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ ...document, $id: "openapi.json" });
  const pointer = (...parts: string[]) =>
    parts.map((part) => part.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
  return {
    async onResponse({ request, response, schemaPath }) {
      const label = `${request.method} ${schemaPath} → ${response.status}`;
      const method = request.method.toLowerCase();
      // A response is declared in place, or referenced from components.responses (the problems).
      const inPlace = document.paths[schemaPath]?.[method]?.responses[String(response.status)];
      const component = inPlace?.$ref?.replace("#/components/responses/", "");
      const declared = component ? document.components?.responses?.[component] : inPlace;
      const where = component
        ? ["components", "responses", component]
        : ["paths", schemaPath, method, "responses", String(response.status)];
      if (!declared) {
        violations.push(`${label}: status not in the document`);
        return;
      }
      const type = response.headers.get("content-type")?.split(";")[0] ?? "";
      if (!declared.content) {
        if (type) violations.push(`${label}: a body (${type}) where the document declares none`);
        return;
      }
      if (!declared.content[type]) {
        violations.push(`${label}: content type ${type} not in the document`);
        return;
      }
      const ref = `openapi.json#/${pointer(...where, "content", type, "schema")}`;
      const validate = ajv.getSchema(ref) ?? ajv.compile({ $ref: ref });
      if (!validate(await response.clone().json())) violations.push(`${label}: ${ajv.errorsText(validate.errors)}`);
    },
  };
}

/** What client/users.ts reports of its walk through the users CRUD. */
interface Walk {
  created: { status: number; user: { id: number; email: string }; location: string | null };
  duplicate: unknown;
  signedOut: unknown;
  me: unknown;
  read: unknown;
  renamed: unknown;
  notAdmin: unknown;
  emails: string[];
  tooLarge: unknown;
  deleted: number;
  gone: unknown;
}

describe("a typed client generated from the served document (openapi-typescript + openapi-fetch)", () => {
  it("type-checks with tsc --strict in natural code and drives the users CRUD against the real server", async () => {
    const url = inject("apiUrl");
    const document = (await (await fetch(`${url}/api/v1/openapi.json`)).json()) as Document;

    await mkdir(path.join(CLIENT_DIR, "generated"), { recursive: true });
    const types = astToString(await openapiTS(document as never));
    await writeFile(path.join(CLIENT_DIR, "generated/api.ts"), types);
    const compiled = await promisify(execFile)(process.execPath, [TSC, "-p", CLIENT_DIR]).catch(
      (error: { stdout: string; stderr: string }) => error,
    );
    expect(`${compiled.stdout}${compiled.stderr}`).toBe("");

    const violations: string[] = [];
    // Loaded by path: the module exists once its types are generated, so the package's own
    // typecheck (which runs before any test) must not follow this import.
    const { walkThroughUsers } = (await import(pathToFileURL(path.join(CLIENT_DIR, "users.ts")).href)) as {
      walkThroughUsers(baseUrl: string, middleware: Middleware): Promise<Walk>;
    };
    const result = await walkThroughUsers(url, validatingMiddleware(document, violations));
    expect(violations).toEqual([]);
    expect(result.created).toMatchObject({
      status: 201,
      user: { email: "grace@example.org", name: "Grace" },
      location: `/api/v1/users/${result.created.user.id}`,
    });
    expect(result.duplicate).toEqual({
      status: 409,
      type: "urn:problem:conflict",
      detail: "A user with this email already exists",
    });
    expect(result.signedOut).toEqual({ status: 401, authenticate: 'Bearer realm="api"' });
    expect(result.me).toBe("grace@example.org");
    expect(result.read).toEqual(result.created.user);
    expect(result.renamed).toBe("Grace Hopper");
    expect(result.notAdmin).toEqual({ status: 403, type: "urn:problem:forbidden" });
    expect(result.emails).toContain("grace@example.org");
    expect(result.tooLarge).toEqual({ status: 400, errors: ["limit"] });
    expect(result.deleted).toBe(204);
    expect(result.gone).toEqual({ status: 404, title: "Not Found" });
  });
});
