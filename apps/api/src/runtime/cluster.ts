import nodeCluster from "node:cluster";

/**
 * Process model for WEB_CONCURRENCY > 1: a node:cluster primary that only supervises.
 * The workers run the normal server entry point and share the listening socket.
 *
 * - forks `workers` workers;
 * - restarts a worker that dies, after an exponential backoff (restartDelayMs doubling up to
 *   maxRestartDelayMs; a worker that stayed up for stableAfterMs resets it), never while
 *   shutting down;
 * - on SIGTERM/SIGINT sends SIGTERM to every worker (each drains like a single process
 *   does: src/runtime/http-server.ts) and exits 0 once all have exited cleanly, 1 if any exited non-zero;
 *   workers still alive after shutdownTimeoutMs + killMarginMs are SIGKILLed and the
 *   primary exits 1.
 */

type LogFn = (obj: object, msg?: string) => void;
/** The subset of the pino logger the primary uses. */
export interface PrimaryLogger {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

/** The part of a cluster worker the primary touches (node:cluster's Worker fits). */
export interface WorkerLike {
  id: number;
  process: { pid?: number | undefined; kill(signal?: NodeJS.Signals | number): boolean };
}

/** The part of node:cluster the primary uses; tests pass a fake. */
export interface ClusterLike {
  fork(): WorkerLike;
  on(event: "exit", listener: (worker: WorkerLike, code: number | null, signal: string | null) => void): unknown;
}

/** The part of `process` the primary uses; tests pass a fake. */
export interface ProcessLike {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
}

export interface PrimaryOptions {
  /** Number of workers (WEB_CONCURRENCY). */
  workers: number;
  logger: PrimaryLogger;
  /** The workers' own drain budget (SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs: number;
  /** Extra time on top of shutdownTimeoutMs before workers are SIGKILLed. Default 5000. */
  killMarginMs?: number;
  /** First restart delay. Default 100 ms. */
  restartDelayMs?: number;
  /** Restart delay cap. Default 30 s. */
  maxRestartDelayMs?: number;
  /** A worker that lived this long resets the backoff. Default 30 s. */
  stableAfterMs?: number;
  /** Signals that start the graceful stop. Default SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
  cluster?: ClusterLike;
  process?: ProcessLike;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
}

export interface Primary {
  /** Live workers, by cluster id. */
  readonly workers: ReadonlyMap<number, WorkerLike>;
  /** Consecutive quick crashes so far (drives the backoff). */
  readonly failures: number;
  /** Starts the graceful stop, as the signals do. */
  shutdown(reason: string): void;
  /** Resolves with the exit code, just before process.exit is called with it. */
  readonly exited: Promise<number>;
}

export function runPrimary(options: PrimaryOptions): Primary {
  const {
    logger,
    shutdownTimeoutMs,
    killMarginMs = 5000,
    restartDelayMs = 100,
    maxRestartDelayMs = 30_000,
    stableAfterMs = 30_000,
    signals = ["SIGTERM", "SIGINT"],
    now = Date.now,
  } = options;
  const cluster = options.cluster ?? (nodeCluster as unknown as ClusterLike);
  const proc = options.process ?? process;
  const count = Math.max(1, Math.floor(options.workers));

  const workers = new Map<number, WorkerLike>();
  const startedAt = new Map<number, number>();
  const restartTimers = new Set<NodeJS.Timeout>();
  let failures = 0;
  let shuttingDown = false;
  let unclean = false;
  let finished = false;
  let killTimer: NodeJS.Timeout | undefined;
  let resolveExited: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => {
    resolveExited = resolve;
  });

  const fork = () => {
    const worker = cluster.fork();
    workers.set(worker.id, worker);
    startedAt.set(worker.id, now());
    logger.info({ worker: worker.id, pid: worker.process.pid }, "worker started");
  };

  const finish = (code: number) => {
    if (finished) return;
    finished = true;
    if (killTimer) clearTimeout(killTimer);
    killTimer = undefined;
    logger.info({ exitCode: code }, code === 0 ? "all workers stopped" : "workers stopped uncleanly");
    resolveExited(code);
    proc.exit(code);
  };

  cluster.on("exit", (worker, code, signal) => {
    if (!workers.has(worker.id)) return;
    workers.delete(worker.id);
    const lived = now() - (startedAt.get(worker.id) ?? now());
    startedAt.delete(worker.id);

    if (shuttingDown) {
      if (code !== 0) unclean = true;
      logger.info({ worker: worker.id, code, signal, remaining: workers.size }, "worker exited");
      if (workers.size === 0) finish(unclean ? 1 : 0);
      return;
    }

    failures = lived >= stableAfterMs ? 1 : failures + 1;
    const delay = Math.min(restartDelayMs * 2 ** (failures - 1), maxRestartDelayMs);
    logger.error({ worker: worker.id, code, signal, livedMs: lived, restartInMs: delay }, "worker died; restarting");
    const timer = setTimeout(() => {
      restartTimers.delete(timer);
      if (!shuttingDown) fork();
    }, delay);
    restartTimers.add(timer);
  });

  const shutdown = (reason: string) => {
    if (shuttingDown) {
      logger.warn({ reason }, "already shutting down");
      return;
    }
    shuttingDown = true;
    for (const timer of restartTimers) clearTimeout(timer);
    restartTimers.clear();
    logger.info({ reason, workers: workers.size }, "primary shutting down: stopping workers");
    if (workers.size === 0) {
      finish(0);
      return;
    }
    for (const worker of workers.values()) worker.process.kill("SIGTERM");
    killTimer = setTimeout(() => {
      logger.error(
        { remaining: [...workers.keys()], afterMs: shutdownTimeoutMs + killMarginMs },
        "workers did not stop in time; killing them",
      );
      for (const worker of workers.values()) worker.process.kill("SIGKILL");
      finish(1);
    }, shutdownTimeoutMs + killMarginMs);
  };

  for (const signal of signals) proc.on(signal, () => shutdown(signal));
  logger.info({ workers: count }, `primary starting ${count} workers`);
  for (let i = 0; i < count; i++) fork();

  return {
    workers,
    get failures() {
      return failures;
    },
    shutdown,
    exited,
  };
}
