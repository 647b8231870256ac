// One Chromium (playwright-core), one page, reused: audits pages with axe-core and takes screenshots.
// Run by tests/site/test_a11y.py and test_screenshots.py; not a test itself.
//
// stdin:  a JSON list of URLs to audit, or {"audit": [url, ...], "screenshots": [{url, path, width, height}],
//          "pages": {"/path": "<html>…"}, "zeit": "<ISO time>"}  (pages: answered by this script itself, e.g.
//          a known-bad test page; zeit: the pages' clock for the screenshots, so that what a page computes
//          from the time, such as an office's "open now", is the same in every run)
// stdout: {"audit": [{url, status, title, lang, dir, violations, incomplete, passes, external, failed, console}],
//          "screenshots": [{url, status, path, width, bytes}]}
//   violations: axe results of the WCAG 2.0/2.1 A and AA rules (id, impact, help, helpUrl, nodes[target, summary])
//   external:   every request to a host other than 127.0.0.1 (none may leave the machine)
//   failed:     sub-resources that failed or answered >= 400 (the page itself may be a 404 on purpose)
//   console:    console errors and uncaught exceptions as {text, url} (a Content-Security-Policy violation
//               shows up here)
// env:    PORTAL_CHROMIUM (default /usr/bin/chromium)
//
// The Content-Security-Policy of the pages stays in force (no bypassCSP), so a violation of it is caught.
// page.addScriptTag({path}) would add axe as an inline script, which that policy blocks ('script-src self');
// so axe.min.js is added as a <script src> of the page's own origin, /__axe__/axe.min.js, which this
// script answers itself (page.route) with the file from node_modules/axe-core.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const AXE_PATH = join(ROOT, "node_modules", "axe-core", "axe.min.js");
const AXE_SOURCE = readFileSync(AXE_PATH, "utf8");
const AXE_URL_PATH = "/__axe__/axe.min.js";
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const LOCAL_HOSTS = new Set(["127.0.0.1"]);
const LOCAL_SCHEMES = new Set(["data:", "blob:", "about:"]);

function summarise(results) {
  const nodes = (r) =>
    r.nodes.map((n) => ({ target: n.target, html: n.html.slice(0, 300), summary: n.failureSummary || "" }));
  return {
    violations: results.violations.map((r) => ({
      id: r.id,
      impact: r.impact,
      help: r.help,
      helpUrl: r.helpUrl,
      nodes: nodes(r),
    })),
    incomplete: results.incomplete.map((r) => ({ id: r.id, impact: r.impact, help: r.help, count: r.nodes.length })),
    passes: results.passes.length,
  };
}

// the page itself (its status is reported separately: the 404 page is audited on purpose)
function isDocument(req) {
  return req.isNavigationRequest() && req.frame() === req.frame().page().mainFrame();
}

async function main() {
  const input = JSON.parse(readFileSync(0, "utf8")); // stdin
  const job = Array.isArray(input) ? { audit: input } : input;
  const browser = await chromium.launch({
    executablePath: process.env.PORTAL_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const out = { audit: [], screenshots: [] };
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    let current = null; // the record of the page being visited; the listeners write into it

    await page.route(`**${AXE_URL_PATH}`, (route) =>
      route.fulfill({ status: 200, contentType: "text/javascript; charset=utf-8", body: AXE_SOURCE }),
    );
    for (const [path, html] of Object.entries(job.pages || {})) {
      await page.route(`**${path}`, (route) =>
        route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: html }),
      );
    }
    page.on("request", (req) => {
      const url = new URL(req.url());
      if (!LOCAL_SCHEMES.has(url.protocol) && !LOCAL_HOSTS.has(url.hostname) && current) {
        current.external.push(`${req.method()} ${req.url()}`);
      }
    });
    page.on("requestfailed", (req) => {
      // a sub-resource answered >= 400 is aborted too: report it once (as its HTTP status, below)
      if (current && !req.url().endsWith(AXE_URL_PATH) && !current.failed.some((f) => f.startsWith(`${req.url()}: `))) {
        current.failed.push(`${req.url()}: ${req.failure()?.errorText}`);
      }
    });
    page.on("response", (res) => {
      if (current && res.status() >= 400 && !isDocument(res.request()) && !res.url().endsWith(AXE_URL_PATH)) {
        current.failed.push(`${res.url()}: HTTP ${res.status()}`);
      }
    });
    page.on("console", (msg) => {
      if (current && msg.type() === "error") current.console.push({ text: msg.text(), url: msg.location().url });
    });
    page.on("pageerror", (err) => {
      if (current) current.console.push({ text: `uncaught: ${err.message}`, url: current.url });
    });

    for (const url of job.audit || []) {
      current = { url, external: [], failed: [], console: [] };
      const response = await page.goto(url, { waitUntil: "load" });
      current.status = response ? response.status() : null;
      // let late requests (fonts, anything a script would start) arrive before the audit
      await page.waitForLoadState("networkidle").catch(() => {});
      // a <script src> of the page's own origin: allowed by the page's CSP, unlike an inline script
      await page.addScriptTag({ url: new URL(AXE_URL_PATH, url).href });
      const results = await page.evaluate(
        (tags) =>
          window.axe.run(document, {
            runOnly: { type: "tag", values: tags },
            resultTypes: ["violations", "incomplete"],
          }),
        TAGS,
      );
      const meta = await page.evaluate(() => ({
        title: document.title,
        lang: document.documentElement.lang,
        dir: document.documentElement.dir,
      }));
      out.audit.push({ ...current, ...meta, ...summarise(results) });
    }
    current = null;

    if (job.zeit && (job.screenshots || []).length) await page.clock.setFixedTime(new Date(job.zeit));
    for (const shot of job.screenshots || []) {
      await page.setViewportSize({ width: shot.width, height: shot.height || 900 });
      const response = await page.goto(shot.url, { waitUntil: "load" });
      await page.waitForLoadState("networkidle").catch(() => {});
      await page.evaluate(() => document.fonts.ready);
      const buffer = await page.screenshot({ path: shot.path, fullPage: true, type: "png", animations: "disabled" });
      out.screenshots.push({
        url: shot.url,
        status: response ? response.status() : null,
        path: shot.path,
        width: shot.width,
        bytes: buffer.length,
      });
    }
    await context.close();
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(`${err.stack || err}\n`);
  process.exit(1);
});
