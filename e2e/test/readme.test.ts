// The README's quick start is executable truth: its "Try it" commands, parsed from README.md and
// run by bash against a fresh development server (contract/test/global-setup.ts: the development
// profile, a new PGlite folder, migrated and seeded on start, as `pnpm dev` makes it). Only the
// address changes: the server listens on a free port, not 3000.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";

const README = path.resolve(import.meta.dirname, "../../README.md");

/** The first ```sh block after "Try it" in the quick start. */
async function tryIt(): Promise<string> {
  const text = await readFile(README, "utf8");
  const quickStart = text.slice(text.indexOf("## Quick start"), text.indexOf("## Layout"));
  const block = /Try it:\s*```sh\n([\s\S]*?)```/.exec(quickStart)?.[1];
  if (!block) throw new Error('README.md has no "Try it:" sh block in its quick start');
  return block;
}

describe("README.md", () => {
  it("its quick-start commands work as written on a fresh database", async () => {
    const commands = await tryIt();
    expect(commands).toContain("http://127.0.0.1:3000/");
    const address = new URL(inject("apiUrl")).host;
    const script = commands.replaceAll("127.0.0.1:3000", address);
    const { stdout } = await promisify(execFile)("bash", ["-euo", "pipefail", "-c", script], {
      env: { PATH: process.env.PATH ?? "" },
    });
    const statuses = [...stdout.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
    const curls = commands.split("\n").filter((line) => line.startsWith("curl -i")).length;
    // health 200, sign-up 201, the admin's list 200: each `curl -i` answered with a success.
    expect(statuses).toHaveLength(curls);
    expect(
      statuses.every((status) => status >= 200 && status < 300),
      String(statuses),
    ).toBe(true);
    expect(stdout).toContain('"email":"you@example.com"');
    expect(stdout).toContain('"email":"admin@example.com"');
  });
});
