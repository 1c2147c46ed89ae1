import { execFileSync } from "node:child_process";
import path from "node:path";

// Tests of the production build run bundle/server.js: build it (and the packages it loads from
// dist/) first. Turbo's cache makes this a second or two when nothing changed.
export default function buildProduction() {
  execFileSync("pnpm", ["exec", "turbo", "run", "build", "--filter=@repo/api...", "--output-logs=errors-only"], {
    cwd: path.resolve(import.meta.dirname, "../../../.."),
    stdio: "inherit",
  });
}
