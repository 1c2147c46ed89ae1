import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { as, buildTestApp, TEST_DATABASE_URL } from "./support.ts";

const PROBLEM = /^application\/problem\+json/;
const USERS = "/api/v1/users";

const expectProblem = (res: request.Response, status: number) => {
  expect(res.status).toBe(status);
  expect(res.headers["content-type"]).toMatch(PROBLEM);
  expect(res.body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
};

/** A fresh app and an agent signed in as its admin. */
async function asAdmin(options: Parameters<typeof buildTestApp>[0] = {}) {
  const built = await buildTestApp(options);
  return { ...built, api: as(built.app, await built.admin()) };
}

/** `count` users, the first of them the admin the agent is signed in as (so lists hold exactly them). */
async function withUsers(count: number) {
  const built = await buildTestApp();
  const passwordHash = await built.auth.passwords.hash("first user's password");
  await built.db.client.user.createMany({
    data: Array.from({ length: count }, (_, i) => ({
      email: `user${i + 1}@example.com`,
      name: `User ${i + 1}`,
      ...(i === 0 ? { role: "admin" as const, passwordHash } : {}),
    })),
  });
  const signedIn = await request(built.app)
    .post("/api/v1/sessions")
    .send({ email: "user1@example.com", password: "first user's password" })
    .expect(201);
  return { ...built, api: request.agent(built.app).set("authorization", `Bearer ${signedIn.body.token}`) };
}

describe("users: create, read, update, delete", () => {
  it("POST creates (201 + Location, email lowercased), GET reads it back", async () => {
    const { api } = await asAdmin();
    const created = await api.post(USERS).send({ email: "  Ada@Example.COM ", name: "Ada" }).expect(201);
    expect(created.body).toMatchObject({ id: expect.any(Number), email: "ada@example.com", name: "Ada" });
    expect(created.headers.location).toBe(`${USERS}/${created.body.id}`);
    const read = await api.get(String(created.headers.location)).expect(200);
    expect(read.body).toEqual(created.body);
  });

  it("PATCH updates only the given fields; DELETE answers 204 and the user is gone", async () => {
    const { api } = await asAdmin();
    const { body: user } = await api.post(USERS).send({ email: "grace@example.com", name: "Grace" });
    const patched = await api.patch(`${USERS}/${user.id}`).send({ name: "Grace Hopper" }).expect(200);
    expect(patched.body).toMatchObject({ id: user.id, email: "grace@example.com", name: "Grace Hopper" });
    await api
      .patch(`${USERS}/${user.id}`)
      .send({ name: null })
      .expect(200, /"name":null/);
    const deleted = await api.delete(`${USERS}/${user.id}`).expect(204);
    expect(deleted.text).toBe("");
    expectProblem(await api.get(`${USERS}/${user.id}`), 404);
  });

  it("404 for a missing user on GET, PATCH and DELETE", async () => {
    const { api } = await asAdmin();
    for (const res of [
      await api.get(`${USERS}/4242`),
      await api.patch(`${USERS}/4242`).send({ name: "x" }),
      await api.delete(`${USERS}/4242`),
    ]) {
      expectProblem(res, 404);
      expect(res.body.detail).toBe("No user with id 4242");
    }
  });

  it("409 for a duplicate email, on create and on update", async () => {
    const { api } = await asAdmin();
    await api.post(USERS).send({ email: "dup@example.com" }).expect(201);
    const dup = await api.post(USERS).send({ email: "DUP@example.com" });
    expectProblem(dup, 409);
    expect(dup.body).toMatchObject({ type: "urn:problem:conflict", detail: "A user with this email already exists" });
    const { body: other } = await api.post(USERS).send({ email: "other@example.com" });
    expectProblem(await api.patch(`${USERS}/${other.id}`).send({ email: "dup@example.com" }), 409);
  });

  it("concurrent creates of one email: exactly one 201, the rest 409", async () => {
    const { api } = await asAdmin();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => api.post(USERS).send({ email: "race@example.com" })),
    );
    const statuses = responses.map((res) => res.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
  });

  it("400 for invalid ids, bodies and unknown fields", async () => {
    const { api } = await asAdmin();
    for (const id of ["abc", "0", "-1", "1.5", "99999999999"]) {
      const res = await api.get(`${USERS}/${id}`);
      expectProblem(res, 400);
      expect(res.body.errors[0]).toMatchObject({ location: "params", path: ["id"] });
    }
    const cases: [unknown, string][] = [
      [{}, "email"],
      [{ email: "not-an-email" }, "email"],
      [{ email: "a@example.com", name: "" }, "name"],
      [{ email: "a@example.com", isAdmin: true }, ""],
    ];
    for (const [body, field] of cases) {
      const res = await api.post(USERS).send(body as object);
      expectProblem(res, 400);
      expect(res.body.errors[0].path.join(".")).toBe(field);
    }
    expectProblem(await api.patch(`${USERS}/1`).send({}), 400);
  });

  it("405 with Allow for an undeclared method", async () => {
    const { api } = await asAdmin();
    const res = await api.put(`${USERS}/1`).send({ email: "a@example.com" });
    expectProblem(res, 405);
    expect(res.headers.allow).toBe("GET, PATCH, DELETE, HEAD, OPTIONS");
    expect((await api.delete(USERS)).headers.allow).toBe("GET, POST, HEAD, OPTIONS");
  });
});

