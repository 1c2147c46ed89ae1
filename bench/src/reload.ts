// `pnpm --filter @repo/bench reload`: how long `pnpm dev` takes from a saved source file to the
// next answer. Runs apps/api's dev runner (scripts/dev.ts) on a fresh PGlite folder and a free
// port, touches a route's service ROUNDS times, and times when the port stops answering and
// when GET /ping answers again; prints each round and the medians.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { median } from "./shared.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const API = path.join(ROOT, "apps/api");
const TOUCHED = path.join(API, "src/routes/examples/service.ts");
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const PORT = 21_900;
const url = `http://127.0.0.1:${PORT}/ping`;

const answers = async () => {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition: () => Promise<boolean>, limitMs: number) {
  const deadline = performance.now() + limitMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`not within ${limitMs} ms`);
    await sleep(10);
  }
}

const dataDir = mkdtempSync(path.join(tmpdir(), "bench-reload-"));
const dev = spawn(process.execPath, ["--conditions=@repo/source", "scripts/dev.ts"], {
  cwd: API,
  env: { PATH: process.env.PATH ?? "", PORT: String(PORT), PGLITE_DATA_DIR: dataDir, LOG_LEVEL: "warn" },
  stdio: ["ignore", "ignore", "inherit"],
});
try {
  await until(answers, 60_000); // the first start migrates and seeds the new folder
  const refused: number[] = [];
  const back: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await sleep(1000);
    const saved = performance.now();
    const now = new Date();
    utimesSync(TOUCHED, now, now);
    await until(async () => !(await answers()), 10_000);
    refused.push(performance.now() - saved);
    await until(answers, 30_000);
    back.push(performance.now() - saved);
    console.log(
      `round ${round + 1}: port refusing after ${refused.at(-1)?.toFixed(0)} ms, answering again after ${back.at(-1)?.toFixed(0)} ms`,
    );
  }
  console.log(
    `median of ${ROUNDS}: save → refusing ${median(refused).toFixed(0)} ms, save → new response ${median(back).toFixed(0)} ms`,
  );
} finally {
  if (dev.exitCode === null && dev.signalCode === null) {
    dev.kill("SIGTERM");
    await new Promise((resolve) => dev.once("exit", resolve));
  }
  rmSync(dataDir, { recursive: true, force: true });
}
