import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "dotenv";
import type { z } from "zod";
import {
  type Config,
  type ConfigInput,
  configSchema,
  DEV_SECRET_KEY,
  EXAMPLE_SECRET_KEY,
  PROFILE_DEFAULTS,
  PROFILES,
  type Profile,
} from "./schema.ts";

export interface LoadConfigOptions {
  /** Force a profile; otherwise APP_ENV, then NODE_ENV, then "development". */
  profile?: Profile;
  /** Highest-precedence values, for tests. */
  overrides?: ConfigInput;
  /** The environment to read (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Folder holding .env files (default: the workspace root above the current directory); false reads none. */
  envDir?: string | false;
}

/** A configuration that cannot start the app; `message` lists every bad variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly profile: string;
  readonly problems: string[];

  constructor(profile: string, problems: string[]) {
    super(`Invalid configuration (profile "${profile}"):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.profile = profile;
    this.problems = problems;
  }
}

const MIN_PRODUCTION_SECRET_LENGTH = 32;

/**
 * Precedence, highest first: overrides > environment > .env.<profile> > .env > schema defaults.
 * .env files are never read in production: a deployment gets its configuration from the environment.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const profile = resolveProfile(options.profile || options.overrides?.APP_ENV || env.APP_ENV, env.NODE_ENV);
  const envDir = profile === "production" ? false : (options.envDir ?? findEnvDir(process.cwd()));
  const files = envDir === false ? {} : readEnvFiles(envDir, profile);
  const input = {
    ...PROFILE_DEFAULTS[profile],
    ...setOnly(files),
    ...setOnly(env),
    ...setOnly(options.overrides ?? {}),
    APP_ENV: profile,
  };
  const raw = pickSchemaKeys(input);
  const parsed = configSchema.safeParse(raw);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => describeIssue(issue, raw));
  if (profile === "production") {
    problems.push(...secretProblems("SECRET_KEY", raw.SECRET_KEY));
    // A previous key still verifies sessions during a rotation: held to the same rules.
    for (const key of parsed.success ? parsed.data.SECRET_KEY_PREVIOUS : []) {
      problems.push(...secretProblems("SECRET_KEY_PREVIOUS", key));
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(profile, problems);
  return parsed.data;
}

/** APP_ENV, else NODE_ENV when it names a profile, else development; in any case (Production). */
function resolveProfile(appEnv: string | undefined, nodeEnv: string | undefined): Profile {
  const wanted = appEnv?.trim().toLowerCase();
  if (wanted) {
    if (isProfile(wanted)) return wanted;
    throw new ConfigError(String(appEnv), [`APP_ENV: must be one of ${PROFILES.join(", ")} (got "${appEnv}")`]);
  }
  const fallback = nodeEnv?.trim().toLowerCase();
  return fallback && isProfile(fallback) ? fallback : "development";
}

const isProfile = (value: string): value is Profile => (PROFILES as readonly string[]).includes(value);

function readEnvFiles(dir: string, profile: Profile): Record<string, string> {
  return { ...readEnvFile(path.join(dir, ".env")), ...readEnvFile(path.join(dir, `.env.${profile}`)) };
}

function readEnvFile(file: string): Record<string, string> {
  try {
    return parse(readFileSync(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
}

/** The nearest folder at or above `start` holding pnpm-workspace.yaml, else `start`. */
export function findEnvDir(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      readFileSync(path.join(dir, "pnpm-workspace.yaml"));
      return dir;
    } catch {
      if (path.dirname(dir) === dir) return start;
    }
  }
}

/** The variables given a value: an empty one (`PORT=`) is unset, so the layer below applies. */
const setOnly = (source: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value.trim() !== ""));

const pickSchemaKeys = (source: Record<string, string | undefined>): ConfigInput =>
  Object.fromEntries(Object.keys(configSchema.shape).map((key) => [key, source[key]]));

/** "PORT: must be an integer from 0 to 65535 (got "abc")"; secrets never echoed. */
function describeIssue(issue: z.core.$ZodIssue, raw: ConfigInput): string {
  const name = String(issue.path[0] ?? "(config)");
  const value = raw[name as keyof ConfigInput];
  const shown = value === undefined || SECRET_NAMES.has(name) ? "" : ` (got ${JSON.stringify(value)})`;
  return `${name}: ${issue.message}${shown}`;
}

const SECRET_NAMES = new Set(["SECRET_KEY", "SECRET_KEY_PREVIOUS", "DATABASE_URL", "REDIS_URL"]);

function secretProblems(name: string, secret: string | undefined): string[] {
  if (secret === undefined || secret === "") return [`${name}: required in production`];
  if (secret === DEV_SECRET_KEY || secret === EXAMPLE_SECRET_KEY) {
    return [`${name}: must be set to your own random value in production (the development/example default is refused)`];
  }
  if (secret.length < MIN_PRODUCTION_SECRET_LENGTH) {
    return [
      `${name}: must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production (got ${secret.length})`,
    ];
  }
  return [];
}
