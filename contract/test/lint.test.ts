import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";

const CONTRACT_DIR = path.resolve(import.meta.dirname, "..");
const REDOCLY = path.join(
  path.dirname(createRequire(import.meta.url).resolve("@redocly/cli/package.json")),
  "bin/cli.js",
);

interface LintProblem {
  ruleId: string;
  severity: "error" | "warn";
  message: string;
}

describe("the served OpenAPI document", () => {
  it("passes `redocly lint` (recommended ruleset) with zero errors and zero warnings", async () => {
    const url = inject("apiUrl");
    const document = await (await fetch(`${url}/api/v1/openapi.json`)).text();
    const file = path.join(await mkdtemp(path.join(tmpdir(), "contract-")), "openapi.json");
    await writeFile(file, document);
    // redocly exits 1 when it finds errors; the JSON report on stdout is what this test reads.
    const { stdout } = await promisify(execFile)(process.execPath, [REDOCLY, "lint", file, "--format=json"], {
      cwd: CONTRACT_DIR,
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    }).catch((error: { stdout: string }) => error);
    const { problems } = JSON.parse(stdout) as { problems: LintProblem[] };
    expect(problems.map(({ ruleId, severity, message }) => `${severity} ${ruleId}: ${message}`)).toEqual([]);
  });
});
