import { type Config, ConfigError, loadConfig } from "@repo/config";

/**
 * The process's configuration, from its real environment. A bad one stops the process with the
 * one message that names every bad variable, and exit code 1: no stack, no half-started server.
 */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
