// `pnpm rename <scope> [project-name]`, e.g. `pnpm rename @acme acme-service`: renames the
// workspace's package scope and the project's name in every file git knows (tracked, or new and
// not ignored: never node_modules, dist or generated code). Idempotent; prints what it changed.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
/** npm's rules for a scope: lowercase, URL-safe (letters, digits, `-`, `.`, `_`), not starting with `.` or `_`. */
const SCOPE = /^@[a-z0-9-][a-z0-9._-]{0,99}$/;
/** Valid as an npm package name, a Compose project name and a Docker image name alike. */
const PROJECT = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
const NEVER = /(^|\/)(node_modules|dist|generated|\.git)(\/|$)/;

function fail(message: string): never {
  console.error(`${message}\nusage: pnpm rename <@scope> [project-name]   e.g. pnpm rename @acme acme-service`);
  process.exit(2);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const readJson = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), "utf8"));

const [scopeArg, project, ...extra] = process.argv.slice(2);
if (!scopeArg || extra.length > 0) fail("give the new scope, and optionally the new project name");
const scope = scopeArg.startsWith("@") ? scopeArg : `@${scopeArg}`;
if (!SCOPE.test(scope)) fail(`"${scopeArg}" is not a valid npm scope (lowercase letters, digits, - . _; e.g. @acme)`);
if (project !== undefined && !PROJECT.test(project)) {
  fail(`"${project}" is not a valid project name (lowercase letters and digits, words joined by - or _)`);
}

const oldScope: string = readJson("apps/api/package.json").name.split("/")[0];
const oldProject: string = readJson("package.json").name;

let files: string[];
try {
  files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  })
    .split("\0")
    .filter((file) => file && !NEVER.test(file) && existsSync(path.join(ROOT, file)))
    .filter((file) => statSync(path.join(ROOT, file)).isFile());
} catch {
  fail("`git ls-files` failed: run it in a git checkout of the project (`git init` a downloaded copy first)");
}

// A scope that registry dependencies use (`@types`, `@prisma`…) would shadow them.
const external = readFileSync(path.join(ROOT, "pnpm-workspace.yaml"), "utf8");
if (scope !== oldScope && new RegExp(`^\\s*"?${escapeRegExp(scope)}/`, "m").test(external)) {
  fail(`${scope} is the scope of a dependency in pnpm-workspace.yaml's catalog: choose another`);
}

/** [pattern, replacement, only in these files] */
const rules: [RegExp, string, ((file: string) => boolean)?][] = [
  // The scope as a whole token: `<scope>/config`, `<scope>/source` (the export condition), `node_modules/<scope>`.
  [new RegExp(`(?<![\\w.@-])${escapeRegExp(oldScope)}(?![\\w.-])`, "g"), scope],
];
if (project !== undefined) {
  rules.push(
    [
      new RegExp(`^(\\s*"name":\\s*")${escapeRegExp(oldProject)}(")`, "m"),
      `$1${project}$2`,
      (file) => file === "package.json",
    ],
    [
      new RegExp(`^(name:\\s*)${escapeRegExp(oldProject)}[ \\t]*$`, "m"),
      `$1${project}`,
      (file) => /^compose[\w.-]*\.ya?ml$/.test(file),
    ],
    // Image and Compose project names: <project>-api, -nginx, -e2e (and `<project>-(api|nginx)` patterns).
    [new RegExp(`(?<![\\w.])${escapeRegExp(oldProject)}(?=-(?:api\\b|nginx\\b|e2e\\b|\\())`, "g"), project],
    // Kubernetes names made from the project (namespaces, the part-of label) in the manifests and docs.
    [
      new RegExp(`(?<![\\w.])${escapeRegExp(oldProject)}(?![\\w])`, "g"),
      project,
      (file) => /^(deploy|docs)\//.test(file),
    ],
  );
}

let changedFiles = 0;
for (const file of files) {
  const full = path.join(ROOT, file);
  const before = readFileSync(full);
  if (before.subarray(0, 8000).includes(0)) continue; // binary
  const text = before.toString("utf8");
  let after = text;
  let count = 0;
  for (const [pattern, replacement, only] of rules) {
    if (only && !only(file)) continue;
    after = after.replace(pattern, (...match) => {
      count += 1;
      return replacement.replace(/\$(\d)/g, (_, group) => String(match[Number(group)] ?? ""));
    });
  }
  if (after === text) continue;
  writeFileSync(full, after);
  changedFiles += 1;
  console.log(`${file}: ${count} replacement${count === 1 ? "" : "s"}`);
}

const what = [`${oldScope} → ${scope}`, ...(project === undefined ? [] : [`${oldProject} → ${project}`])].join(", ");
if (changedFiles === 0) console.log(`Nothing to change (${what}).`);
else console.log(`\n${what}: ${changedFiles} files changed. Next: pnpm install && pnpm typecheck && pnpm test`);
