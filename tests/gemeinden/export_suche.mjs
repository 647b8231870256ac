// The search of an exported subsite (portal export), served by nginx, in real Chromium: type a query, read
// the result links. Run by tests/gemeinden/test_nginx.py.
// stdin: {"base": "http://127.0.0.1:PORT/buergerservice/", "fragen": ["…"]}
// stdout: {"fragen": {query: {links: [href…], status: text}}, "fehler": [...], "fremd": [...]}
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const { base, fragen } = JSON.parse(readFileSync(0, "utf8"));
const host = new URL(base).host;
const browser = await chromium.launch({
  executablePath: process.env.PORTAL_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const out = { fragen: {}, fehler: [], fremd: [] };
try {
  const page = await browser.newPage();
  page.on("console", (m) => { if (m.type() === "error") out.fehler.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => out.fehler.push(`page: ${e.message}`));
  page.on("requestfailed", (r) => out.fehler.push(`failed: ${r.url()}`));
  page.on("response", (r) => { if (r.status() >= 400) out.fehler.push(`${r.status()}: ${r.url()}`); });
  page.on("request", (r) => { if (new URL(r.url()).host !== host) out.fremd.push(r.url()); });
  for (const frage of fragen) {
    await page.goto(new URL("suche/", base).href);
    await page.focus("#seiten-suche-feld");
    await page.keyboard.type(frage, { delay: 10 });
    await page.keyboard.press("Enter");
    await page.waitForSelector("#suchergebnisse li a", { timeout: 15000 });
    out.fragen[frage] = {
      links: await page.$$eval("#suchergebnisse li a", (as) => as.map((a) => a.href)),
      status: await page.textContent("#suchstatus"),
    };
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out));
