// The system's Chromium, driven by playwright-core (no browser download), for the browser tests
// (test/browser.test.ts) and the composed stack's check (browser-check.ts).
import { existsSync } from "node:fs";
import type { Locator } from "playwright-core";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);

/** --accent in apps/api/public/css/site.css: the colour of a page's h1 once the stylesheet applied. */
export const ACCENT = "rgb(37, 99, 235)";

/** Headless, with none of the browser's own background traffic: these machines have no network. */
export function launchChromium(timeout?: number): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** The one browser global the checks read (the workspace compiles without the DOM library). */
interface BrowserWindow {
  getComputedStyle(element: unknown): { color: string };
}

/** The computed colour of the element: whether the stylesheet applied. */
export function colorOf(element: Locator): Promise<string> {
  return element.evaluate((node) => (globalThis as unknown as BrowserWindow).getComputedStyle(node).color);
}
