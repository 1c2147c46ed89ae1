// node docker/prune-runtime-deps.mjs <app dir>
//
// Leaves in <app dir>/node_modules (a `pnpm deploy --prod` output) only the packages the bundles
// load at run time, as rolldown listed them in <app dir>/bundle/externals.json (what it left
// external, and what the code locates with import.meta.resolve: see apps/api/rolldown.config.ts),
// and everything those depend on. The rest (the dependencies rolldown inlined into the bundles)
// is never loaded in the image. Fails when a listed package is not in node_modules, so a new
// external cannot go missing.
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import path from "node:path";

const app = path.resolve(process.argv[2] ?? ".");
const nodeModules = path.join(app, "node_modules");
const store = path.join(nodeModules, ".pnpm");

/** The names of the packages in a node_modules folder (scoped ones as @scope/name). */
const entries = (dir) =>
  readdirSync(dir)
    .filter((name) => name !== ".pnpm" && !name.startsWith("."))
    .flatMap((name) =>
      name.startsWith("@") ? readdirSync(path.join(dir, name)).map((sub) => `${name}/${sub}`) : [name],
    );
/** .pnpm/<id> of a package folder inside the store. */
const storeEntry = (dir) => path.relative(store, dir).split(path.sep)[0];

const manifest = JSON.parse(readFileSync(path.join(app, "bundle", "externals.json"), "utf8"));
const named = new Set(manifest.load);
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
if (manifest.unresolved.length > 0)
  console.log(`not installed, imported only if present: ${manifest.unresolved.join(" ")}`);
console.log(`kept ${keep.size} of ${all.length} packages in node_modules/.pnpm`);
