import { createPasswords, createTokens } from "@repo/auth";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { account, as, buildTestApp, TEST_PASSWORD, type TestApp } from "./support.ts";

const PROBLEM = /^application\/problem\+json/;
const USERS = "/api/v1/users";
const SESSIONS = "/api/v1/sessions";

const signIn = (app: TestApp["app"], email: string, password: string, headers: Record<string, string> = {}) =>
  request(app).post(SESSIONS).set(headers).send({ email, password });

/** The problem body without what differs per request. */
const sameness = (body: Record<string, unknown>) => {
  const { requestId: _id, instance: _instance, ...rest } = body;
  return rest;
};

describe("accounts: sign-up and sign-in", () => {
  it("signs up with email and password, signs in, and never returns, logs or stores the password", async () => {
    const built = await buildTestApp();
    const password = "a long and secret passphrase";
    const signedUp = await request(built.app).post(USERS).send({ email: "New@Example.com", name: "New", password });
    expect(signedUp.status).toBe(201);
    expect(signedUp.body).toMatchObject({ email: "new@example.com", role: "user" });
    expect(Object.keys(signedUp.body).sort()).toEqual(["createdAt", "email", "id", "name", "role", "updatedAt"]);

    const session = await signIn(built.app, "new@example.com", password).expect(201);
    expect(session.body).toMatchObject({
      token: expect.stringMatching(/^[\w-]{43}\.[\w-]{43}$/),
      user: { email: "new@example.com" },
    });
    expect(session.headers["set-cookie"]).toEqual([
      `session=${session.body.token}; Max-Age=${7 * 24 * 3600}; Path=/; HttpOnly; SameSite=Lax`,
    ]);
    const me = await request(built.app).get(`${SESSIONS}/current`).set("authorization", `Bearer ${session.body.token}`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { id: signedUp.body.id, email: "new@example.com" }, via: "bearer" });

    const stored = await built.db.client.user.findUniqueOrThrow({
      where: { id: signedUp.body.id },
      omit: { passwordHash: false },
    });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    const sessions = await built.db.client.session.findMany();
    expect(sessions.map((row) => row.id)).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
    expect(JSON.stringify(sessions)).not.toContain(session.body.token.split(".")[0]); // only its hash
    const everything = JSON.stringify(built.logs) + signedUp.text + session.text + me.text;
    expect(everything).not.toContain(password);
  });

  it("refuses a sign-up without a password, a short or huge one (before hashing), an admin role, a taken email", async () => {
    const { app } = await buildTestApp();
    const cases: [object, number, string][] = [
      [{ email: "a@example.com" }, 400, "password"],
      [{ email: "a@example.com", password: "short" }, 400, "password"],
      [{ email: "a@example.com", password: "x".repeat(129) }, 400, "password"],
      [{ email: "a@example.com", password: "long enough password", role: "admin" }, 403, ""],
    ];
    for (const [body, status, field] of cases) {
      const res = await request(app).post(USERS).send(body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.headers["content-type"]).toMatch(PROBLEM);
      if (field) expect(res.body.errors[0].path).toEqual([field]);
    }
    await request(app).post(USERS).send({ email: "taken@example.com", password: "first of the two" }).expect(201);
    const taken = await request(app).post(USERS).send({ email: "TAKEN@example.com", password: "second of the two" });
    expect(taken.status).toBe(409);
  });

  it("answers an unknown email exactly as a wrong password: status, body, header, and timing class", async () => {
    // The production cost (OWASP: 19 MiB, 2 passes), so a hash costs what it costs for real.
    const built = await buildTestApp({
      overrides: { PASSWORD_HASH_MEMORY_KIB: "19456", PASSWORD_HASH_ITERATIONS: "2", SIGN_IN_ACCOUNT_MAX: "100" },
    });
    const known = await account(built);
    const wrong = await signIn(built.app, known.email, "not the password");
    const unknown = await signIn(built.app, "nobody@example.com", "not the password");
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.headers["www-authenticate"]).toBe('Bearer realm="api"');
    }
    expect(sameness(unknown.body)).toEqual(sameness(wrong.body));
    expect(wrong.body).toMatchObject({
      type: "urn:problem:invalid-credentials",
      detail: "The email or the password is wrong",
    });

    const median = async (email: string) => {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const started = performance.now();
        await signIn(built.app, email, `wrong password ${i}`).expect(401);
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b)[3] ?? 0;
    };
    const [forKnown, forUnknown] = [await median(known.email), await median("nobody@example.com")];
    console.info(
      `[auth] sign-in at the OWASP cost, median of 7: wrong password ${forKnown.toFixed(1)} ms, unknown email ${forUnknown.toFixed(1)} ms (ratio ${(forUnknown / forKnown).toFixed(2)})`,
    );
    // Both verify an argon2id hash: same order of magnitude. Skipping the hash for an unknown
    // email would make it tens of times faster (a database miss against ~50 ms of hashing).
    expect(forUnknown / forKnown).toBeGreaterThan(0.4);
    expect(forUnknown / forKnown).toBeLessThan(2.5);
  });

  it("rehashes a password made at an older cost at the next sign-in (the upgrade path)", async () => {
    const built = await buildTestApp({ overrides: { PASSWORD_HASH_ITERATIONS: "2" } });
    const user = await account(built); // hashed at this app's cost (t=2)...
    await built.db.client.user.update({
      where: { id: user.id },
      // ...then made as an older deployment with t=1 would have made it.
      data: {
        passwordHash: await createPasswords({ memoryKib: 1024, iterations: 1, parallelism: 1 }).hash(TEST_PASSWORD),
      },
    });
    const hash = async () =>
      (await built.db.client.user.findUniqueOrThrow({ where: { id: user.id }, omit: { passwordHash: false } }))
        .passwordHash;
    expect(await hash()).toMatch(/,t=1,/);
    await signIn(built.app, user.email, TEST_PASSWORD).expect(201);
    expect(await hash()).toMatch(/\$m=1024,t=2,p=1\$/);
    await signIn(built.app, user.email, TEST_PASSWORD).expect(201);
  });
});

