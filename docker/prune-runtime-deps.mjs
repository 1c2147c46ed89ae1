// node docker/prune-runtime-deps.mjs <app dir>
//
// Leaves in <app dir>/node_modules (a `pnpm deploy --prod` output) only the packages that the
// bundles in <app dir>/bundle name — import, import(), require(), require.resolve() of a bare
// specifier, i.e. what rolldown left external — and everything those depend on. The rest (the
// dependencies rolldown inlined into the bundles) is never loaded in the image. Fails when a
// bundle names a package node_modules does not have, so a new external cannot go missing.
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";

const app = path.resolve(process.argv[2] ?? ".");
const nodeModules = path.join(app, "node_modules");
const store = path.join(nodeModules, ".pnpm");
// A bare specifier: a package name (npm's characters), optionally @scoped, then maybe a subpath.
const SPECIFIER =
  /(?:\bfrom\s*|\bimport\s*\(?\s*|require(?:\.resolve)?\s*\(\s*)["']((?:@[\w.-]+\/)?\w[\w.-]*(?:\/[^"'\s]*)?)["']/g;

const packageName = (specifier) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");
/** The names of the packages in a node_modules folder (scoped ones as @scope/name). */
const entries = (dir) =>
  readdirSync(dir)
    .filter((name) => name !== ".pnpm" && !name.startsWith("."))
    .flatMap((name) =>
      name.startsWith("@") ? readdirSync(path.join(dir, name)).map((sub) => `${name}/${sub}`) : [name],
    );
/** .pnpm/<id> of a package folder inside the store. */
const storeEntry = (dir) => path.relative(store, dir).split(path.sep)[0];

const named = new Set();
for (const file of readdirSync(path.join(app, "bundle")).filter((name) => name.endsWith(".js"))) {
  for (const [, specifier] of readFileSync(path.join(app, "bundle", file), "utf8").matchAll(SPECIFIER)) {
    if (!isBuiltin(specifier)) named.add(packageName(specifier));
  }
}
const missing = [...named].filter((name) => !existsSync(path.join(nodeModules, name)));
if (missing.length > 0) {
  console.error(`the bundles load ${missing.join(", ")}, which node_modules does not have`);
  process.exit(1);
}

// Walk the store from those packages: a package's dependencies are the links beside it.
const keep = new Set();
const queue = [...named].map((name) => realpathSync(path.join(nodeModules, name)));
while (queue.length > 0) {
  const dir = queue.pop();
  const id = storeEntry(dir);
  if (keep.has(id)) continue;
  keep.add(id);
  const siblings = path.join(store, id, "node_modules");
  for (const name of entries(siblings)) queue.push(realpathSync(path.join(siblings, name)));
}

for (const name of entries(nodeModules))
  if (!named.has(name)) rmSync(path.join(nodeModules, name), { recursive: true });
for (const scope of readdirSync(nodeModules).filter((name) => name.startsWith("@"))) {
  if (readdirSync(path.join(nodeModules, scope)).length === 0)
    rmSync(path.join(nodeModules, scope), { recursive: true });
}
const all = readdirSync(store).filter((name) => name !== "node_modules");
for (const id of all) if (!keep.has(id)) rmSync(path.join(store, id), { recursive: true });
// pnpm's hidden hoisting folder: drop the links into what was removed.
const hoisted = path.join(store, "node_modules");
if (existsSync(hoisted)) {
  for (const name of entries(hoisted)) {
    const link = path.join(hoisted, name);
    if (lstatSync(link).isSymbolicLink() && !existsSync(link)) rmSync(link);
  }
}
console.log(`runtime packages: ${[...named].sort().join(" ")}`);
console.log(`kept ${keep.size} of ${all.length} packages in node_modules/.pnpm`);