describe("users: pagination", () => {
  it("pages by id with nextCursor until the last page", async () => {
    const { api } = await withUsers(5);
    const first = await api.get(`${USERS}?limit=2`).expect(200);
    expect(first.body.data.map((user: { email: string }) => user.email)).toEqual([
      "user1@example.com",
      "user2@example.com",
    ]);
    const second = await api.get(`${USERS}?limit=2&cursor=${first.body.nextCursor}`).expect(200);
    expect(second.body.data.map((user: { name: string }) => user.name)).toEqual(["User 3", "User 4"]);
    const last = await api.get(`${USERS}?limit=2&cursor=${second.body.nextCursor}`).expect(200);
    expect(last.body).toMatchObject({ data: [{ name: "User 5" }], nextCursor: null });
  });

  it("defaults to 20; a page exactly full has no next cursor; past the end is empty", async () => {
    const { api } = await withUsers(21);
    const page = await api.get(USERS).expect(200);
    expect(page.body.data).toHaveLength(20);
    expect(page.body.nextCursor).toBe(page.body.data[19].id);
    const rest = await api.get(`${USERS}?cursor=${page.body.nextCursor}`).expect(200);
    expect(rest.body).toMatchObject({ data: [{ name: "User 21" }], nextCursor: null });
    const full = await api.get(`${USERS}?limit=21`).expect(200);
    expect(full.body.nextCursor).toBeNull();
    expect((await api.get(`${USERS}?cursor=2000000000`).expect(200)).body).toEqual({
      data: [],
      nextCursor: null,
    });
  });

  it("limit 1 and 100 are accepted; 0, 101, non-numbers, bad cursors and unknown parameters are 400", async () => {
    const { api } = await withUsers(2);
    expect((await api.get(`${USERS}?limit=1`).expect(200)).body.data).toHaveLength(1);
    expect((await api.get(`${USERS}?limit=100`).expect(200)).body.data).toHaveLength(2);
    for (const query of ["limit=0", "limit=101", "limit=ten", "cursor=abc", "cursor=-5", "cursor=", "page=2"]) {
      expectProblem(await api.get(`${USERS}?${query}`), 400);
    }
  });
});

describe("users: when the database is down", () => {
  it("requests fail fast with 503 in the problem shape, and readiness is 503", async () => {
    const { api, database } = await asAdmin({ overrides: { DATABASE_TIMEOUT_MS: "1000" } });
    await database.drop(); // the PGlite closes / the PostgreSQL database disappears under the pool
    const started = performance.now();
    const res = await api.get(USERS);
    expectProblem(res, 503);
    expect(res.body.detail).toBe("The database is unavailable; try again shortly");
    expectProblem(await api.post(USERS).send({ email: "a@example.com" }), 503);
    expect(performance.now() - started).toBeLessThan(3000);
    const ready = await api.get("/api/v1/ready");
    expectProblem(ready, 503);
    expect(ready.body.checks.db.status).toBe("error");
  });

  it.skipIf(TEST_DATABASE_URL)(
    "PGlite: readiness is 503 while the database does not answer, 200 once it does",
    async () => {
      const { api, database, logs } = await asAdmin({ overrides: { DATABASE_TIMEOUT_MS: "300" } });
      if (!("pglite" in database.options)) throw new Error("expected PGlite");
      await api.get("/api/v1/ready").expect(200);
      // PGlite runs one thing at a time: an open transaction makes every other query wait, as a hung server would.
      let release = () => {};
      const pglite = await database.options.pglite();
      const held = pglite.transaction(() => new Promise<void>((resolve) => (release = resolve)));
      const down = await api.get("/api/v1/ready");
      expectProblem(down, 503);
      expect(down.body.checks.db).toEqual({ status: "error", durationMs: expect.any(Number) });
      const reason = logs.find((line) => line.requestId === down.body.requestId && line.msg === "not ready: db");
      expect(reason?.failed).toEqual({ db: expect.stringMatching(/300 ms/) });
      release();
      await held;
      await api.get("/api/v1/ready").expect(200);
      await api.get(USERS).expect(200);
    },
  );

  it.runIf(TEST_DATABASE_URL)(
    "PostgreSQL: 503 while the server is unreachable, 200 once it is back (the pool recovers)",
    async () => {
      const target = new URL(String(TEST_DATABASE_URL));
      const proxy = await tcpProxy(target.hostname, Number(target.port || 5432));
      const { api } = await asAdmin({
        overrides: { DATABASE_TIMEOUT_MS: "500", READY_TIMEOUT_MS: "1000" },
        databaseUrl: (url) => {
          const viaProxy = new URL(url);
          viaProxy.host = `127.0.0.1:${proxy.port}`;
          return viaProxy.toString();
        },
      });
      try {
        await api.get("/api/v1/ready").expect(200);
        await api.post(USERS).send({ email: "before@example.com" }).expect(201);
        await proxy.cut();
        expectProblem(await api.get("/api/v1/ready"), 503);
        expectProblem(await api.get(USERS), 503);
        await proxy.restore();
        await api.get("/api/v1/ready").expect(200);
        const emails = (await api.get(USERS).expect(200)).body.data.map((user: { email: string }) => user.email);
        expect(emails.filter((email: string) => !email.endsWith("@example.test"))).toEqual(["before@example.com"]);
      } finally {
        await proxy.close();
      }
    },
  );
});

/** A loopback TCP forwarder that can drop every connection and refuse new ones, then come back on the same port. */
async function tcpProxy(host: string, port: number) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let listenPort = 0;
  const listen = async () => {
    const listening = createServer((client) => {
      const remote = connect(port, host);
      for (const socket of [client, remote]) {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          remote.destroy();
        });
      }
      client.pipe(remote).pipe(client);
    });
    await new Promise<void>((resolve) => listening.listen(listenPort, "127.0.0.1", resolve));
    listenPort = (listening.address() as AddressInfo).port;
    server = listening;
  };
  const cut = async () => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  await listen();
  return { port: listenPort, cut, restore: listen, close: cut };
}
