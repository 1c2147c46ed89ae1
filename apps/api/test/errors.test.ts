import express from "express";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { createRequestContext } from "../src/http/context.ts";
import { errorHandler } from "../src/http/error-handler.ts";
import { requestId } from "../src/http/request-id.ts";
import { buildTestApp } from "./support.ts";

/** An app whose only route throws an unexpected error, behind the real request-id and error middleware. */
function crashingApp(exposeInternals: boolean) {
  return express()
    .use(requestId)
    .get("/boom", () => {
      throw new Error("connect ECONNREFUSED postgres://app:hunter2@db");
    })
    .get("/async-boom", async () => {
      await Promise.resolve();
      throw new TypeError("cannot read properties of undefined");
    })
    .use(errorHandler({ exposeInternals }));
}

describe("500: unexpected errors", () => {
  it("hide the message and stack outside development", async () => {
    for (const path of ["/boom", "/async-boom"]) {
      const res = await request(crashingApp(false))
        .get(path)
        .expect(500)
        .expect("content-type", /problem\+json/);
      expect(res.body).toEqual({
        type: "about:blank",
        title: "Internal Server Error",
        status: 500,
        detail: "An unexpected error occurred",
        instance: path,
        requestId: res.headers["x-request-id"],
      });
      expect(res.text).not.toContain("hunter2");
    }
  });

  it("are an HTML page for a browser on the pages wing, without the message either", async () => {
    const app = express()
      .use(requestId)
      .use((_req, res, next) => {
        res.locals.pages = true;
        next();
      })
      .get("/boom", () => {
        throw new Error("connect ECONNREFUSED postgres://app:hunter2@db");
      })
      .use(errorHandler({ exposeInternals: false, page: (problem) => `<h1>${problem.status} ${problem.detail}</h1>` }));
    const page = await request(app).get("/boom").set("accept", "text/html,*/*;q=0.8").expect(500);
    expect(page.type).toBe("text/html");
    expect(page.text).toBe("<h1>500 An unexpected error occurred</h1>");
    const json = await request(app).get("/boom").set("accept", "application/json").expect(500);
    expect(json.headers["content-type"]).toMatch(/problem\+json/);
  });

  it("show the message and stack in development", async () => {
    const res = await request(crashingApp(true)).get("/boom").expect(500);
    expect(res.body.detail).toContain("ECONNREFUSED");
    expect(res.body.stack[0]).toContain("Error: connect ECONNREFUSED");
  });
});

describe("request context", () => {
  it("throws a clear error outside of a request", () => {
    const context = createRequestContext();
    expect(() => context.get()).toThrow("getRequestContext() was called outside of a request");
  });
});

describe("app factory", () => {
  it("builds apps that share no state", async () => {
    const a = await buildTestApp({ overrides: { BODY_LIMIT: "1kb" } });
    const b = await buildTestApp({ open: true });
    const body = JSON.stringify({ a: "x".repeat(2000) });
    await request(a.app).post("/api/v1/users").set("content-type", "application/json").send(body).expect(413);
    await request(b.app).post("/api/v1/users").set("content-type", "application/json").send(body).expect(400);
    await request(a.app).get("/ping").set("X-Request-ID", "only-a");
    expect(a.logs.some((line) => line.requestId === "only-a")).toBe(true);
    expect(b.logs.some((line) => line.requestId === "only-a")).toBe(false);
    a.registry.beginShutdown();
    await request(a.app).get("/api/v1/ready").expect(503);
    await request(b.app).get("/api/v1/ready").expect(200);
  });
});
