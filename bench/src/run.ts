import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { median } from "./shared.ts";

/**
 * `pnpm bench`: every figure is a ratio of contenders measured in this run, interleaved
 * (A B A B …) over several rounds, median reported — the machine is shared and noisy.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const SECRET = "bench-secret-key-that-is-long-enough-for-production";
const node = process.execPath;
/** What `pnpm start` and the Docker image run: the built server with the tracing preload. */
const API_START = ["--import", "./apps/api/bundle/instrumentation.js", "apps/api/bundle/server.js"];
/** The same server unbundled (tsc's output), to show what the bundle saves at start-up. */
const API_START_UNBUNDLED = ["--import", "./apps/api/dist/instrumentation.js", "apps/api/dist/server.js"];

interface Server {
  url: string;
  child: ChildProcess;
  /** Sent with every request of the load, e.g. a session's Authorization. */
  headers?: Record<string, string>;
}

interface Contender {
  name: string;
  path: string;
  start(port: number): Promise<Server>;
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

// Below Linux's ephemeral range (32768+), so no client socket (e.g. a pool's) holds the next port.
let nextPort = 21_100;

async function waitFor200(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`no 200 from ${url} within ${timeoutMs} ms`);
}

function spawnServer(args: string[], env: Record<string, string>, port: number, readyPath: string) {
  const child = spawn(node, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", process.env.BENCH_VERBOSE ? "inherit" : "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const ready = waitFor200(`${url}${readyPath}`).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  return { child, url, ready };
}

const apiEnv = (port: number, databaseUrl?: string, pgliteDir?: string): Record<string, string> => ({
  APP_ENV: "production",
  SECRET_KEY: SECRET,
  HOST: "127.0.0.1",
  PORT: String(port),
  LOG_LEVEL: "info",
  // High enough never to answer 429 during a run, low enough that the limiter does its work.
  RATE_LIMIT_MAX: "1000000",
  PGLITE_DATA_DIR: pgliteDir ?? mkdtempSync(path.join(tmpdir(), "bench-pglite-")),
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
});

/** An account to sign in as before the load (the route needs a session), made by `users create-admin`. */
interface SignIn {
  email: string;
  password: string;
}

function fullApp(
  name: string,
  urlPath: string,
  databaseUrl?: string,
  env: Record<string, string> = {},
  signIn?: SignIn,
): Contender {
  return {
    name,
    path: urlPath,
    async start(port) {
      const server = spawnServer(API_START, { ...apiEnv(port, databaseUrl), ...env }, port, "/api/v1/ready");
      await server.ready;
      if (!signIn) return server;
      const res = await fetch(`${server.url}/api/v1/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(signIn),
      });
      if (res.status !== 201) throw new Error(`sign-in for the load: ${res.status} ${await res.text()}`);
      const { token } = (await res.json()) as { token: string };
      return { ...server, headers: { authorization: `Bearer ${token}` } };
    },
  };
}

function script(name: string, file: string, urlPath: string, extraArgs: string[] = []): Contender {
  return {
    name,
    path: urlPath,
    async start(port) {
      const server = spawnServer([file, String(port), ...extraArgs], {}, port, urlPath);
      await server.ready;
      return server;
    },
  };
}

async function load(url: string, headers: Record<string, string> = {}): Promise<Sample> {
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION_S, pipelining: 1 });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

/** Runs the contenders side by side: all started once, then ROUNDS interleaved loads. */
async function compare(contenders: Contender[]) {
  const servers: Server[] = [];
  const samples = new Map<string, Sample[]>(contenders.map((contender) => [contender.name, []]));
  try {
    for (const contender of contenders) servers.push(await contender.start(nextPort++));
    for (const [i, contender] of contenders.entries()) {
      await load(`${servers[i]?.url}${contender.path}`, servers[i]?.headers); // warm-up
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, contender] of contenders.entries()) {
        samples.get(contender.name)?.push(await load(`${servers[i]?.url}${contender.path}`, servers[i]?.headers));
      }
    }
  } finally {
    for (const server of servers) server.child.kill("SIGKILL");
  }
  return contenders.map((contender) => {
    const runs = samples.get(contender.name) ?? [];
    return {
      name: contender.name,
      path: contender.path,
      rps: Math.round(median(runs.map((run) => run.rps))),
      p50: median(runs.map((run) => run.p50)),
      p99: median(runs.map((run) => run.p99)),
      errors: runs.reduce((sum, run) => sum + run.errors, 0),
      rounds: runs.map((run) => Math.round(run.rps)),
    };
  });
}

interface StartVariant {
  name: string;
  start: string[];
  databaseUrl?: string;
}

/**
 * Spawn → first 200 on /api/v1/ready, then idle RSS one second later; the variants interleaved,
 * median of ROUNDS. PGlite starts on a data folder `db migrate` created and migrated first (a
 * first boot runs initdb).
 */
async function coldStarts(variants: StartVariant[]) {
  const samples = new Map(variants.map((variant) => [variant.name, { ms: [] as number[], rss: [] as number[] }]));
  const pgliteDirs = new Map<string, string>();
  for (const variant of variants) {
    if (variant.databaseUrl) continue;
    const dir = mkdtempSync(path.join(tmpdir(), "bench-pglite-"));
    pgliteDirs.set(variant.name, dir);
    // Production never migrates on start, and is not ready until migrated: the release step.
    cli(["db", "migrate"], { PGLITE_DATA_DIR: dir });
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of variants) {
      const port = nextPort++;
      const env = apiEnv(port, variant.databaseUrl, pgliteDirs.get(variant.name));
      const started = performance.now();
      const server = spawnServer(variant.start, env, port, "/api/v1/ready");
      await server.ready;
      const sample = samples.get(variant.name);
      sample?.ms.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const status = readFileSync(`/proc/${server.child.pid}/status`, "utf8");
      sample?.rss.push(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
      server.child.kill("SIGTERM");
      await new Promise((resolve) => server.child.once("exit", resolve));
    }
  }
  return Object.fromEntries(
    [...samples].map(([name, { ms, rss }]) => [name, { ms: Math.round(median(ms)), rssMb: Math.round(median(rss)) }]),
  );
}

function startPostgres(): string | undefined {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  try {
    return execFileSync("scripts/pg-local.sh", ["start"], {
      cwd: ROOT,
      env: { ...process.env, PG_LOCAL_PORT: "55499" },
    })
      .toString()
      .trim();
  } catch {
    console.warn("PostgreSQL not available (apt-get install postgresql): skipping the database contenders");
    return undefined;
  }
}

/** The built CLI as production runs it, on the database `env` names (DATABASE_URL or PGLITE_DATA_DIR). */
function cli(args: string[], env: Record<string, string>, input?: string): string {
  return execFileSync(node, ["apps/api/dist/cli.js", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", APP_ENV: "production", SECRET_KEY: SECRET, ...env },
    ...(input === undefined ? {} : { input }),
  }).toString();
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);

async function main() {
  console.log(`bench: ${ROUNDS} rounds × ${DURATION_S}s, ${CONNECTIONS} connections, interleaved; medians`);
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      memGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    settings: { rounds: ROUNDS, durationS: DURATION_S, connections: CONNECTIONS },
  };

  const databaseUrl = startPostgres();
  try {
    // Migrated first: the production app is not ready (503) on a database with migrations pending.
    if (databaseUrl) cli(["db", "migrate"], { DATABASE_URL: databaseUrl });
    const http = await compare([
      fullApp("full app (production)", "/api/v1/health", databaseUrl),
      // The same app with its per-request access log line off: what that line costs.
      fullApp("full app, LOG_LEVEL=warn", "/api/v1/health", databaseUrl, { LOG_LEVEL: "warn" }),
      script("bare express", "bench/servers/express.ts", "/api/v1/health"),
      script("node:http", "bench/servers/node-http.ts", "/api/v1/health"),
    ]);
    report.http = http;
    const [full, quiet, bare, raw] = http;
    report.ratios = {
      fullOverExpress: (full?.rps ?? 0) / (bare?.rps ?? 1),
      fullNoAccessLogOverExpress: (quiet?.rps ?? 0) / (bare?.rps ?? 1),
      expressOverNodeHttp: (bare?.rps ?? 0) / (raw?.rps ?? 1),
      fullOverNodeHttp: (full?.rps ?? 0) / (raw?.rps ?? 1),
    };

    if (databaseUrl) {
      // The user the load reads is the one it is signed in as: a user reads their own account.
      const account = { email: "bench@example.com", password: "the benchmark's password" };
      cli(
        ["users", "create-admin", account.email, "--password-stdin"],
        { DATABASE_URL: databaseUrl },
        account.password,
      );
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      const id = (await client.query<{ id: number }>("SELECT id FROM users WHERE email = $1", [account.email])).rows[0]
        ?.id;
      await client.end();
      const db = await compare([
        script("prisma, bare handler", "bench/servers/prisma.ts", `/api/v1/users/${id}`, [databaseUrl]),
        script("raw pg, bare handler", "bench/servers/pg.ts", `/api/v1/users/${id}`, [databaseUrl]),
        fullApp("full app (production), signed in", `/api/v1/users/${id}`, databaseUrl, {}, account),
      ]);
      report.db = db;
      const ratios = report.ratios as Record<string, number>;
      ratios.prismaOverPg = (db[0]?.rps ?? 0) / (db[1]?.rps ?? 1);
      ratios.fullUsersOverPg = (db[2]?.rps ?? 0) / (db[1]?.rps ?? 1);
    }

    report.coldStart = await coldStarts([
      { name: "pglite", start: API_START },
      ...(databaseUrl
        ? [
            { name: "postgres", start: API_START, databaseUrl },
            { name: "postgres, unbundled (dist/)", start: API_START_UNBUNDLED, databaseUrl },
          ]
        : []),
    ]);
  } finally {
    if (databaseUrl && !process.env.BENCH_DATABASE_URL) {
      execFileSync("scripts/pg-local.sh", ["stop"], { cwd: ROOT, env: { ...process.env, PG_LOCAL_PORT: "55499" } });
    }
  }

  if (process.env.BENCH_SKIP_TESTS !== "1") {
    // A failing suite is reported with its time, not a reason to lose the figures above.
    const started = performance.now();
    const run = spawnSync("pnpm", ["turbo", "run", "test", "--force", "--output-logs=errors-only"], {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit"],
    });
    report.testSuiteSeconds = Number(((performance.now() - started) / 1000).toFixed(1));
    report.testSuitePassed = run.status === 0;
  }

  printReport(report);
  mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(path.join(ROOT, "bench/results/latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.log("\nwrote bench/results/latest.json");
}

function printReport(report: Record<string, unknown>) {
  type Row = { name: string; path: string; rps: number; p50: number; p99: number; errors: number };
  const rows = [...((report.http as Row[]) ?? []), ...((report.db as Row[]) ?? [])];
  console.log("\n| contender | path | req/s | p50 ms | p99 ms | errors |\n|---|---|---:|---:|---:|---:|");
  for (const row of rows) {
    console.log(`| ${row.name} | \`${row.path}\` | ${row.rps} | ${row.p50} | ${row.p99} | ${row.errors} |`);
  }
  const ratios = report.ratios as Record<string, number>;
  console.log("\n| ratio | value | target |\n|---|---:|---:|");
  console.log(`| full app ÷ bare Express | ${fmt(ratios.fullOverExpress ?? 0)} | ≥ 1.00 |`);
  console.log(`| full app without access log ÷ bare Express | ${fmt(ratios.fullNoAccessLogOverExpress ?? 0)} | — |`);
  console.log(`| bare Express ÷ node:http | ${fmt(ratios.expressOverNodeHttp ?? 0)} | — |`);
  console.log(`| full app ÷ node:http | ${fmt(ratios.fullOverNodeHttp ?? 0)} | — |`);
  if (ratios.prismaOverPg !== undefined) {
    console.log(`| Prisma ÷ raw pg (bare handlers) | ${fmt(ratios.prismaOverPg)} | ≥ 0.80 |`);
    console.log(`| full app users/:id ÷ raw pg | ${fmt(ratios.fullUsersOverPg ?? 0)} | — |`);
  }
  const cold = report.coldStart as Record<string, { ms: number; rssMb: number }>;
  console.log("\n| cold start (built JS) | spawn → first 200 on /ready | idle RSS |\n|---|---:|---:|");
  for (const [mode, value] of Object.entries(cold)) console.log(`| ${mode} | ${value.ms} ms | ${value.rssMb} MB |`);
  if (report.testSuiteSeconds !== undefined)
    console.log(
      `\nwhole test suite (turbo --force): ${report.testSuiteSeconds} s${report.testSuitePassed ? "" : " (FAILED: see its output above)"}`,
    );
}

await main();
