import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

const API_DIR = path.resolve(import.meta.dirname, "../../apps/api");

/**
 * One real API server for the run (src/server.ts on the TypeScript sources) on a free loopback
 * port, in the development profile, as `pnpm dev` runs it: migrated and seeded on start (the
 * client signs in as the seed's admin), on a PGlite folder of its own that is deleted afterwards.
 */
export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(path.join(tmpdir(), "contract-pglite-"));
  const child: ChildProcess = spawn(process.execPath, ["--conditions=@repo/source", "src/server.ts"], {
    cwd: API_DIR,
    env: {
      PATH: process.env.PATH ?? "",
      APP_ENV: "development",
      PGLITE_DATA_DIR: dataDir,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let buffer = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the API exited with ${code} before listening`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        const { url } = JSON.parse(line) as { url?: unknown };
        if (typeof url === "string") resolve(url);
      }
    });
  });
  project.provide("apiUrl", url);
  return async () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    apiUrl: string;
  }
}
