// Real-browser check of the page served through nginx: the stylesheet (served by nginx
// from /static/) must load and apply. Uses the system Chromium through playwright-core
// (no browser download).
//
//   node e2e/browser-check.ts http://127.0.0.1:18080
//
// env: CHROMIUM_PATH (default /usr/bin/chromium), BROWSER_TIMEOUT_MS (default 15000)
import type { Response } from "playwright-core";
import { ACCENT, colorOf, launchChromium } from "./chromium.ts";

const env = process.env;
const baseUrl = (process.argv[2] ?? env.E2E_BASE_URL ?? "http://127.0.0.1:18080").replace(/\/$/, "");
const timeout = Number(env.BROWSER_TIMEOUT_MS ?? 15_000);
const browser = await launchChromium(timeout);

const failures: string[] = [];
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(timeout);
  const stylesheets: Response[] = [];
  page.on("response", (res) => {
    if (res.request().resourceType() === "stylesheet") stylesheets.push(res);
  });
  page.on("requestfailed", (req) => failures.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));

  const res = await page.goto(`${baseUrl}/`, { waitUntil: "load" });
  if (res?.status() !== 200) failures.push(`GET / -> ${res?.status()}`);

  const h1 = page.locator("h1").first();
  const title = (await h1.textContent())?.trim();
  const color = await colorOf(h1);
  if (color !== ACCENT) failures.push(`h1 color ${color}, expected ${ACCENT} (stylesheet not applied)`);

  const css = stylesheets.find((r) => new URL(r.url()).pathname === "/static/css/site.css");
  if (!css) failures.push("the page loaded no /static/css/site.css");
  else {
    const headers = await css.allHeaders();
    if (css.status() !== 200 && css.status() !== 304) failures.push(`site.css -> ${css.status()}`);
    if (headers["x-served-by"] !== "nginx-static")
      failures.push(`site.css not served by nginx (x-served-by: ${headers["x-served-by"]})`);
  }

  const version = browser.version();
  if (failures.length === 0) {
    console.log(`browser ok: Chromium ${version}, "${title}", h1 color ${color}, site.css from nginx`);
  }
} finally {
  await browser.close();
}

if (failures.length > 0) {
  for (const failure of failures) console.error(`browser FAIL: ${failure}`);
  process.exit(1);
}
