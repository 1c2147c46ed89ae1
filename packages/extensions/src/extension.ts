/** A resource the app depends on: a database, a cache, a queue client… */
export interface Extension {
  readonly name: string;
  /** Connect / warm up. Called once, in registration order, before the server listens. */
  start(): Promise<void>;
  /** Readiness probe: resolve when usable, reject (or hang past the timeout) when not. */
  check(): Promise<void>;
  /** Release everything. Called once, in reverse order, on shutdown. */
  stop(): Promise<void>;
}

export type CheckResult = { status: "ok"; durationMs: number } | { status: "error"; durationMs: number; error: string };

export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckResult>;
  /** Why each failed check failed, by name: for the log (the dependency's own words may name hosts). */
  failed: Record<string, string>;
}
