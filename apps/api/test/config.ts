import { type Config, type ConfigInput, loadConfig, type Profile } from "@repo/config";

/** The test profile (or another) with these values on top: no environment, no .env files. */
export const testConfig = (overrides: ConfigInput = {}, profile: Profile = "test"): Config =>
  loadConfig({ profile, env: {}, envDir: false, overrides });
