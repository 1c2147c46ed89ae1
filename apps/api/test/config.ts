import { type Config, type ConfigInput, loadConfig } from "@repo/config";

/** The test profile with these values on top: no environment, no .env files. */
export const testConfig = (overrides: ConfigInput = {}): Config =>
  loadConfig({ profile: "test", env: {}, envDir: false, overrides });
