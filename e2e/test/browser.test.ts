// A real browser (the system's Chromium, driven by playwright-core: no browser download) against
// the real API server in the development profile (contract/test/global-setup.ts starts it on a
// PGlite folder of its own). Every request to anything but that loopback server is aborted, so
// the pages must work with no network.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ACCENT, CHROMIUM_PATH, colorOf, HAS_CHROMIUM, launchChromium } from "../chromium.ts";

declare module "vitest" {
  export interface ProvidedContext {
    apiUrl: string;
  }
}

if (!HAS_CHROMIUM)
  console.warn(
    `SKIPPED browser tests: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );

describe.skipIf(!HAS_CHROMIUM)("in a real browser", () => {
  let browser: Browser;
  const url = () => inject("apiUrl");

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(() => browser?.close());

  /** A fresh browser context (no cookies) whose requests off the API server are aborted and recorded. */
  async function page(): Promise<{ page: Page; offsite: string[]; failures: string[] }> {
    const context = await browser.newContext();
    const offsite: string[] = [];
    const failures: string[] = [];
    await context.route("**/*", (route) => {
      if (route.request().url().startsWith(url())) return route.continue();
      offsite.push(route.request().url());
      return route.abort();
    });
    const opened = await context.newPage();
    opened.on("pageerror", (error) => failures.push(`page error: ${error.message}`));
    opened.on("console", (message) => {
      if (message.type() === "error") failures.push(`console: ${message.text()}`);
    });
    return { page: opened, offsite, failures };
  }

  it("signs in through the landing page's form, shows who is signed in, and signs out", async () => {
    const { page: home, offsite } = await page();
    await home.goto(`${url()}/`);
    await home.getByLabel("Email").fill("admin@example.com");
    await home.getByLabel("Password").fill("not the password");
    await home.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => home.locator(".error").textContent()).toContain("The email or the password is wrong");

    await home.getByLabel("Password").fill("admin-dev-password");
    await home.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => home.locator(".signed-in").textContent()).toContain("admin@example.com");
    const [cookie] = await home.context().cookies();
    expect(cookie).toMatchObject({ name: "session", httpOnly: true, sameSite: "Lax" });
    // The cookie is the credential for the API too.
    const me = (await home.evaluate(async () => (await fetch("/api/v1/sessions/current")).json())) as {
      user: { email: string };
    };
    expect(me.user.email).toBe("admin@example.com");

    await home.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => home.getByRole("button", { name: "Sign in" }).count()).toBe(1);
    expect(await home.context().cookies()).toEqual([]);
    expect(offsite).toEqual([]);
  });

  it("renders the API reference (Scalar, served by the app) with every operation and no request off the server", async () => {
    const { page: reference, offsite, failures } = await page();
    const violations: string[] = [];
    reference.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await reference.goto(`${url()}/api/docs`);
    // The operations, by the summaries the document gives them; a tag's group opens on a click.
    const shown = (text: string) => reference.getByText(text, { exact: true }).first().isVisible();
    await expect.poll(() => shown("Liveness"), { timeout: 20_000 }).toBe(true);
    for (const tag of ["sessions", "users", "examples"]) expect(await shown(tag), tag).toBe(true);
    await reference.getByText("users", { exact: true }).first().click();
    await expect.poll(() => shown("List users, a page at a time")).toBe(true);
    expect(offsite).toEqual([]);
    expect(violations).toEqual([]);
    expect(failures).toEqual([]);
  });

  it("shows the landing page as designed: styled, with its favicon, links and facts, and nothing broken", async () => {
    const { page: home, offsite, failures } = await page();
    const favicon = home.waitForResponse((response) => response.url().endsWith("/static/favicon.svg"));
    await home.goto(`${url()}/`);
    expect((await favicon).status()).toBe(200);
    expect(await home.title()).toBe("Express starter");
    // --accent in apps/api/public/css/site.css: the stylesheet applied.
    expect(await colorOf(home.locator("h1"))).toBe(ACCENT);
    expect(await home.locator(".lead").textContent()).toMatch(
      /version \d+\.\d+\.\d+, in the development profile, on the embedded PGlite database/,
    );
    for (const name of ["API reference", "OpenAPI document", "Health", "Readiness"]) {
      expect(await home.getByRole("link", { name }).isVisible(), name).toBe(true);
    }
    const screenshot = await home.screenshot({ fullPage: true });
    // A PNG of the whole page (its width and height are in the IHDR chunk): laid out, not blank.
    expect(screenshot.readUInt32BE(16)).toBeGreaterThan(300);
    expect(screenshot.readUInt32BE(20)).toBeGreaterThan(300);
    expect(screenshot.length).toBeGreaterThan(10_000);
    const notFound = await home.goto(`${url()}/no/such/page`);
    expect(notFound?.status()).toBe(404);
    expect(await home.locator("h1").textContent()).toBe("404 — Not Found");
    expect(offsite).toEqual([]);
    expect(failures.filter((failure) => !failure.includes("404"))).toEqual([]);
  });
});
