// What a browser downloads for a search, in real Chromium: every response the page (and its workers) receives
// is recorded with its body size. Run by plugins/search_index/bench.py (`portal bench search`).
//
// stdin (JSON):
//   {"chromium": "/usr/bin/chromium", "job": "lunr", "base": "http://127.0.0.1:PORT/",
//    "page": "wanfried/suche/?q=perso", "next": "reisepass"}
//     opens the search page with a query in its URL, waits for the results, then types a further query
//   {"chromium": ..., "job": "pagefind", "base": ..., "harness": "bench.html", "sequence": ["perso", ...],
//    "fresh": ["perso", ...], "top": 3}
//     sequence: one page runs the queries one after the other (search, then data() of the top results);
//     fresh: each query as the first one, in a new browser context with an empty cache
// stdout (JSON): for each step, the responses ({url, status, bytes}) and the result links it showed; "seen":
// the URL of every response, steps or not.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const require = createRequire(join(ROOT, "package.json"));
const { chromium } = require("playwright-core");

const job = JSON.parse(readFileSync(0, "utf8"));
const SETTLE_MS = 300;
const seen = []; // every response of every page, in and outside the steps, to compare with the server's log

/** Records every response of a page into the current bucket; settle() waits until the network is quiet. */
function recorder(page) {
  const state = { bucket: [], pending: 0, bodies: [], last: Date.now() };
  page.on("request", () => { state.pending += 1; state.last = Date.now(); });
  const done = () => { state.pending -= 1; state.last = Date.now(); };
  page.on("requestfinished", done);
  page.on("requestfailed", done);
  page.on("response", (response) => {
    const entry = { url: response.url(), status: response.status(), bytes: null };
    state.bucket.push(entry);
    seen.push(entry.url);
    state.bodies.push(
      response.body().then((b) => { entry.bytes = b.length; }, () => { entry.bytes = -1; }),
    );
  });
  return {
    start() { const b = []; state.bucket = b; return b; },
    async settle() {
      for (let i = 0; i < 200; i += 1) {
        if (state.pending <= 0 && Date.now() - state.last >= SETTLE_MS) { break; }
        await new Promise((r) => setTimeout(r, 50));
      }
      await Promise.all(state.bodies);
    },
  };
}

async function lunrJob(browser) {
  const page = await browser.newPage();
  const rec = recorder(page);
  const first = rec.start();
  await page.goto(new URL(job.page, job.base).href);
  await page.waitForSelector("#suchergebnisse li a", { timeout: 30000 });
  await rec.settle();
  const firstResults = await page.$$eval("#suchergebnisse li a", (a) => a.slice(0, 3).map((x) => x.href));
  const further = rec.start();
  await page.fill("#seiten-suche-feld", job.next);
  await page.press("#seiten-suche-feld", "Enter");
  await page.waitForFunction(
    (q) => (document.getElementById("suchstatus").textContent || "").includes(q), job.next, { timeout: 30000 },
  );
  await rec.settle();
  const furtherResults = await page.$$eval("#suchergebnisse li a", (a) => a.slice(0, 3).map((x) => x.href));
  return {
    first: { responses: first, results: firstResults },
    further: { responses: further, results: furtherResults },
  };
}

async function pagefindQuery(page, query, top) {
  return page.evaluate(async ({ query, top }) => {
    if (!window.__pagefind) {
      window.__pagefind = await import("/pagefind/pagefind.js");
    }
    const search = await window.__pagefind.search(query);
    const data = await Promise.all(search.results.slice(0, top).map((r) => r.data()));
    return data.map((d) => d.url);
  }, { query, top });
}

async function pagefindJob(browser) {
  const out = { sequence: [], fresh: [] };
  const harness = new URL(job.harness, job.base).href;
  {
    const context = await browser.newContext();
    const page = await context.newPage();
    const rec = recorder(page);
    await page.goto(harness);
    await rec.settle();
    for (const query of job.sequence) {
      const bucket = rec.start();
      const results = await pagefindQuery(page, query, job.top);
      await rec.settle();
      out.sequence.push({ query, responses: bucket, results });
    }
    await context.close();
  }
  for (const query of job.fresh) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const rec = recorder(page);
    await page.goto(harness);
    await rec.settle();
    const bucket = rec.start();
    const results = await pagefindQuery(page, query, job.top);
    await rec.settle();
    out.fresh.push({ query, responses: bucket, results });
    await context.close();
  }
  return out;
}

const browser = await chromium.launch({
  executablePath: job.chromium || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
let result;
try {
  result = job.job === "lunr" ? await lunrJob(browser) : await pagefindJob(browser);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify({ ...result, seen }));
