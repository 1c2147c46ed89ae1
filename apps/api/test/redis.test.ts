import { HAS_REDIS, RedisServer } from "@repo/redis/testing";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp } from "./support.ts";

// Two services (as two replicas would be) on one real redis-server: the rate limit is counted
// once for both, and Redis going away turns readiness 503 but fails no other request.
describe.skipIf(!HAS_REDIS)("REDIS_URL: state shared across replicas", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(() => redis?.stop());

  const replicas = async (max: number) => {
    const overrides = { REDIS_URL: redis.url, RATE_LIMIT_MAX: String(max) };
    return [await buildTestApp({ overrides }), await buildTestApp({ overrides })] as const;
  };

  it("counts the rate limit in Redis: two replicas together allow RATE_LIMIT_MAX, not twice it", async () => {
    const [a, b] = await replicas(4);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await request((i % 2 === 0 ? a : b).app).get("/api/v1/openapi.json")).status);
    // Every request is 127.0.0.1's; this file's redis-server is fresh, so the count starts at 0.
    expect(statuses.filter((status) => status === 200)).toHaveLength(4);
    expect(statuses.slice(4)).toEqual([429, 429]);
    const ready = await request(a.app).get("/api/v1/ready").expect(200);
    expect(ready.body.checks).toMatchObject({ db: { status: "ok" }, redis: { status: "ok" } });
  });

  it("while Redis is down: readiness 503 on every replica, other requests served unlimited, no 5xx; back once it returns", async () => {
    const [a, b] = await replicas(1000);
    await redis.stop();
    try {
      for (const { app } of [a, b]) {
        const ready = await request(app).get("/api/v1/ready").expect(503);
        expect(ready.body.checks.redis.status).toBe("error");
        await request(app).get("/api/v1/health").expect(200);
        const document = await request(app).get("/api/v1/openapi.json").expect(200);
        expect(document.headers.ratelimit).toBeUndefined(); // served without a limit: fail open
        await request(app)
          .post("/api/v1/users")
          .send({ email: `down-${Math.random()}@example.com`, password: "a good password" })
          .expect(201);
      }
      expect(
        a.logs.filter((line) => line.msg === "rate limit store unavailable: serving requests unlimited"),
      ).toHaveLength(1);
    } finally {
      await redis.start();
    }
    for (const { app } of [a, b]) {
      await expect
        .poll(async () => (await request(app).get("/api/v1/ready")).status, { timeout: 10_000, interval: 200 })
        .toBe(200);
      expect((await request(app).get("/api/v1/openapi.json")).headers.ratelimit).toMatch(/r=\d+/);
    }
  });
});
