// The nightly job's optional accessibility smoke test (portal nightly --axe): axe-core (WCAG 2.0/2.1 A and
// AA) in one Chromium, on a few pages of a release that is not live yet. The pages are answered from the
// release folder by this script itself (page.route on http://release.invalid/), so no server is needed;
// axe.min.js is served from the same origin because the pages' Content-Security-Policy forbids inline script.
//
// stdin:  {"root": "/abs/path/of/the/release", "pages": ["wanfried/index.html", ...]}
// stdout: [{"page", "status", "violations": [{id, impact, help}], "errors": ["console error", ...]}]
// env:    PORTAL_CHROMIUM (default /usr/bin/chromium)

import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const AXE_SOURCE = readFileSync(join(ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");
const ORIGIN = "http://release.invalid";
const AXE_PATH = "/__axe__/axe.min.js";
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css",
  ".js": "text/javascript",
  ".json": "application/json",
  ".woff2": "font/woff2",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

function fileFor(root, urlPath) {
  let rel = decodeURIComponent(urlPath);
  if (rel.endsWith("/")) rel += "index.html";
  const full = normalize(join(root, rel));
  if (!full.startsWith(root + sep)) return null;
  try {
    const st = statSync(full);
    return st.isDirectory() ? join(full, "index.html") : full;
  } catch {
    return null;
  }
}

async function main() {
  const job = JSON.parse(readFileSync(0, "utf8"));
  const root = normalize(job.root);
  const browser = await chromium.launch({
    executablePath: process.env.PORTAL_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const out = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.route("**/*", async (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== ORIGIN) return route.abort();
      if (url.pathname === AXE_PATH) {
        return route.fulfill({ status: 200, contentType: "text/javascript", body: AXE_SOURCE });
      }
      const file = fileFor(root, url.pathname);
      if (!file) return route.fulfill({ status: 404, body: "not found" });
      try {
        const body = readFileSync(file);
        return route.fulfill({ status: 200, contentType: TYPES[extname(file)] || "application/octet-stream", body });
      } catch {
        return route.fulfill({ status: 404, body: "not found" });
      }
    });
    const page = await context.newPage();
    let errors = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(msg.text());
    });
    page.on("pageerror", (err) => errors.push(`uncaught: ${err.message}`));
    for (const rel of job.pages) {
      errors = [];
      const response = await page.goto(`${ORIGIN}/${rel}`, { waitUntil: "load" });
      await page.addScriptTag({ url: `${ORIGIN}${AXE_PATH}` });
      const results = await page.evaluate(() =>
        window.axe.run(document, {
          runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
          resultTypes: ["violations"],
        }),
      );
      out.push({
        page: rel,
        status: response ? response.status() : null,
        violations: results.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help })),
        errors,
      });
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err));
  process.exit(1);
});
