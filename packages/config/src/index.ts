export { ConfigError, findEnvDir, type LoadConfigOptions, loadConfig } from "./load.ts";
export { redactConfig, redactUrlPassword } from "./redact.ts";
export { type Config, type ConfigInput, configSchema, PROFILES, type Profile } from "./schema.ts";
