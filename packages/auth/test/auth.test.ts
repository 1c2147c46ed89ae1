import { describe, expect, it } from "vitest";
import {
  createPasswords,
  createTokens,
  isExpired,
  isSameOriginRequest,
  isTouchDue,
  newSessionTimes,
  sessionCookie,
} from "../src/index.ts";

// Cheap costs for tests; the parameters are what is tested, not their strength.
const cost = { memoryKib: 1024, iterations: 1, parallelism: 1 };

describe("passwords (argon2id)", () => {
  it("hashes with argon2id and the given costs, verifies, and refuses a wrong password", async () => {
    const passwords = createPasswords(cost);
    const stored = await passwords.hash("correct horse battery staple");
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(stored).not.toContain("correct horse");
    expect(await passwords.verify(stored, "correct horse battery staple")).toEqual({ ok: true, needsRehash: false });
    expect(await passwords.verify(stored, "Correct horse battery staple")).toEqual({ ok: false, needsRehash: false });
    expect(await passwords.hash("same")).not.toBe(await passwords.hash("same")); // salted
  });

  it("asks for a rehash when the costs changed since the hash was made (the upgrade path)", async () => {
    const old = await createPasswords(cost).hash("a password to keep");
    const stronger = createPasswords({ ...cost, iterations: 2 });
    expect(await stronger.verify(old, "a password to keep")).toEqual({ ok: true, needsRehash: true });
    expect(await stronger.verify(old, "not the password")).toEqual({ ok: false, needsRehash: false });
  });

  it("answers an unknown account exactly like a wrong password, after the same work", async () => {
    const passwords = createPasswords(cost);
    expect(await passwords.verify(undefined, "anything at all")).toEqual({ ok: false, needsRehash: false });
    expect(await passwords.verify("not a hash", "anything at all")).toEqual({ ok: false, needsRehash: false });
  });
});

describe("session tokens", () => {
  it("issue 256 random bits MACed with the key; only the SHA-256 of the random part is the id", () => {
    const tokens = createTokens({ keys: ["k".repeat(32)] });
    const { token, id } = tokens.issue();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(token).not.toContain(id);
    expect(tokens.verify(token)).toBe(id);
    expect(tokens.issue().token).not.toBe(token);
  });

  it("refuse a tampered, truncated, foreign or malformed token", () => {
    const tokens = createTokens({ keys: ["k".repeat(32)] });
    const { token } = tokens.issue();
    const [random = "", mac = ""] = token.split(".");
    const flip = (text: string) => (text[0] === "A" ? "B" : "A") + text.slice(1);
    expect(tokens.verify(`${flip(random)}.${mac}`)).toBeUndefined();
    expect(tokens.verify(`${random}.${flip(mac)}`)).toBeUndefined();
    expect(tokens.verify(token.slice(0, -1))).toBeUndefined();
    expect(createTokens({ keys: ["another deployment's secret key"] }).verify(token)).toBeUndefined();
    for (const bad of ["", ".", "a.b", `${random}`, `${token}.x`, `${random}.${mac}=`]) {
      expect(tokens.verify(bad), bad).toBeUndefined();
    }
  });

  it("rotate: tokens of the previous key still verify while it is listed, not after", () => {
    const before = createTokens({ keys: ["old secret key of at least 32 chars"] }).issue();
    const during = createTokens({
      keys: ["new secret key of at least 32 chars", "old secret key of at least 32 chars"],
    });
    expect(during.verify(before.token)).toBe(before.id);
    const signedNow = during.issue();
    expect(createTokens({ keys: ["new secret key of at least 32 chars"] }).verify(signedNow.token)).toBe(signedNow.id);
    expect(createTokens({ keys: ["new secret key of at least 32 chars"] }).verify(before.token)).toBeUndefined();
  });
});

describe("session lifetime", () => {
  const lifetime = { idleMs: 60_000, absoluteMs: 3_600_000 };
  it("expires after the idle timeout without use, and at the absolute end whatever the use", () => {
    const start = new Date("2026-12-01T10:00:00Z");
    const times = newSessionTimes(lifetime, start);
    expect(times.expiresAt.toISOString()).toBe("2026-12-01T11:00:00.000Z");
    expect(isExpired(lifetime, times, new Date("2026-12-01T10:00:59Z"))).toBe(false);
    expect(isExpired(lifetime, times, new Date("2026-12-01T10:01:00Z"))).toBe(true);
    const used = { ...times, lastSeenAt: new Date("2026-12-01T10:59:30Z") };
    expect(isExpired(lifetime, used, new Date("2026-12-01T10:59:59Z"))).toBe(false);
    expect(isExpired(lifetime, used, new Date("2026-12-01T11:00:00Z"))).toBe(true);
    expect(isTouchDue(lifetime, times, new Date("2026-12-01T10:00:02Z"))).toBe(false);
    expect(isTouchDue(lifetime, times, new Date("2026-12-01T10:00:03Z"))).toBe(true);
  });
});

describe("the session cookie", () => {
  it("is HttpOnly, SameSite=Lax, Path=/; Secure and __Host- prefixed when secure", () => {
    expect(sessionCookie({ secure: false }).set("t.k", 7_200_000)).toBe(
      "session=t.k; Max-Age=7200; Path=/; HttpOnly; SameSite=Lax",
    );
    const secure = sessionCookie({ secure: true });
    expect(secure.set("t.k", 7_200_000)).toBe(
      "__Host-session=t.k; Max-Age=7200; Path=/; HttpOnly; Secure; SameSite=Lax",
    );
    expect(secure.clear()).toMatch(/^__Host-session=; Max-Age=0; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(secure.read("a=1; __Host-session=abc.def; b=2")).toBe("abc.def");
    expect(secure.read("session=abc.def")).toBeUndefined();
    expect(secure.read(undefined)).toBeUndefined();
  });
});

describe("same-origin check (CSRF)", () => {
  const self = "https://api.example.com";
  const trusted = ["https://app.example.com"];
  it("allows same-origin and user-typed requests, a trusted origin, and non-browser clients", () => {
    expect(isSameOriginRequest({ "sec-fetch-site": "same-origin", origin: self }, self, trusted)).toBe(true);
    expect(isSameOriginRequest({ "sec-fetch-site": "none" }, self, trusted)).toBe(true);
    expect(
      isSameOriginRequest({ "sec-fetch-site": "same-site", origin: "https://app.example.com" }, self, trusted),
    ).toBe(true);
    expect(isSameOriginRequest({ origin: self }, self, trusted)).toBe(true);
    expect(isSameOriginRequest({}, self, trusted)).toBe(true);
  });
  it("refuses another site, whatever it claims", () => {
    expect(isSameOriginRequest({ "sec-fetch-site": "cross-site", origin: "https://evil.example" }, self, trusted)).toBe(
      false,
    );
    expect(isSameOriginRequest({ "sec-fetch-site": "cross-site" }, self, trusted)).toBe(false);
    expect(
      isSameOriginRequest({ "sec-fetch-site": "same-site", origin: "https://other.example.com" }, self, trusted),
    ).toBe(false);
    expect(isSameOriginRequest({ origin: "https://evil.example" }, self, trusted)).toBe(false);
    expect(isSameOriginRequest({ origin: "null" }, self, trusted)).toBe(false);
  });
});