describe("sessions: expiry and revocation", () => {
  it("an idle or past-its-end session is refused, and deleted", async () => {
    const built = await buildTestApp();
    const user = await account(built);
    await as(built.app, user).get(`${SESSIONS}/current`).expect(200);
    const [session] = await built.db.client.session.findMany({ where: { userId: user.id } });
    const ago = (ms: number) => new Date(Date.now() - ms);
    await built.db.client.session.update({
      where: { id: String(session?.id) },
      data: { lastSeenAt: ago(built.config.SESSION_IDLE_TIMEOUT_MS + 1000) },
    });
    const idle = await as(built.app, user).get(`${SESSIONS}/current`);
    expect(idle.status).toBe(401);
    expect(idle.headers["www-authenticate"]).toBe('Bearer realm="api", error="invalid_token"');
    expect(await built.db.client.session.count({ where: { userId: user.id } })).toBe(0);

    const again = await account(built, { email: "again@example.test" });
    await built.db.client.session.updateMany({ where: { userId: again.id }, data: { expiresAt: ago(1) } });
    expect((await as(built.app, again).get(`${SESSIONS}/current`)).status).toBe(401);
  });

  it("sign-out revokes the session; sign-out everywhere revokes all of them", async () => {
    const built = await buildTestApp();
    const user = await account(built);
    await as(built.app, user).delete(`${SESSIONS}/current`).expect(204);
    expect((await as(built.app, user).get(`${SESSIONS}/current`)).status).toBe(401);

    const first = (await signIn(built.app, user.email, TEST_PASSWORD).expect(201)).body.token;
    const second = (await signIn(built.app, user.email, TEST_PASSWORD).expect(201)).body.token;
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    await request(built.app).delete(SESSIONS).set(bearer(first)).expect(204);
    for (const token of [first, second]) {
      expect((await request(built.app).get(`${SESSIONS}/current`).set(bearer(token))).status).toBe(401);
    }
  });

  it("a password change revokes the account's other sessions, keeps this one, and the old password stops working", async () => {
    const built = await buildTestApp();
    const user = await account(built);
    const other = (await signIn(built.app, user.email, TEST_PASSWORD).expect(201)).body.token;
    const change = (body: object) => as(built.app, user).put(`${USERS}/${user.id}/password`).send(body);
    expect((await change({ currentPassword: "not it", password: "a brand new password" })).status).toBe(403);
    expect((await change({ password: "a brand new password" })).status).toBe(403); // the owner proves the current one
    await change({ currentPassword: TEST_PASSWORD, password: "a brand new password" }).expect(204);
    await as(built.app, user).get(`${SESSIONS}/current`).expect(200);
    expect((await request(built.app).get(`${SESSIONS}/current`).set("authorization", `Bearer ${other}`)).status).toBe(
      401,
    );
    expect((await signIn(built.app, user.email, TEST_PASSWORD)).status).toBe(401);
    await signIn(built.app, user.email, "a brand new password").expect(201);
  });

  it("refuses a tampered token, a token of another SECRET_KEY, and a malformed Authorization header", async () => {
    const built = await buildTestApp();
    const user = await account(built);
    const [random = "", mac = ""] = user.token.split(".");
    const flipped = `${random.slice(0, -1)}${random.endsWith("A") ? "B" : "A"}.${mac}`;
    const foreign = createTokens({ keys: ["a secret key of another deployment"] }).issue().token;
    for (const authorization of [`Bearer ${flipped}`, `Bearer ${foreign}`, `Bearer ${random}`]) {
      const res = await request(built.app).get(`${SESSIONS}/current`).set("authorization", authorization);
      expect(res.status, authorization).toBe(401);
      expect(res.headers["www-authenticate"]).toContain('error="invalid_token"');
    }
    for (const authorization of [`Basic ${Buffer.from("a:b").toString("base64")}`, "Bearer", user.token]) {
      expect((await request(built.app).get(`${SESSIONS}/current`).set("authorization", authorization)).status).toBe(
        401,
      );
    }
    const cookie = await request(built.app).get(`${SESSIONS}/current`).set("cookie", `session=${flipped}`);
    expect(cookie.status).toBe(401);
  });

  it("rotates SECRET_KEY: a token of the previous key verifies while SECRET_KEY_PREVIOUS lists it, and not after", async () => {
    const oldKey = "the old secret key, at least 32 characters";
    const built = await buildTestApp({ overrides: { SECRET_KEY: oldKey } });
    const user = await account(built);
    const { createService } = await import("../src/service.ts");
    const withKeys = (keys: Record<string, string>) =>
      createService({ ...built.config, ...keysOf(keys) }, { logger: built.logger, db: built.db }).app;
    const keysOf = (keys: Record<string, string>) => ({
      SECRET_KEY: keys.SECRET_KEY ?? "",
      SECRET_KEY_PREVIOUS: keys.SECRET_KEY_PREVIOUS ? [keys.SECRET_KEY_PREVIOUS] : [],
    });
    const newKey = "the new secret key, at least 32 characters";
    const during = withKeys({ SECRET_KEY: newKey, SECRET_KEY_PREVIOUS: oldKey });
    await as(during, user).get(`${SESSIONS}/current`).expect(200);
    const after = withKeys({ SECRET_KEY: newKey });
    expect((await as(after, user).get(`${SESSIONS}/current`)).status).toBe(401);
  });
});

