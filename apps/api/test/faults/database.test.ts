import { afterEach, describe, expect, it } from "vitest";
import {
  call,
  HAS_POSTGRES,
  isProblem,
  killLeftovers,
  migrate,
  type Postgres,
  type Reply,
  signInAdmin,
  sleep,
  startPostgres,
  startServer,
  waitFor,
} from "./support.ts";

// PostgreSQL stopped under load, then restarted, with the server left running. Expected: requests
// fail fast with 503 problem+json (no reply later than DATABASE_TIMEOUT_MS), /api/v1/ready turns 503
// within 2 s, /api/v1/health stays 200, the process never exits, everything recovers without a
// restart, and every write acknowledged with 2xx is still there afterwards.

const DATABASE_TIMEOUT_MS = 1000;
/** Time to route, serialise and log a reply on a loaded 2-core machine, on top of the database bound. */
const REPLY_MARGIN_MS = 500;
const READY_WITHIN_MS = 2000;

let postgres: Postgres | undefined;
afterEach(async () => {
  killLeftovers();
  await postgres?.destroy();
  postgres = undefined;
});

interface Outcome {
  kind: "write" | "read";
  reply?: Reply;
  error?: string;
  at: number;
  email?: string;
}

describe.runIf(HAS_POSTGRES)("PostgreSQL outage under load", () => {
  it.each(["fast", "immediate"] as const)(
    `pg_ctl stop -m %s mid-load: 503 within DATABASE_TIMEOUT_MS=${DATABASE_TIMEOUT_MS}, ready 503 within ${READY_WITHIN_MS} ms, health 200, no crash, recovery without restart, no acknowledged write lost`,
    async (mode) => {
      postgres = await startPostgres();
      await migrate(postgres.url);
      const server = await startServer({
        DATABASE_URL: postgres.url,
        DATABASE_TIMEOUT_MS: String(DATABASE_TIMEOUT_MS),
        READY_TIMEOUT_MS: String(DATABASE_TIMEOUT_MS),
        DATABASE_POOL_MAX: "5",
        RATE_LIMIT_MAX: "0",
      });
      const pid = server.child.pid;
      const admin = await signInAdmin(server.url, { DATABASE_URL: postgres.url });

      // Load: 4 writers/readers and two pollers (health, ready), until told to stop.
      const outcomes: Outcome[] = [];
      const probes: { path: string; at: number; status: number | string }[] = [];
      let running = true;
      let sequence = 0;
      const worker = async (n: number) => {
        while (running) {
          const write = sequence % 2 === 0;
          const email = `w${n}-${sequence++}@example.com`;
          const at = performance.now();
          try {
            const reply = write
              ? await call(server.url, "POST", "/api/v1/users", { email, name: `W ${n}` }, { headers: admin })
              : await call(server.url, "GET", "/api/v1/users?limit=10", undefined, { headers: admin });
            outcomes.push({ kind: write ? "write" : "read", reply, at, ...(write ? { email } : {}) });
          } catch (error) {
            outcomes.push({ kind: write ? "write" : "read", error: (error as Error).message, at });
          }
        }
      };
      const poller = async (path: string) => {
        while (running) {
          const at = performance.now();
          const status = await call(server.url, "GET", path, undefined, { timeoutMs: 5000 }).then(
            (reply) => reply.status,
            (error: Error) => error.message,
          );
          probes.push({ path, at, status });
          await sleep(50);
        }
      };
      const load = Promise.all([...[1, 2, 3, 4].map(worker), poller("/api/v1/health"), poller("/api/v1/ready")]);

      await sleep(1500);
      const stopAt = performance.now();
      await postgres.stop(mode);
      const stoppedAt = performance.now();
      const readyDown = await waitFor(
        "ready 503",
        () => probes.find((probe) => probe.path === "/api/v1/ready" && probe.at >= stoppedAt && probe.status === 503),
        10_000,
      );
      await sleep(3000); // the outage, under load
      const restartAt = performance.now();
      await postgres.start();
      const readyUp = await waitFor(
        "ready 200 again",
        () => probes.find((probe) => probe.path === "/api/v1/ready" && probe.at >= restartAt && probe.status === 200),
        30_000,
      );
      await sleep(1500); // recovered, under load
      running = false;
      await load;

      // No crash, no restart: the same process answered throughout.
      expect(server.child.exitCode).toBeNull();
      expect(server.child.pid).toBe(pid);

      // Health stayed 200 the whole time.
      const health = probes.filter((probe) => probe.path === "/api/v1/health");
      expect(health.length).toBeGreaterThan(20);
      expect(health.filter((probe) => probe.status !== 200)).toEqual([]);

      // Readiness turned 503 within READY_WITHIN_MS of the stop.
      expect(readyDown.at + 0 - stoppedAt).toBeLessThan(READY_WITHIN_MS);

      // During the outage (requests sent after the stop completed and before the restart began):
      // only 503 problem+json, none slower than DATABASE_TIMEOUT_MS (+ margin), no network error.
      const during = outcomes.filter((o) => o.at >= stoppedAt && o.at < restartAt);
      expect(during.length).toBeGreaterThan(10);
      expect(during.filter((o) => o.error || !o.reply || !isProblem(o.reply, 503))).toEqual([]);
      const slowest = Math.max(...during.map((o) => o.reply?.ms ?? 0));
      expect(slowest).toBeLessThan(DATABASE_TIMEOUT_MS + REPLY_MARGIN_MS);
      // Requests that straddled the stop: a success, or a 503; never a 500 or a dropped connection.
      const failures = server.lines
        .filter((line) => line.msg === "request failed")
        .map((line) => (line.err as { type?: string; message?: string; code?: string }) ?? {})
        .map(({ type, message, code }) => `${type} ${code ?? ""}: ${String(message).slice(0, 300)}`);
      expect(
        outcomes.filter((o) => o.error || (o.reply && o.reply.status >= 500 && o.reply.status !== 503)).length,
        `unexpected failures; the server logged:\n${[...new Set(failures)].join("\n")}`,
      ).toBe(0);

      // After recovery (sent once ready was 200 again): every request succeeds.
      const after = outcomes.filter((o) => o.at >= readyUp.at);
      expect(after.length).toBeGreaterThan(10);
      expect(after.filter((o) => !o.reply || o.reply.status >= 300)).toEqual([]);

      // Every write acknowledged with 201, before, during or after, is in the database.
      const acknowledged = outcomes.filter((o) => o.kind === "write" && o.reply?.status === 201);
      for (const o of acknowledged) {
        const { id, email } = (o.reply?.body ?? {}) as { id: number; email: string };
        const read = await call(server.url, "GET", `/api/v1/users/${id}`, undefined, { headers: admin });
        expect(read.status, email).toBe(200);
        expect((read.body as { email: string }).email).toBe(o.email);
      }
      const stored = new Set<number>();
      for (let cursor = 0; ; ) {
        const page = (
          await call(server.url, "GET", `/api/v1/users?limit=100${cursor ? `&cursor=${cursor}` : ""}`, undefined, {
            headers: admin,
          })
        ).body as { data: { id: number }[]; nextCursor: number | null };
        for (const user of page.data) stored.add(user.id);
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      for (const o of acknowledged) expect(stored.has(((o.reply?.body ?? {}) as { id: number }).id)).toBe(true);

      // The database password never reached a log line.
      expect(server.raw()).not.toContain(postgres.password);

      const statuses = (list: Outcome[]) =>
        list.reduce<Record<string, number>>((acc, o) => {
          const key = o.error ? "network error" : String(o.reply?.status);
          acc[key] = (acc[key] ?? 0) + 1;
          return acc;
        }, {});
      console.info(
        `[faults] PostgreSQL stop -m ${mode}: ${JSON.stringify({
          requests: outcomes.length,
          probes: probes.length,
          stopMs: Math.round(stoppedAt - stopAt),
          readyDownMs: Math.round(readyDown.at - stoppedAt),
          outage: statuses(during),
          slowestDuringOutageMs: Math.round(slowest),
          recoveredMs: Math.round(readyUp.at - restartAt),
          after: statuses(after),
          all: statuses(outcomes),
          acknowledgedWrites: acknowledged.length,
          storedUsers: stored.size,
        })}`,
      );
    },
  );
});
