import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  call,
  HAS_POSTGRES,
  killLeftovers,
  type LogLine,
  migrate,
  type Postgres,
  type ServerProcess,
  signInAdmin,
  sleep,
  startPostgres,
  startServer,
} from "./support.ts";

// Cluster mode (WEB_CONCURRENCY=2, PostgreSQL): a worker killed with SIGKILL, or exiting after an
// unhandled rejection, is replaced by the primary while requests keep being served.

const PRELOAD = path.resolve(import.meta.dirname, "fixtures/unhandled.mjs");

let postgres: Postgres | undefined;
afterEach(async () => {
  killLeftovers();
  await postgres?.destroy();
  postgres = undefined;
});

const listeningPids = (server: ServerProcess) =>
  server.lines.filter((line) => String(line.msg).startsWith("listening on")).map((line) => Number(line.pid));

/**
 * LOOPS concurrent request loops on fresh connections until stopped. Several loops, because a
 * connection the primary had just handed to a worker killed with SIGKILL is never answered (Node's
 * round-robin hand-off keeps the primary's copy open): that one request waits for its client timeout.
 */
const LOOPS = 4;
const CLIENT_TIMEOUT_MS = 3000;
function traffic(server: ServerProcess & { admin: Record<string, string> }) {
  const results: { at: number; status: number | string }[] = [];
  let running = true;
  const loop = async () => {
    while (running) {
      const at = performance.now();
      const status = await call(server.url, "GET", "/api/v1/users?limit=5", undefined, {
        timeoutMs: CLIENT_TIMEOUT_MS,
        headers: server.admin,
      }).then(
        (reply) => reply.status,
        (error: Error) => error.message,
      );
      results.push({ at, status });
    }
  };
  const loops = Promise.all(Array.from({ length: LOOPS }, loop));
  return {
    results,
    stop: async () => {
      running = false;
      await loops;
    },
  };
}

async function startCluster(preload?: string) {
  postgres = await startPostgres();
  await migrate(postgres.url);
  const server = await startServer(
    { WEB_CONCURRENCY: "2", DATABASE_URL: postgres.url, RATE_LIMIT_MAX: "0", SHUTDOWN_TIMEOUT_MS: "3000" },
    { listening: 2, ...(preload ? { preload } : {}) },
  );
  return Object.assign(server, { admin: await signInAdmin(server.url, { DATABASE_URL: postgres.url }) });
}

async function replacedAndServing(server: ServerProcess, deadPid: number, load: ReturnType<typeof traffic>) {
  const died = await server.waitForLine("worker died", (line) => line.msg === "worker died; restarting", 10_000);
  const replacement = await server.waitForLine(
    "a new worker listening",
    (line) =>
      String(line.msg).startsWith("listening on") && !listeningPids(server).slice(0, 2).includes(Number(line.pid)),
    15_000,
  );
  expect(Number(replacement.pid)).not.toBe(deadPid);
  const replacedAt = performance.now();
  await sleep(1000);
  await load.stop();
  // Every request sent once the replacement listened was answered 200 (both workers serve again).
  const after = load.results.filter((r) => r.at >= replacedAt);
  expect(after.length).toBeGreaterThan(20);
  expect(after.filter((r) => r.status !== 200)).toEqual([]);
  // At most the requests in flight at the moment of the crash failed (one per loop).
  expect(load.results.filter((r) => r.status !== 200).length).toBeLessThanOrEqual(LOOPS);
  // The primary never stopped.
  expect(server.child.exitCode).toBeNull();
  return { died, replacement, after: after.length };
}

async function stopCluster(server: ServerProcess) {
  server.kill("SIGTERM");
  const { code } = await server.exited;
  expect(code).toBe(0);
}

const tally = (results: { status: number | string }[]) =>
  results.reduce<Record<string, number>>((acc, r) => {
    acc[String(r.status)] = (acc[String(r.status)] ?? 0) + 1;
    return acc;
  }, {});

describe.runIf(HAS_POSTGRES)("cluster: crashing workers are replaced", () => {
  it("kill -9 of a worker: the primary forks a new one, requests keep being served, then SIGTERM exits 0", async () => {
    const server = await startCluster();
    const [victim] = listeningPids(server);
    const load = traffic(server);
    await sleep(500);
    process.kill(Number(victim), "SIGKILL");
    const { died, after } = await replacedAndServing(server, Number(victim), load);
    expect(died).toMatchObject({ signal: "SIGKILL" });
    // While only one worker was up, the other kept answering: no gap with zero successes.
    expect(load.results.filter((r) => r.status === 200).length).toBeGreaterThan(after);
    console.info(
      `[faults] kill -9 worker: ${JSON.stringify({ requests: load.results.length, statuses: tally(load.results) })}`,
    );
    await stopCluster(server);
  });

  it("an unhandled rejection inside a request is logged (fatal) with that request's id; the worker drains, exits 1 and is replaced", async () => {
    const server = await startCluster(PRELOAD);
    const load = traffic(server);
    await sleep(500);
    const faulted = await call(server.url, "GET", "/ping", undefined, {
      headers: { "x-fault-inject": "unhandled-rejection", "x-request-id": "fault-req-1" },
    });
    expect(faulted.status).toBe(200); // the request itself still completes: the drain lets it finish
    const fatal: LogLine = await server.waitForLine(
      "the fatal line",
      (line) => line.msg === "unhandled promise rejection: shutting down",
      10_000,
    );
    expect(fatal).toMatchObject({
      level: 60,
      requestId: "fault-req-1",
      err: { message: "injected fault: a promise nobody awaited" },
    });
    const faultedPid = Number(fatal.pid);
    const { died } = await replacedAndServing(server, faultedPid, load);
    expect(died).toMatchObject({ code: 1 });
    expect(server.lines.some((line) => line.pid === faultedPid && line.msg === "stopped")).toBe(true);
    console.info(
      `[faults] unhandled rejection: ${JSON.stringify({ requestId: fatal.requestId, requests: load.results.length, statuses: tally(load.results) })}`,
    );
    await stopCluster(server);
  });
});