describe("authorization", () => {
  it("401 with WWW-Authenticate when signed out; a user reads and changes only their own account (403 otherwise)", async () => {
    const built = await buildTestApp();
    const [alice, bob] = [await account(built), await account(built)];
    const anonymous = await request(built.app).get(`${USERS}/${alice.id}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers["content-type"]).toMatch(PROBLEM);
    expect(anonymous.headers["www-authenticate"]).toBe('Bearer realm="api"');
    expect(anonymous.body).toMatchObject({ type: "urn:problem:unauthenticated", status: 401 });

    await as(built.app, alice).get(`${USERS}/${alice.id}`).expect(200);
    await as(built.app, alice).patch(`${USERS}/${alice.id}`).send({ name: "Alice" }).expect(200);
    // Reading your own account answers the row as it is now (it is the one the session read).
    await as(built.app, alice)
      .get(`${USERS}/${alice.id}`)
      .expect(200, /"name":"Alice"/);
    for (const res of [
      await as(built.app, alice).get(`${USERS}/${bob.id}`),
      await as(built.app, alice).patch(`${USERS}/${bob.id}`).send({ name: "Not Bob" }),
      await as(built.app, alice).delete(`${USERS}/${bob.id}`),
      await as(built.app, alice).put(`${USERS}/${bob.id}/password`).send({ password: "taken over now" }),
      await as(built.app, alice).get(USERS),
      await as(built.app, alice).patch(`${USERS}/${alice.id}`).send({ role: "admin" }),
    ]) {
      expect(res.status, `${res.status} ${res.text}`).toBe(403);
      expect(res.body.type).toBe("urn:problem:forbidden");
    }
    expect((await built.db.client.user.findUniqueOrThrow({ where: { id: bob.id } })).name).toBeNull();
  });

  it("an admin reads, lists, changes, resets and deletes any account, and grants the admin role", async () => {
    const built = await buildTestApp();
    const [admin, bob] = [await built.admin(), await account(built)];
    const api = as(built.app, admin);
    await api.get(`${USERS}/${bob.id}`).expect(200);
    expect((await api.get(USERS).expect(200)).body.data.map((user: { id: number }) => user.id)).toEqual([
      admin.id,
      bob.id,
    ]);
    await api
      .patch(`${USERS}/${bob.id}`)
      .send({ role: "admin" })
      .expect(200, /"role":"admin"/);
    await api.put(`${USERS}/${bob.id}/password`).send({ password: "reset by the admin" }).expect(204);
    expect((await as(built.app, bob).get(`${SESSIONS}/current`)).status).toBe(401); // the reset ended bob's sessions
    await signIn(built.app, bob.email, "reset by the admin").expect(201);
    await api.delete(`${USERS}/${bob.id}`).expect(204);
    expect(await built.db.client.session.count({ where: { userId: bob.id } })).toBe(0);
  });

  it("every log line of an authenticated request carries the user's id", async () => {
    const built = await buildTestApp();
    const user = await account(built);
    await as(built.app, user).get(`${USERS}/${user.id}`).set("X-Request-ID", "who-1").expect(200);
    const lines = built.logs.filter((line) => line.requestId === "who-1");
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line.userId === user.id)).toBe(true);
  });
});

describe("defences", () => {
  it("refuses a cross-site write made with the session cookie (CSRF); same-origin and bearer writes pass", async () => {
    const built = await buildTestApp();
    const user = await account(built);
    const cookie = { cookie: `session=${user.token}` };
    const rename = (headers: Record<string, string>) =>
      request(built.app)
        .patch(`${USERS}/${user.id}`)
        .set({ ...cookie, ...headers })
        .send({ name: "x" });
    const crossSite: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { "sec-fetch-site": "cross-site", origin: "https://evil.example" },
      { "sec-fetch-site": "same-site", origin: "https://sub.evil.example" },
    ];
    for (const headers of crossSite) {
      const res = await rename(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.body.type).toBe("urn:problem:cross-site-request");
    }
    const self = await rename({ "sec-fetch-site": "same-origin", origin: "http://127.0.0.1" }).set("host", "127.0.0.1");
    expect(self.status).toBe(200);
    await as(built.app, user)
      .patch(`${USERS}/${user.id}`)
      .set("origin", "https://evil.example")
      .send({ name: "y" })
      .expect(200);
    await request(built.app).get(`${USERS}/${user.id}`).set(cookie).set("origin", "https://evil.example").expect(200);
  });

  it("throttles sign-in per account (failures; 429 with Retry-After, even with the right password) and per address", async () => {
    // With the general rate limiter off too: the sign-in throttle is its own, and declared as such.
    const built = await buildTestApp({
      overrides: { SIGN_IN_ACCOUNT_MAX: "3", SIGN_IN_ADDRESS_MAX: "6", RATE_LIMIT_MAX: "0" },
    });
    const document = (await request(built.app).get("/api/v1/openapi.json").expect(200)).body;
    expect(Object.keys(document.paths["/api/v1/sessions"].post.responses)).toContain("429");
    const user = await account(built); // one attempt, a success
    for (let i = 0; i < 3; i++) await signIn(built.app, user.email, "guess").expect(401);
    const locked = await signIn(built.app, user.email, TEST_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body.type).toBe("urn:problem:sign-in-throttled");
    expect(Number(locked.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(locked.headers["retry-after"])).toBeLessThanOrEqual(built.config.SIGN_IN_WINDOW_MS / 1000);
    // Five attempts so far from this address; the sixth is still allowed, the seventh is not.
    expect((await signIn(built.app, "nobody@example.com", "guess")).status).toBe(401);
    expect((await signIn(built.app, "nobody@example.com", "guess")).status).toBe(429);
  });
});

describe("the landing page", () => {
  it("signs in through its form (a cookie, 303), shows who is signed in, and signs out", async () => {
    const built = await buildTestApp();
    const admin = await built.admin();
    const form = request(built.app)
      .post("/sign-in")
      .type("form")
      .set({ origin: "http://127.0.0.1", host: "127.0.0.1" })
      .send({ email: admin.email, password: TEST_PASSWORD });
    const signedIn = await form;
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe("/");
    const cookie = String(signedIn.headers["set-cookie"]).split(";")[0] ?? "";
    const page = await request(built.app).get("/").set("cookie", cookie).expect(200);
    expect(page.text).toContain(`Signed in as <strong>${admin.email}</strong> (admin)`);
    const out = await request(built.app)
      .post("/sign-out")
      .set({ cookie, origin: "http://127.0.0.1", host: "127.0.0.1" })
      .expect(303);
    expect(String(out.headers["set-cookie"])).toMatch(/^session=; Max-Age=0/);
    expect((await request(built.app).get(`${SESSIONS}/current`).set("cookie", cookie)).status).toBe(401);
    expect((await request(built.app).get("/")).text).toContain('action="/sign-in"');
  });

  it("shows a wrong password on the page (401), and refuses a form posted from another site", async () => {
    const built = await buildTestApp();
    const user = await account(built);
    const wrong = await request(built.app).post("/sign-in").type("form").send({ email: user.email, password: "nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.type).toBe("text/html");
    expect(wrong.text).toContain("The email or the password is wrong");
    expect(wrong.text).not.toContain("nope");
    const crossSite = await request(built.app)
      .post("/sign-in")
      .type("form")
      .set("origin", "https://evil.example")
      .send({ email: user.email, password: TEST_PASSWORD });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers["set-cookie"]).toBeUndefined();
  });
});

describe("the OpenAPI document", () => {
  it("declares the bearer and cookie schemes, and the 401/403 and security of every protected operation", async () => {
    const { document } = await buildTestApp();
    const components = document.components as unknown as { securitySchemes: Record<string, Record<string, string>> };
    expect(components.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: "http", scheme: "bearer" }),
      sessionCookie: expect.objectContaining({ type: "apiKey", in: "cookie", name: "session" }),
    });
    const paths = document.paths as Record<string, Record<string, { security: unknown[]; responses: object }>>;
    const signedIn = [{ bearerAuth: [] }, { sessionCookie: [] }];
    const operation = (path: string, method: string) => paths[path]?.[method];
    expect(operation(USERS, "get")).toMatchObject({ security: signedIn });
    expect(Object.keys(operation(USERS, "get")?.responses ?? {})).toEqual(expect.arrayContaining(["401", "403"]));
    expect(operation(`${USERS}/{id}`, "delete")).toMatchObject({ security: signedIn });
    expect(operation(USERS, "post")?.security).toEqual([{}, ...signedIn]);
    expect(operation(SESSIONS, "post")?.security).toEqual([]);
    expect(operation("/api/v1/health", "get")?.security).toEqual([]);
  });
});
