import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { type AddressInfo, createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const API_DIR = path.resolve(import.meta.dirname, "../..");
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A free loopback port (bound once, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls until `check` returns a value other than undefined; throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

// ---- PostgreSQL: a throwaway server of our own, on a free loopback port -------------------------

const PG_BIN = (() => {
  const versions = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").sort() : [];
  const found = versions.reverse().find((v) => existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`));
  return found ? `/usr/lib/postgresql/${found}/bin` : undefined;
})();
export const HAS_POSTGRES = PG_BIN !== undefined;

/** PostgreSQL refuses to run as root: as root, run its tools as the `postgres` user. */
async function asOwner(command: string, args: string[]) {
  const bin = path.join(String(PG_BIN), command);
  if (process.getuid?.() !== 0) return run(bin, args);
  const { stdout } = await run("id", ["-u", "postgres"]);
  const uid = Number(stdout.trim());
  const { stdout: gidOut } = await run("id", ["-g", "postgres"]);
  return run(bin, args, { uid, gid: Number(gidOut.trim()), cwd: "/tmp" });
}

export interface Postgres {
  port: number;
  /** postgres://app:<password>@127.0.0.1:<port>/app */
  url: string;
  password: string;
  /** Creates another (empty) database owned by `app`; resolves with its URL. */
  createDatabase(name: string): Promise<string>;
  /** Drops a database under whoever is connected to it. */
  dropDatabase(name: string): Promise<void>;
  stop(mode: "fast" | "immediate"): Promise<void>;
  start(): Promise<void>;
  /** Stops it (if running) and deletes its data. */
  destroy(): Promise<void>;
}

export async function startPostgres(): Promise<Postgres> {
  if (!PG_BIN) throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql");
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), "faults-pg-"));
  if (process.getuid?.() === 0) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    chownSync(dir, Number(stdout.trim()), -1);
  }
  await asOwner("initdb", ["-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
  const start = async () => {
    await asOwner("pg_ctl", [
      "-D",
      dir,
      "-l",
      path.join(dir, "server.log"),
      "-w",
      "-t",
      "30",
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`,
      "start",
    ]);
  };
  const stop = async (mode: "fast" | "immediate") => {
    await asOwner("pg_ctl", ["-D", dir, "-m", mode, "-w", "-t", "30", "stop"]);
  };
  await start();
  const password = `pw-${Math.random().toString(36).slice(2)}-faults`;
  const psql = (sql: string) => asOwner("psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-qc", sql]);
  await psql(`CREATE ROLE app LOGIN PASSWORD '${password}'`);
  await psql("CREATE DATABASE app OWNER app");
  return {
    port,
    url: `postgres://app:${password}@127.0.0.1:${port}/app`,
    password,
    createDatabase: async (name) => {
      await psql(`CREATE DATABASE ${name} OWNER app`);
      return `postgres://app:${password}@127.0.0.1:${port}/${name}`;
    },
    dropDatabase: async (name) => {
      await psql(`DROP DATABASE ${name} WITH (FORCE)`);
    },
    stop,
    start,
    destroy: async () => {
      if (existsSync(path.join(dir, "postmaster.pid"))) await stop("immediate").catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Applies the migrations with the CLI (`pnpm cli db migrate`), as a release step would. */
export async function migrate(databaseUrl: string) {
  await run(process.execPath, ["--conditions=@repo/source", "src/cli.ts", "db", "migrate"], {
    cwd: API_DIR,
    env: { PATH: process.env.PATH ?? "", APP_ENV: "test", DATABASE_URL: databaseUrl },
  });
}

/**
 * An admin in the database `env` names (made by `pnpm cli users create-admin --password-stdin`, as
 * an operator would), signed in on the server at `url`: the headers to send as that admin.
 */
export async function signInAdmin(url: string, env: Record<string, string>): Promise<Record<string, string>> {
  const email = `admin-${Math.random().toString(36).slice(2)}@faults.test`;
  const password = "the fault tests' admin password";
  const child = spawn(
    process.execPath,
    ["--conditions=@repo/source", "src/cli.ts", "users", "create-admin", email, "--password-stdin"],
    { cwd: API_DIR, env: { PATH: process.env.PATH ?? "", APP_ENV: "test", ...env }, stdio: ["pipe", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  child.stdin?.end(password);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
  if (code !== 0) throw new Error(`users create-admin exited ${code}:\n${output}`);
  const signedIn = await call(url, "POST", "/api/v1/sessions", { email, password });
  if (signedIn.status !== 201) throw new Error(`admin sign-in: ${signedIn.status} ${JSON.stringify(signedIn.body)}`);
  return { authorization: `Bearer ${(signedIn.body as { token: string }).token}` };
}

// ---- the server process ---------------------------------------------------------------------------

export type LogLine = Record<string, unknown> & { msg?: string; pid?: number; level?: number };

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Every JSON log line written so far (all processes: the primary and its workers share stdout). */
  lines: LogLine[];
  /** stdout/stderr text that was not a JSON line. */
  other: string[];
  /** Everything written, raw: for searching secrets. */
  raw(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  waitForLine(what: string, match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  kill(signal: NodeJS.Signals): void;
}

const children = new Set<ChildProcess>();
/** Kills every server a test left running (call in afterEach). */
export function killLeftovers() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  children.clear();
}

export interface StartOptions {
  preload?: string;
  /** How many "listening" lines to wait for (one per worker). */
  listening?: number;
  /**
   * Run the production build as `pnpm start` and the image do (`node --import
   * ./bundle/instrumentation.js bundle/server.js`, APP_ENV=production) instead of the sources;
   * the faults config's global setup builds it first.
   */
  production?: boolean;
}

/** A SECRET_KEY production accepts (the value only has to be long and not the example's). */
const PRODUCTION_SECRET_KEY = "faults-production-secret-key-0123456789abcdef";

/**
 * Starts `node --conditions=@repo/source [--import preload] src/server.ts` (the TypeScript sources:
 * no build step), or the production build, with a clean environment plus `env`, and waits for
 * `listening` log lines.
 */
export async function startServer(
  env: Record<string, string>,
  { preload, listening = 1, production = false }: StartOptions = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const args = production
    ? ["--import", "./bundle/instrumentation.js", "bundle/server.js"]
    : ["--conditions=@repo/source", ...(preload ? ["--import", preload] : []), "src/server.ts"];
  const child = spawn(process.execPath, args, {
    cwd: API_DIR,
    env: {
      PATH: process.env.PATH ?? "",
      APP_ENV: production ? "production" : "test",
      ...(production ? { SECRET_KEY: PRODUCTION_SECRET_KEY } : {}),
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const lines: LogLine[] = [];
  const other: string[] = [];
  const chunks: string[] = [];
  const waiters = new Set<() => void>();
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let buffer = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      chunks.push(chunk);
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      for (const part of parts) {
        if (!part.trim()) continue;
        try {
          lines.push(JSON.parse(part) as LogLine);
        } catch {
          other.push(part);
        }
      }
      for (const wake of waiters) wake();
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.once("exit", (code, signal) => {
      resolve({ code, signal, at: performance.now() });
      for (const wake of waiters) wake();
    });
  });
  const waitForLine = (what: string, match: (line: LogLine) => boolean, timeoutMs = 20_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = lines.find(match);
        if (found) {
          cleanup();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          reject(new Error(`server exited while waiting for ${what}:\n${chunks.join("").slice(-3000)}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${chunks.join("").slice(-3000)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  await waitForLine(
    `${listening} "listening" line(s)`,
    () => lines.filter((line) => String(line.msg).startsWith("listening on")).length >= listening,
    60_000,
  );
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    port,
    lines,
    other,
    raw: () => chunks.join(""),
    exited,
    waitForLine,
    kill: (signal) => child.kill(signal),
  };
}

// ---- a plain HTTP client: one fresh connection per request, bounded in time -------------------------

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: unknown;
  ms: number;
  /** performance.now() when the request was sent. */
  at: number;
}

/** One request on a fresh connection (so cluster workers share the load); rejects on network errors. */
export function call(
  url: string,
  method: string,
  target: string,
  body?: unknown,
  { timeoutMs = 10_000, headers = {} }: { timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const at = performance.now();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}${target}`,
      {
        method,
        agent: false,
        timeout: timeoutMs,
        headers: {
          ...headers,
          ...(payload === undefined
            ? {}
            : { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) }),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {}
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, ms: performance.now() - at, at });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no reply within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}

export const isProblem = (reply: Reply, status: number) =>
  reply.status === status &&
  /^application\/problem\+json/.test(String(reply.headers["content-type"])) &&
  typeof (reply.body as { requestId?: unknown })?.requestId === "string" &&
  (reply.body as { status?: unknown }).status === status;
