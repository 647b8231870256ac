// Keyboard-only flows through the search and the place chooser in real Chromium, and axe on the search page
// with results shown. Run by tests/site/test_search_browser.py.
// stdin: {"base": "http://127.0.0.1:PORT/"}   stdout: JSON with what each step saw.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const AXE_SOURCE = readFileSync(join(ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");
const AXE_URL_PATH = "/__axe__/axe.min.js";

const { base } = JSON.parse(readFileSync(0, "utf8"));
const browser = await chromium.launch({
  executablePath: process.env.PORTAL_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const out = {};
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.route(`**${AXE_URL_PATH}`, (r) => r.fulfill({ status: 200, contentType: "text/javascript", body: AXE_SOURCE }));
  const focused = () => page.evaluate(() => {
    const el = document.activeElement;
    return { tag: el.tagName, text: el.textContent.trim().slice(0, 80), href: el.getAttribute("href") };
  });

  // 1. search: type a query (no mouse), see the result, open it with the keyboard
  await page.goto(new URL("wanfried/suche/", base).href);
  await page.focus("#seiten-suche-feld");
  await page.keyboard.type("perso", { delay: 30 });
  await page.keyboard.press("Enter");
  await page.waitForSelector("#suchergebnisse li a");
  out.search = {
    status: await page.textContent("#suchstatus"),
    statusRole: await page.getAttribute("#suchstatus", "role"),
    results: await page.$$eval("#suchergebnisse li", (li) => li.slice(0, 3).map((x) => x.innerText)),
    url: page.url(),
  };
  // axe on the page as it is now: results shown
  await page.addScriptTag({ url: new URL(AXE_URL_PATH, base).href });
  out.search.axe = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
      .then((r) => r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)));
  await page.keyboard.press("Tab"); // the search button
  await page.keyboard.press("Tab"); // the first result
  out.search.focusedResult = await focused();
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  out.search.opened = { url: page.url(), h1: (await page.textContent("h1")).trim() };

  // 2. place chooser: a PLZ of several Gemeinden offers a choice; choose one with the keyboard
  await page.goto(base);
  await page.focus("#ortswahl-feld");
  await page.keyboard.type("36115");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#ortswahl-liste li");
  out.chooser = {
    status: await page.textContent("#ortswahl-status"),
    options: await page.$$eval("#ortswahl-liste li", (li) => li.map((x) => x.innerText)),
  };
  await page.keyboard.press("Tab"); // button
  await page.keyboard.press("Tab"); // first choice
  out.chooser.focused = await focused();
  await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  out.chooser.landed = { url: page.url(), h1: (await page.textContent("h1")).trim() };

  // 3. a PLZ of one Gemeinde and a place name go straight to the subsite
  for (const value of ["37281", "Eschwege"]) {
    await page.goto(base);
    await page.fill("#ortswahl-feld", value);
    await Promise.all([page.waitForNavigation(), page.press("#ortswahl-feld", "Enter")]);
    out[`direct-${value}`] = page.url();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out));
