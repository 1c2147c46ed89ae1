import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { lockDataDir } from "@repo/db/testing";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const API_DIR = path.resolve(import.meta.dirname, "..");

/** Runs the CLI as `pnpm cli` does: Node on the TypeScript sources, in a clean test environment. */
async function cli(args: string[], env: Record<string, string> = {}, stdin?: string) {
  try {
    const running = run(process.execPath, ["--conditions=@repo/source", "src/cli.ts", ...args], {
      cwd: API_DIR,
      env: { PATH: process.env.PATH ?? "", APP_ENV: "test", ...env },
    });
    running.child.stdin?.end(stdin);
    const { stdout, stderr } = await running;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("cli", () => {
  it("hello greets", async () => {
    expect((await cli(["hello"])).stdout).toBe("Hello, world!\n");
    expect((await cli(["hello", "Ada"])).stdout).toBe("Hello, Ada!\n");
  });

  it("show-config prints the effective configuration with secrets redacted", async () => {
    const secret = "a-very-long-and-very-secret-key-value-123";
    const { code, stdout } = await cli(["show-config"], {
      SECRET_KEY: secret,
      PORT: "4321",
      DATABASE_URL: "postgres://app:hunter2@127.0.0.1:5432/app",
    });
    expect(code).toBe(0);
    const shown = JSON.parse(stdout);
    expect(shown).toMatchObject({ APP_ENV: "test", PORT: 4321, SECRET_KEY: "[redacted]" });
    expect(shown.DATABASE_URL).toBe("postgres://app:***@127.0.0.1:5432/app");
    expect(stdout).not.toContain(secret);
    expect(stdout).not.toContain("hunter2");
    // node-postgres also takes the password as a query parameter.
    const query = await cli(["show-config"], { DATABASE_URL: "postgres://app@h/db?password=hunter2" });
    expect(JSON.parse(query.stdout).DATABASE_URL).toBe("postgres://app@h/db?password=***");
    expect(query.stdout).not.toContain("hunter2");
  });

  it("show-config exits 1 with one message naming every bad variable", async () => {
    const { code, stdout, stderr } = await cli(["show-config"], { PORT: "x", LOG_LEVEL: "chatty" });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^Invalid configuration \(profile "test"\):\n {2}- PORT: .*\n {2}- LOG_LEVEL: .*\n$/);
  });

  it("users create-admin refuses what sign-up refuses, before it opens the database", async () => {
    const long = `${"a".repeat(300)}@example.com`; // z.email() alone takes it; sign-in never would
    const email = await cli(["users", "create-admin", long]);
    expect(email.code).toBe(1);
    expect(email.stderr).toBe(`"${long}" is not an email address of at most 254 characters\n`);
    const short = await cli(["users", "create-admin", "admin@example.com", "--password-stdin"], {}, "short");
    expect(short.code).toBe(1);
    expect(short.stderr).toBe("the password must be at least 8 characters\n");
  });

  it("routes lists every route with its method", async () => {
    const { stdout } = await cli(["routes"]);
    const lines = stdout
      .trim()
      .split("\n")
      .map((line) => line.split(/\s+/).join(" "));
    expect(lines).toEqual(
      expect.arrayContaining(["GET /", "GET /ping", "GET /compute", "GET /api/v1/health", "GET /api/v1/ready"]),
    );
  });

  // Boots PGlite and compiles the WASM schema engine in a CLI process: 6 s alone, 27 s with the
  // whole suite on a loaded machine, so the 30 s default was a coin toss there.
  it("db check passes on the committed schema and migrations", async () => {
    const { code, stdout } = await cli(["db", "check"]);
    expect(code).toBe(0);
    expect(stdout).toContain("agree");
  }, 120_000);

  it("db reset is refused in production", async () => {
    const { code, stderr } = await cli(["db", "reset"], { APP_ENV: "production", SECRET_KEY: "x".repeat(40) });
    expect(code).toBe(1);
    expect(stderr).toContain("refused in production");
  });

  it("db commands refuse a PGlite folder another process holds: exit 1, one message, no stack", async () => {
    const parent = await mkdtemp(path.join(tmpdir(), "cli-lock-"));
    const dataDir = path.join(parent, "pglite");
    // This process holds the folder's lock (as pnpm dev would), without booting a PGlite.
    const release = await lockDataDir(dataDir, { owner: "this test", onCompromised: () => {} });
    try {
      const { code, stdout, stderr } = await cli(["db", "status"], {
        APP_ENV: "development",
        PGLITE_DATA_DIR: dataDir,
      });
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr).toMatch(
        new RegExp(`^The embedded database ${dataDir} is in use by this test \\(pid ${process.pid}\\)`),
      );
      expect(stderr).toContain(`Stop this test (pid ${process.pid}) first`);
      expect(stderr).not.toMatch(/^\s+at /m);
    } finally {
      await release();
      await rm(parent, { recursive: true, force: true });
    }
  });

  it("db commands that cannot reach PostgreSQL: exit 1, one line naming host:port and DATABASE_URL", async () => {
    // A loopback port nothing listens on.
    const probe = createServer().listen(0, "127.0.0.1");
    await once(probe, "listening");
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { code, stdout, stderr } = await cli(["db", "status"], {
      DATABASE_URL: `postgresql://app:pw@127.0.0.1:${port}/app`,
    });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      `Cannot reach PostgreSQL at 127.0.0.1:${port} (DATABASE_URL). Is it running and accepting connections there? ` +
        "Start it, or remove DATABASE_URL to use the embedded database.\n",
    );
  });

  it("an unknown command fails with help", async () => {
    const { code, stderr } = await cli(["nope"]);
    expect(code).toBe(1);
    expect(stderr).toContain("unknown command 'nope'");
  });
});
