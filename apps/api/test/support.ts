import { Writable } from "node:stream";
import { type ConfigInput, loadConfig } from "@repo/config";
import { type Extension, ExtensionRegistry } from "@repo/extensions";
import { createLogger } from "@repo/logger";
import { createApp } from "../src/app.ts";

export type LogLine = Record<string, unknown> & { msg?: string; requestId?: string };

/** A pino destination that keeps every JSON line, so tests can search the logs. */
export function captureLogs() {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  return { lines, destination };
}

export interface TestAppOptions {
  overrides?: ConfigInput;
  extensions?: Extension[];
}

/** A fully wired app on the test profile, its extensions started, its logs captured. No listening socket. */
export async function buildTestApp({ overrides = {}, extensions = [] }: TestAppOptions = {}) {
  const config = loadConfig({ profile: "test", env: {}, envDir: false, overrides });
  const { lines, destination } = captureLogs();
  const logger = createLogger({ level: "debug", destination });
  const registry = new ExtensionRegistry({ checkTimeoutMs: config.READY_TIMEOUT_MS }).register(...extensions);
  await registry.start();
  const app = createApp({ config, logger, registry });
  return { app, config, logger, registry, logs: lines };
}
