// `portal serve` reloads an open page after a change: open a page in real Chromium, change a source file,
// wait for the page to reload by itself and show the change. Run by tests/site/test_serve.py.
// stdin: {"url": "...", "datei": "/path/to/file.md", "anhang": "text appended", "erwartet": "text"}
import { appendFileSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const job = JSON.parse(readFileSync(0, "utf8"));
const browser = await chromium.launch({
  executablePath: process.env.PORTAL_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const out = {};
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto(job.url);
  await page.evaluate(() => { window.__vorher = true; });
  out.before = (await page.textContent("main")).includes(job.erwartet);
  // the reload script has asked at least once (it knows the current build) before the change
  await page.waitForTimeout(2500);
  const reloaded = page.waitForEvent("load", { timeout: 600000 });
  appendFileSync(job.datei, job.anhang);
  await reloaded;
  out.reloaded = await page.evaluate(() => window.__vorher === undefined);
  out.after = (await page.textContent("main")).includes(job.erwartet);
  out.errors = errors;
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out));
