import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { access, cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../src/index.ts";

// One owner at a time for an on-disk PGlite folder, proven with real processes: a second
// process opening the folder under a running one used to make every write acknowledged
// after it vanish at the next restart (issue 15, item 1).

const FIXTURE = path.join(import.meta.dirname, "fixtures", "pglite-process.ts");
const children = new Set<ChildProcess>();
const folders: string[] = [];

afterEach(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.all([...children].map((child) => (child.exitCode === null ? once(child, "exit") : undefined)));
  children.clear();
  await Promise.all(folders.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

// One folder created and migrated once, copied for every test: the processes under test open an
// existing, up-to-date folder (as a restarted `pnpm dev` does) instead of each running initdb.
let template: string;
beforeAll(async () => {
  template = path.join(await mkdtemp(path.join(tmpdir(), "pglite-lock-template-")), "pglite");
  const db = createDb({ dataDir: template, poolMax: 1, timeoutMs: 5000, migrate: true });
  await db.start();
  await db.stop();
}, 180_000);
afterAll(() => rm(path.dirname(template), { recursive: true, force: true }));

async function dataDir(): Promise<string> {
  const parent = await mkdtemp(path.join(tmpdir(), "pglite-lock-"));
  folders.push(parent);
  const dir = path.join(parent, "pglite");
  await cp(template, dir, { recursive: true });
  return dir;
}

/** A child process holding the folder; `write` resolves once the insert was acknowledged. */
async function holder(dir: string) {
  const child = spawn(process.execPath, [FIXTURE, "hold", dir], { stdio: ["pipe", "pipe", "inherit"] });
  children.add(child);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (expected: string) => {
    const { value, done } = await lines.next();
    if (done || value !== expected) throw new Error(`holder said ${done ? "nothing (exited)" : JSON.stringify(value)}`);
  };
  await next("ready");
  return {
    pid: child.pid as number,
    async write(email: string) {
      child.stdin.write(`write ${email}\n`);
      await next(`wrote ${email}`);
    },
    async kill() {
      child.kill("SIGKILL");
      await once(child, "exit");
      children.delete(child);
    },
  };
}

/** `db status` in a process of its own: the JSON line it printed. */
async function status(dir: string): Promise<{ upToDate?: boolean; error?: string; message?: string }> {
  const child = spawn(process.execPath, [FIXTURE, "status", dir], { stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  await once(child, "exit");
  children.delete(child);
  return JSON.parse(output);
}

async function emails(dir: string): Promise<string[]> {
  const db = createDb({ dataDir: dir, poolMax: 1, timeoutMs: 5000 });
  await db.start();
  try {
    return (await db.client.user.findMany({ orderBy: { id: "asc" } })).map((user) => user.email);
  } finally {
    await db.stop();
  }
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

// Every test boots PGlite in two or three processes: a minute on a loaded machine.
describe("an on-disk PGlite folder has one owner at a time", { timeout: 180_000 }, () => {
  it("refuses a second process, naming the holder and the fix, before it writes anything", async () => {
    const dir = await dataDir();
    const a = await holder(dir);
    const refused = await status(dir);
    expect(refused.error).toBe("DatabaseLockedError");
    expect(refused.message).toContain(dir);
    expect(refused.message).toContain(`the test holder (pid ${a.pid})`);
    expect(refused.message).toContain(FIXTURE);
    expect(refused.message).toMatch(/since \d{4}-\d\d-\d\dT/);
    expect(refused.message).toContain(`Stop the test holder (pid ${a.pid}) first`);

    // In this process too, and a refused open with migrate and seed on changes nothing.
    const second = createDb({ dataDir: dir, poolMax: 1, timeoutMs: 5000, migrate: true, seedIfEmpty: true });
    await expect(second.start()).rejects.toMatchObject({ name: "DatabaseLockedError", holder: { pid: a.pid } });
    await second.stop();
    await a.kill();
    expect(await emails(dir)).toEqual([]);
  });

  it("the issue's reproduction: every write the holder acknowledged survives its SIGKILL", async () => {
    const dir = await dataDir();
    const a = await holder(dir);
    await a.write("a@example.com");
    expect((await status(dir)).error).toBe("DatabaseLockedError");
    await a.write("b@example.com");
    await a.kill();
    expect(await emails(dir)).toEqual(["a@example.com", "b@example.com"]);
  });

  it("recovers the lock a SIGKILLed holder left behind", async () => {
    const dir = await dataDir();
    const a = await holder(dir);
    await a.kill();
    expect(await exists(`${dir}.lock`)).toBe(true);
    expect(await status(dir)).toEqual({ upToDate: true });
  });

  it("releases the lock on stop: the next process opens at once", async () => {
    const dir = await dataDir();
    const db = createDb({ dataDir: dir, poolMax: 1, timeoutMs: 5000, migrate: true });
    await db.start();
    expect(await exists(`${dir}.lock`)).toBe(true);
    await db.stop();
    expect(await exists(`${dir}.lock`)).toBe(false);
    expect(await status(dir)).toEqual({ upToDate: true });
  });
});
