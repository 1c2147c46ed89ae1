// Several real API processes (src/server.ts, production profile) on 127.0.0.2-4, one PostgreSQL
// and one Redis of the test's own, and the project's nginx in front, re-resolving the replicas'
// name through a DNS server of the test's own: what `docker compose up --scale api=3` or a
// Kubernetes Deployment runs. `pnpm test:faults` (CI runs it).
import { randomBytes } from "node:crypto";
import { HAS_REDIS, RedisServer } from "@repo/redis/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  HAS_POSTGRES,
  migrate,
  type Postgres,
  type ServerProcess,
  signInAdmin,
  startPostgres,
  startServer,
  waitFor,
} from "../../../apps/api/test/faults/support.ts";
import { freePort, type Nginx, REPLICA_ADDRESSES, SKIP_REASON, startDns, startNginx } from "../nginx-harness.ts";

const reason =
  SKIP_REASON ?? (!HAS_REDIS ? "no redis-server" : !HAS_POSTGRES ? "no PostgreSQL server binaries" : undefined);
if (reason) console.warn(`SKIPPED replica fault tests: ${reason}`);

const NAME = "api.replicas.test";
const RATE_LIMIT_MAX = 30;

describe.skipIf(reason !== undefined)("replicas behind nginx, sharing PostgreSQL and Redis", () => {
  let postgres: Postgres;
  let redis: RedisServer;
  let nginx: Nginx;
  let dns: Awaited<ReturnType<typeof startDns>>;
  let port: number;
  let replicas: ServerProcess[];
  let admin: Record<string, string>;
  const url = (host: string) => `http://${host}:${port}`;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), RedisServer.start()]);
    await migrate(postgres.url);
    port = await freePort();
    // Replicas share SECRET_KEY (the Kubernetes Secret, compose's .env): a token one signs, any verifies.
    const secretKey = randomBytes(32).toString("hex");
    const env = (host: string) => ({
      APP_ENV: "production",
      SECRET_KEY: secretKey,
      HOST: host,
      PORT: String(port),
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      // nginx is the one proxy in front: req.ip is the address it saw (the rate limit's key).
      TRUST_PROXY: "loopback",
      RATE_LIMIT_MAX: String(RATE_LIMIT_MAX),
      SHUTDOWN_TIMEOUT_MS: "8000",
    });
    replicas = await Promise.all(REPLICA_ADDRESSES.map((host) => startServer(env(host))));
    admin = await signInAdmin(url(REPLICA_ADDRESSES[0] ?? ""), {
      APP_ENV: "production",
      SECRET_KEY: secretKey,
      DATABASE_URL: postgres.url,
    });
    dns = await startDns(NAME, () => REPLICA_ADDRESSES);
    nginx = await startNginx({ upstream: `${NAME}:${port}`, resolverPort: dns.port });
  }, 120_000);

  afterAll(async () => {
    for (const replica of replicas ?? []) replica.kill("SIGKILL");
    await nginx?.stop();
    dns?.close();
    await redis?.stop();
    await postgres?.destroy();
  });

  it("counts the rate limit once for all replicas: N x RATE_LIMIT_MAX is refused", async () => {
    const client = { "x-forwarded-for": "203.0.113.9" };
    const statuses: number[] = [];
    for (let i = 0; i < 2 * RATE_LIMIT_MAX; i++) {
      const host = REPLICA_ADDRESSES[i % REPLICA_ADDRESSES.length] ?? "";
      statuses.push((await call(url(host), "GET", "/api/v1/openapi.json", undefined, { headers: client })).status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(RATE_LIMIT_MAX);
    expect(statuses.filter((status) => status === 429)).toHaveLength(RATE_LIMIT_MAX);
  });

  it("with Redis stopped, /ready is 503 on every replica and nothing else fails; it recovers on its own", async () => {
    await redis.stop();
    try {
      for (const host of REPLICA_ADDRESSES) {
        expect((await call(url(host), "GET", "/api/v1/ready")).status, host).toBe(503);
        for (const target of ["/api/v1/health", "/api/v1/users?limit=5", "/"]) {
          expect(
            (await call(url(host), "GET", target, undefined, { headers: admin })).status,
            `${host} ${target}`,
          ).toBe(200);
        }
        const user = { email: `redis-down-${host}@example.com`, password: "signed up while Redis is down" };
        const created = await call(url(host), "POST", "/api/v1/users", user);
        expect(created.status, host).toBe(201);
      }
    } finally {
      await redis.start();
    }
    for (const host of REPLICA_ADDRESSES) {
      await waitFor(
        `${host} ready again`,
        async () => ((await call(url(host), "GET", "/api/v1/ready")).status === 200 ? true : undefined),
        15_000,
      );
    }
  });

  it("under load through nginx, one replica SIGKILLed and one drained: zero failed GETs, every acknowledged POST stored", async () => {
    const [killed, drained] = replicas as [ServerProcess, ServerProcess, ServerProcess];
    const gets: { status: number; error?: string }[] = [];
    const acknowledged: string[] = [];
    const postOutcomes = new Map<number | string, number>();
    const nginxUrl = `http://127.0.0.1:${nginx.port}`;
    let stop = false;
    let n = 0;
    // Every client has an address of its own (TRUST_PROXY=loopback reads it from X-Forwarded-For):
    // the load is not rate limited, the test is about replicas failing.
    const worker = async (w: number) => {
      while (!stop) {
        const i = n++;
        const headers = { ...admin, "x-forwarded-for": `198.51.${w}.${i % 250}` };
        if (i % 4 === 0) {
          const email = `load-${w}-${i}@example.com`;
          const reply = await call(nginxUrl, "POST", "/api/v1/users", { email }, { headers }).catch(
            (error: Error) => error,
          );
          const outcome = reply instanceof Error ? "network error" : reply.status;
          postOutcomes.set(outcome, (postOutcomes.get(outcome) ?? 0) + 1);
          if (!(reply instanceof Error) && reply.status === 201) acknowledged.push(email);
        } else {
          const reply = await call(nginxUrl, "GET", "/api/v1/users?limit=10", undefined, { headers }).catch(
            (error: Error) => ({ status: 0, error: error.message }),
          );
          gets.push(reply);
        }
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    killed.kill("SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    drained.kill("SIGTERM");
    const { code } = await drained.exited;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    stop = true;
    await load;

    expect(code).toBe(0); // the drain was clean
    const failedGets = gets.filter((reply) => reply.status !== 200);
    expect(failedGets, JSON.stringify(failedGets.slice(0, 5))).toEqual([]);
    expect(gets.length).toBeGreaterThan(100);
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ email: string }>("SELECT email FROM users WHERE email LIKE 'load-%'");
      const stored = new Set(rows.map((row) => row.email));
      expect(acknowledged.filter((email) => !stored.has(email))).toEqual([]);
      expect(acknowledged.length).toBeGreaterThan(20);
    } finally {
      await client.end();
    }
    console.info(
      `[replicas] ${gets.length} GETs (0 failed), POSTs ${JSON.stringify(Object.fromEntries(postOutcomes))}, ` +
        `${acknowledged.length} acknowledged and all stored`,
    );
  });
});
