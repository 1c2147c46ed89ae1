// `pnpm test:generators`: runs `pnpm gen` and `pnpm rename` in throwaway copies of the repository
// and proves the results typecheck and pass their tests. A copy is every file git knows (tracked,
// or new and not ignored) plus its own `pnpm install`, which links from the pnpm store (~2 s).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { stripVTControlCharacters } from "node:util";

const ROOT = path.resolve(import.meta.dirname, "../..");
// CI=true: no git hooks installed in the copies, and installs keep to the lockfile.
const { FORCE_COLOR: _color, ...inherited } = process.env;
const ENV = { ...inherited, CI: "true", NO_COLOR: "1", TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" };
const copies: string[] = [];
after(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

function run(cwd: string, command: string, ...args: string[]) {
  const result = spawnSync(command, args, { cwd, env: ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const output = stripVTControlCharacters(`${result.stdout}${result.stderr}`);
  return { ok: result.status === 0, output };
}

function ok(cwd: string, command: string, ...args: string[]): string {
  const { ok, output } = run(cwd, command, ...args);
  assert.ok(ok, `\`${command} ${args.join(" ")}\` failed in ${cwd}:\n${output}`);
  return output;
}

const gitFiles = (dir: string) =>
  ok(dir, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    .split("\0")
    .filter((file) => file && existsSync(path.join(dir, file)) && statSync(path.join(dir, file)).isFile());

/** A fresh git repository holding every file git knows here, its dependencies installed or not. */
function copyRepository({ install }: { install: boolean }): string {
  const dir = mkdtempSync(path.join(tmpdir(), "generators-"));
  copies.push(dir);
  for (const file of gitFiles(ROOT)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  ok(dir, "git", "init", "-q");
  if (install) ok(dir, "pnpm", "install", "--frozen-lockfile", "--prefer-offline");
  return dir;
}

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), "utf8");

describe("pnpm gen", () => {
  it("route widgets and package feature-flags: generated code typechecks, lints and passes its tests", () => {
    const dir = copyRepository({ install: true });
    ok(dir, "pnpm", "gen", "route", "widgets");
    ok(dir, "pnpm", "gen", "package", "feature-flags");

    // One import and one line in routes/index.ts; app.ts is never touched.
    const routes = read(dir, "apps/api/src/routes/index.ts");
    assert.match(routes, /import \{ widgetsRoutes \} from "\.\/widgets\/routes\.ts";/);
    assert.match(routes, /usersRoutes,\n\s*widgetsRoutes,\n\s*\/\/ gen:routes/);
    assert.equal(read(dir, "apps/api/src/app.ts"), read(ROOT, "apps/api/src/app.ts"));
    const scope = JSON.parse(read(dir, "apps/api/package.json")).name.split("/")[0];
    assert.equal(JSON.parse(read(dir, "packages/feature-flags/package.json")).name, `${scope}/feature-flags`);

    const generated = ["apps/api/src/routes/widgets", "apps/api/test/widgets.test.ts", "packages/feature-flags"];
    ok(dir, "pnpm", "exec", "biome", "check", "apps/api/src/routes/index.ts", ...generated);
    ok(path.join(dir, "apps/api"), "pnpm", "exec", "tsc", "--noEmit");
    ok(path.join(dir, "packages/feature-flags"), "pnpm", "exec", "tsc", "--noEmit");
    // The new tests (their last proves the route is in the OpenAPI document with its statuses), and
    // the OpenAPI test: every served operation is documented.
    const api = ok(
      path.join(dir, "apps/api"),
      "pnpm",
      "exec",
      "vitest",
      "run",
      "test/widgets.test.ts",
      "test/openapi.test.ts",
    );
    assert.match(api, /Test Files\s+2 passed/);
    assert.match(ok(path.join(dir, "packages/feature-flags"), "pnpm", "exec", "vitest", "run"), /Tests\s+2 passed/);

    // Refused with a clear message: an existing route or package, a name that is not kebab-case.
    for (const [args, message] of [
      [["route", "widgets"], /routes\/widgets already exists/],
      [["route", "users"], /routes\/users already exists/],
      [["route", "OrderItems"], /must be kebab-case/],
      [["package", "feature-flags"], /packages\/feature-flags already exists/],
      [["package", "api"], /\/api already exists/],
    ] as const) {
      const result = run(dir, "pnpm", "gen", ...args);
      assert.equal(result.ok, false, `pnpm gen ${args.join(" ")} should fail`);
      assert.match(result.output, message);
    }
  });
});

describe("pnpm rename", () => {
  it("@acme acme-service: nothing of the old names is left, it is idempotent, and the result typechecks", () => {
    const dir = copyRepository({ install: false });
    const oldScope = JSON.parse(read(dir, "apps/api/package.json")).name.split("/")[0];
    const oldProject = JSON.parse(read(dir, "package.json")).name;
    assert.match(ok(dir, "pnpm", "rename", "@acme", "acme-service"), /files changed/);

    const left = gitFiles(dir).filter((file) => {
      const text = read(dir, file);
      return text.includes(`${oldScope}/`) || new RegExp(`${oldScope}\\b|${oldProject}`).test(text);
    });
    assert.deepEqual(left, []);
    assert.equal(JSON.parse(read(dir, "package.json")).name, "acme-service");
    assert.equal(JSON.parse(read(dir, "packages/config/package.json")).name, "@acme/config");
    assert.match(read(dir, "compose.yaml"), /^name: acme-service$/m);
    assert.match(read(dir, "compose.yaml"), /image: acme-service-nginx:/);
    assert.match(read(dir, "docker/api.Dockerfile"), /--filter "@acme\/api\.\.\."/);

    assert.match(ok(dir, "pnpm", "rename", "@acme", "acme-service"), /Nothing to change/);
    const refused = run(dir, "pnpm", "rename", "@Acme!");
    assert.equal(refused.ok, false);
    assert.match(refused.output, /not a valid npm scope/);

    ok(dir, "pnpm", "install", "--frozen-lockfile", "--prefer-offline");
    ok(dir, "pnpm", "typecheck");
  });
});
