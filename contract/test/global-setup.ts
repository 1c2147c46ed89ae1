import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type { TestProject } from "vitest/node";

const API_DIR = path.resolve(import.meta.dirname, "../../apps/api");

/**
 * One real API server for the run (src/server.ts on the TypeScript sources) on a free loopback
 * port, in the test profile: an in-memory PGlite of its own, and every reply checked against its
 * declaration (a reply the declaration does not describe is a 500).
 */
export default async function setup(project: TestProject) {
  const child: ChildProcess = spawn(process.execPath, ["--conditions=@repo/source", "src/server.ts"], {
    cwd: API_DIR,
    env: { PATH: process.env.PATH ?? "", APP_ENV: "test", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info" },
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
  return () => {
    child.kill("SIGTERM");
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    apiUrl: string;
  }
}
