import type { CheckResult, Extension, Readiness } from "./extension.ts";

export interface RegistryOptions {
  /** How long one check() may take before it counts as failed. */
  checkTimeoutMs: number;
  /** Receives failures of stop(), which never interrupt the shutdown of the others. */
  onStopError?: (name: string, error: unknown) => void;
}

/** Thrown by start() when an extension's start() fails: `extension` names it, `cause` is its error. */
export class ExtensionStartError extends Error {
  override name = "ExtensionStartError";
  readonly extension: string;

  constructor(extension: string, cause: unknown) {
    super(`extension "${extension}" failed to start: ${messageOf(cause)}`, { cause });
    this.extension = extension;
  }
}

type State = "idle" | "starting" | "running" | "stopping" | "stopped";

/**
 * Owns the lifecycle of the app's extensions: starts them in order, answers readiness
 * from their checks, and stops them in reverse order.
 */
export class ExtensionRegistry {
  readonly #extensions: Extension[] = [];
  readonly #started: Extension[] = [];
  readonly #options: RegistryOptions;
  #state: State = "idle";

  constructor(options: RegistryOptions) {
    this.#options = options;
  }

  get state(): State {
    return this.#state;
  }

  get names(): string[] {
    return this.#extensions.map((extension) => extension.name);
  }

  register(...extensions: Extension[]): this {
    if (this.#state !== "idle") throw new Error(`cannot register extensions once the registry is ${this.#state}`);
    for (const extension of extensions) {
      if (this.names.includes(extension.name)) throw new Error(`extension "${extension.name}" is already registered`);
      this.#extensions.push(extension);
    }
    return this;
  }

  /** Starts every extension in order; if one fails, those already started are stopped and the error is rethrown. */
  async start(): Promise<void> {
    if (this.#state !== "idle") throw new Error(`cannot start a registry that is ${this.#state}`);
    this.#state = "starting";
    for (const extension of this.#extensions) {
      try {
        await extension.start();
      } catch (error) {
        await this.stop();
        throw new ExtensionStartError(extension.name, error);
      }
      this.#started.push(extension);
    }
    this.#state = "running";
  }

  /** Not ready unless running and every check passes within the timeout; checks run concurrently. */
  async readiness(): Promise<Readiness> {
    const entries = await Promise.all(
      this.#extensions.map(async (extension) => [extension.name, await this.#check(extension)] as const),
    );
    const checks = Object.fromEntries(entries);
    const failed = Object.fromEntries(
      entries.flatMap(([name, result]) => (result.status === "error" ? [[name, result.error]] : [])),
    );
    const ready = this.#state === "running" && Object.keys(failed).length === 0;
    return { ready, checks, failed };
  }

  /** Marks the registry as shutting down: readiness turns false at once, before anything is stopped. */
  beginShutdown(): void {
    if (this.#state === "running" || this.#state === "starting") this.#state = "stopping";
  }

  /** Stops started extensions in reverse order; a failing stop() is reported and the rest still stop. */
  async stop(): Promise<void> {
    if (this.#state === "stopped") return;
    this.#state = "stopping";
    for (const extension of this.#started.reverse()) {
      try {
        await extension.stop();
      } catch (error) {
        this.#options.onStopError?.(extension.name, error);
      }
    }
    this.#started.length = 0;
    this.#state = "stopped";
  }

  async #check(extension: Extension): Promise<CheckResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (!this.#started.includes(extension)) return { status: "error", durationMs: 0, error: "not started" };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out after ${this.#options.checkTimeoutMs} ms`)),
        this.#options.checkTimeoutMs,
      );
    });
    try {
      await Promise.race([extension.check(), timeout]);
      return { status: "ok", durationMs: elapsed() };
    } catch (error) {
      return { status: "error", durationMs: elapsed(), error: messageOf(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
