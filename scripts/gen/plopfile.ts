// `pnpm gen route <name>` and `pnpm gen package <name>` (plop: https://plopjs.com). Templates
// are Handlebars files in ./templates; the output is formatted with Biome as the last step.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ActionType, NodePlopAPI } from "plop";

const ROOT = path.resolve(import.meta.dirname, "../..");
const TEMPLATES = path.join(import.meta.dirname, "templates");
const API = path.join(ROOT, "apps/api");
const ROUTES_TS = path.join(API, "src/routes/index.ts");
const MARKER = "// gen:routes";
const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8"));
/** The workspace scope (`@repo`), read from the API's package name: `pnpm rename` needs no change here. */
const scope: string = readJson(path.join(API, "package.json")).name.split("/")[0];

function kebab(kind: string, name: string): string | undefined {
  if (!KEBAB.test(name) || name.length > 50) {
    return `${kind} name "${name}" must be kebab-case: lowercase letters and digits in words joined by single dashes, starting with a letter, at most 50 characters (e.g. order-items)`;
  }
}

function validateRoute(name: string): true | string {
  const bad = kebab("route", name);
  if (bad) return bad;
  const routes = path.join(API, "src/routes");
  if (existsSync(path.join(routes, name))) return `apps/api/src/routes/${name} already exists`;
  if (existsSync(path.join(API, "test", `${name}.test.ts`))) return `apps/api/test/${name}.test.ts already exists`;
  if (!readFileSync(ROUTES_TS, "utf8").includes(MARKER)) {
    return `apps/api/src/routes/index.ts has no "${MARKER}" line to add the module above`;
  }
  for (const dir of readdirSync(routes)) {
    const module = path.join(routes, dir, "routes.ts");
    if (existsSync(module) && readFileSync(module, "utf8").match(new RegExp(`(prefix|path): "/${name}["/]`))) {
      return `"/${name}" is already a path of apps/api/src/routes/${dir}/routes.ts`;
    }
  }
  return true;
}

function validatePackage(name: string): true | string {
  const bad = kebab("package", name);
  if (bad) return bad;
  if (existsSync(path.join(ROOT, "packages", name))) return `packages/${name} already exists`;
  const workspaces = ["apps", "packages"].flatMap((dir) =>
    readdirSync(path.join(ROOT, dir)).map((sub) => path.join(dir, sub)),
  );
  for (const dir of [...workspaces, "bench", "e2e"]) {
    const manifest = path.join(ROOT, dir, "package.json");
    if (existsSync(manifest) && readJson(manifest).name === `${scope}/${name}`) {
      return `${scope}/${name} already exists (${dir})`;
    }
  }
  return true;
}

/** Adds one file per template of `templates/<kind>`, `[name]` in a template's path replaced. */
const addFiles = (kind: string, files: Record<string, string>): ActionType[] =>
  Object.entries(files).map(([template, target]) => ({
    type: "add",
    path: path.join(ROOT, target),
    templateFile: path.join(TEMPLATES, kind, template),
    abortOnFail: true,
  }));

/** Runs a command at the repository root; its output goes to the terminal, a failure fails the action. */
const run =
  (command: string, args: string[], what: string): ActionType =>
  () => {
    execFileSync(command, args, { cwd: ROOT, stdio: "inherit" });
    return what;
  };

const biome = (files: string[]) =>
  run(path.join(ROOT, "node_modules/.bin/biome"), ["check", "--write", ...files], "formatted with biome");

export default function generators(plop: NodePlopAPI) {
  plop.setGenerator("route", {
    description: "a route module in apps/api/src/routes/<name> and its test, listed in routes/index.ts: /api/v1/<name>",
    prompts: [
      { type: "input", name: "name", message: "route name (kebab-case, e.g. order-items)", validate: validateRoute },
    ],
    actions: (answers) => {
      const name = String(answers?.name);
      const dir = `apps/api/src/routes/${name}`;
      const test = `apps/api/test/${name}.test.ts`;
      return [
        ...addFiles("route", {
          "routes.ts.hbs": `${dir}/routes.ts`,
          "schemas.ts.hbs": `${dir}/schemas.ts`,
          "service.ts.hbs": `${dir}/service.ts`,
          "test.ts.hbs": test,
        }),
        {
          type: "modify",
          path: ROUTES_TS,
          pattern: /^import /m,
          template: 'import { {{camelCase name}}Routes } from "./{{name}}/routes.ts";\nimport ',
        },
        {
          type: "modify",
          path: ROUTES_TS,
          pattern: /^([ \t]*)(\/\/ gen:routes)/m,
          template: "$1{{camelCase name}}Routes,\n$1$2",
        },
        biome([dir, test, "apps/api/src/routes/index.ts"]),
      ];
    },
  });

  plop.setGenerator("package", {
    description: `a shared package packages/<name> (${scope}/<name>)`,
    prompts: [{ type: "input", name: "name", message: "package name (kebab-case)", validate: validatePackage }],
    actions: (answers) => {
      const dir = `packages/${String(answers?.name)}`;
      return [
        ...addFiles("package", {
          "package.json.hbs": `${dir}/package.json`,
          "tsconfig.json.hbs": `${dir}/tsconfig.json`,
          "tsconfig.build.json.hbs": `${dir}/tsconfig.build.json`,
          "vitest.config.ts.hbs": `${dir}/vitest.config.ts`,
          "README.md.hbs": `${dir}/README.md`,
          "index.ts.hbs": `${dir}/src/index.ts`,
          "index.test.ts.hbs": `${dir}/test/index.test.ts`,
        }),
        biome([dir]),
        // Links the new workspace package (its dependencies are catalog entries already in the lockfile).
        run("pnpm", ["install", "--no-frozen-lockfile", "--prefer-offline"], "pnpm install: linked"),
      ];
    },
  });

  plop.setWelcomeMessage("What to generate?");
  plop.setHelper("scope", () => scope);
}
