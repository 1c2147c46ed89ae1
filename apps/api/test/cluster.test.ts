import { EventEmitter } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type ClusterLike,
  type PrimaryLogger,
  type ProcessLike,
  runPrimary,
  type WorkerLike,
} from "../src/runtime/cluster.ts";

// The primary against a fake cluster, fake process and fake timers: deterministic, no forks.

class FakeWorker implements WorkerLike {
  readonly kills: (NodeJS.Signals | number | undefined)[] = [];
  readonly process: WorkerLike["process"];
  readonly id: number;
  private readonly cluster: FakeCluster;
  constructor(id: number, cluster: FakeCluster) {
    this.id = id;
    this.cluster = cluster;
    this.process = {
      pid: 1000 + id,
      kill: (signal) => {
        this.kills.push(signal);
        return true;
      },
    };
  }
  /** The worker process ends. */
  exit(code: number | null, signal: string | null = null) {
    this.cluster.emit("exit", this, code, signal);
  }
}

class FakeCluster extends EventEmitter implements ClusterLike {
  readonly forked: FakeWorker[] = [];
  fork() {
    const worker = new FakeWorker(this.forked.length + 1, this);
    this.forked.push(worker);
    return worker;
  }
}

class FakeProcess extends EventEmitter implements ProcessLike {
  readonly exits: number[] = [];
  exit(code: number) {
    this.exits.push(code);
  }
}

const logger = (): PrimaryLogger & { lines: string[] } => {
  const lines: string[] = [];
  const log = (_obj: object, msg?: string) => void lines.push(msg ?? "");
  return { lines, info: log, warn: log, error: log };
};

let clock = 0;
const setup = (workers = 2) => {
  const cluster = new FakeCluster();
  const proc = new FakeProcess();
  const log = logger();
  const primary = runPrimary({
    workers,
    logger: log,
    shutdownTimeoutMs: 1000,
    killMarginMs: 500,
    restartDelayMs: 100,
    maxRestartDelayMs: 800,
    stableAfterMs: 10_000,
    cluster,
    process: proc,
    now: () => clock,
  });
  return { cluster, proc, log, primary };
};
const advance = (ms: number) => {
  clock += ms;
  vi.advanceTimersByTime(ms);
};

beforeEach(() => {
  clock = 0;
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("runPrimary", () => {
  it("forks WEB_CONCURRENCY workers", () => {
    const { cluster, primary } = setup(3);
    expect(cluster.forked).toHaveLength(3);
    expect([...primary.workers.keys()]).toEqual([1, 2, 3]);
  });

  it("restarts a crashed worker with exponential backoff, capped, reset by a stable run", () => {
    const { cluster, primary } = setup(1);
    const delays: number[] = [];
    // crash the newest worker immediately, 5 times; measure how long each restart takes
    for (let i = 0; i < 5; i++) {
      const before = cluster.forked.length;
      cluster.forked.at(-1)?.exit(1);
      let waited = 0;
      while (cluster.forked.length === before) {
        advance(50);
        waited += 50;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([100, 200, 400, 800, 800]);
    expect(primary.failures).toBe(5);

    // a worker that stayed up past stableAfterMs resets the backoff
    advance(10_000);
    cluster.forked.at(-1)?.exit(null, "SIGKILL");
    expect(primary.failures).toBe(1);
    advance(100);
    expect(cluster.forked).toHaveLength(7);
  });

  it("on SIGTERM stops every worker and exits 0 once all exited cleanly; no restarts meanwhile", async () => {
    const { cluster, proc, primary } = setup(2);
    const [w1, w2] = cluster.forked as [FakeWorker, FakeWorker];
    proc.emit("SIGTERM", "SIGTERM");
    expect(w1.kills).toEqual(["SIGTERM"]);
    expect(w2.kills).toEqual(["SIGTERM"]);

    w1.exit(0);
    advance(1_000); // < shutdownTimeoutMs + margin
    expect(cluster.forked).toHaveLength(2); // not restarted
    expect(proc.exits).toEqual([]);
    w2.exit(0);
    expect(proc.exits).toEqual([0]);
    await expect(primary.exited).resolves.toBe(0);
  });

  it("cancels a pending restart when the shutdown starts", () => {
    const { cluster, proc } = setup(2);
    cluster.forked[0]?.exit(1); // restart scheduled in 100 ms
    proc.emit("SIGINT", "SIGINT");
    advance(1_000);
    expect(cluster.forked).toHaveLength(2);
    cluster.forked[1]?.exit(0);
    expect(proc.exits).toEqual([0]);
  });

  it("exits 1 when a worker exits non-zero during the shutdown", () => {
    const { cluster, proc } = setup(2);
    proc.emit("SIGTERM", "SIGTERM");
    cluster.forked[0]?.exit(1); // its drain timed out
    cluster.forked[1]?.exit(0);
    expect(proc.exits).toEqual([1]);
  });

  it("SIGKILLs workers still running after shutdownTimeoutMs + margin and exits 1", async () => {
    const { cluster, proc, log, primary } = setup(2);
    const [w1, w2] = cluster.forked as [FakeWorker, FakeWorker];
    proc.emit("SIGTERM", "SIGTERM");
    w1.exit(0);
    advance(1_499);
    expect(proc.exits).toEqual([]);
    advance(1);
    expect(w2.kills).toEqual(["SIGTERM", "SIGKILL"]);
    expect(proc.exits).toEqual([1]);
    await expect(primary.exited).resolves.toBe(1);
    w2.exit(null, "SIGKILL"); // the late exit event does not exit twice
    expect(proc.exits).toEqual([1]);
    expect(log.lines).toContain("workers did not stop in time; killing them");
  });

  it("ignores a second signal while shutting down", () => {
    const { cluster, proc } = setup(1);
    proc.emit("SIGTERM", "SIGTERM");
    proc.emit("SIGINT", "SIGINT");
    expect(cluster.forked[0]?.kills).toEqual(["SIGTERM"]);
  });
});
