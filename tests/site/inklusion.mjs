// Inclusion beyond the automated rules, in real Chromium (playwright-core): a keyboard-only journey with the
// focus checked at every step, reflow at 320 px and 200 % text, forced colours and the dark scheme (system and
// toggle) under axe, reduced motion, the checklist of documents, "jetzt geöffnet" on fixed dates, "Barriere
// melden" and the print view. Run by tests/site/test_inklusion.py; not a test itself: it records, the test judges.
//
// stdin:  {"base": "http://127.0.0.1:PORT/", "reflow": [path, ...], "farben": [path, ...],
//          "service": "wanfried/leistungen/…/", "stelle": "wanfried/behoerden/…/",
//          "uhr": [{"name", "zeit": ISO instant}], "zeitzone": "America/New_York"}
// stdout: {"tastatur": {...}, "reflow": [...], "farben": [...], "schalter": {...}, "bewegung": {...},
//          "checkliste": {...}, "oeffnungszeiten": [...], "melden": {...}, "druck": {...}}
// env:    PORTAL_CHROMIUM (default /usr/bin/chromium)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const AXE_SOURCE = readFileSync(join(ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");
const AXE_URL_PATH = "/__axe__/axe.min.js";
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

const job = JSON.parse(readFileSync(0, "utf8"));
const base = job.base;
const url = (path) => new URL(path, base).href;
const browser = await chromium.launch({
  executablePath: process.env.PORTAL_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});

async function neueSeite(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  await page.route(`**${AXE_URL_PATH}`, (r) => r.fulfill({ status: 200, contentType: "text/javascript", body: AXE_SOURCE }));
  page.fehler = [];
  page.on("pageerror", (e) => page.fehler.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") page.fehler.push(m.text()); });
  return page;
}

async function axe(page) {
  await page.addScriptTag({ url: url(AXE_URL_PATH) });
  return page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } })
    .then((r) => r.violations.map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " " + (n.failureSummary || "").split("\n").slice(1, 2).join(" ")).join(" | ")}`)), TAGS);
}

// the focused element and how its focus shows (computed outline and box-shadow)
function fokus(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) { return null; }
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    const outline = cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2;
    const schatten = !!cs.boxShadow && cs.boxShadow !== "none";
    return {
      tag: el.tagName, id: el.id, href: el.getAttribute("href"), hreflang: el.getAttribute("hreflang"),
      text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 60),
      outline: `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`, schatten: cs.boxShadow,
      sichtbar: outline || schatten,
      imBild: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth,
    };
  });
}

// Tab until test(focused) holds; every step is recorded (focus must show at each of them)
async function tabBis(page, schritte, test, max = 120) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    let f = await fokus(page);
    // a smooth scroll (KERN's, without prefers-reduced-motion) may still be bringing the element into view
    for (let warten = 0; f && !f.imBild && warten < 20; warten++) {
      await page.waitForTimeout(50);
      f = await fokus(page);
    }
    schritte.push({ seite: new URL(page.url()).pathname, ...(f || { tag: null }) });
    if (f && test(f)) { return f; }
  }
  throw new Error(`Tab ${max} times on ${page.url()} without reaching the target`);
}

async function laden(page, ziel) {
  await page.goto(ziel, { waitUntil: "load" });
  await page.waitForLoadState("networkidle").catch(() => {});
}

const out = {};
try {
  // 1. keyboard only: choose a place, search, open a service, switch language, tick the checklist, print view
  {
    const page = await neueSeite();
    const schritte = [];
    const t = { schritte };
    await laden(page, base);
    await tabBis(page, schritte, (f) => f.id === "ortswahl-feld");
    await page.keyboard.type("37281");
    await Promise.all([page.waitForURL(/\/wanfried\/$/), page.keyboard.press("Enter")]);
    t.ort = page.url();
    await page.waitForLoadState("networkidle").catch(() => {});
    await tabBis(page, schritte, (f) => f.id === "start-suche-feld");
    await page.keyboard.type("Personalausweis");
    await Promise.all([page.waitForURL(/suche\/\?q=/), page.keyboard.press("Enter")]);
    await page.waitForSelector("#suchergebnisse li a");
    t.suche = page.url();
    const treffer = await tabBis(page, schritte, (f) => f.tag === "A" && (f.href || "").includes("personalausweis-beantragen"));
    await Promise.all([page.waitForURL(/leistungen\//), page.keyboard.press("Enter")]);
    await page.waitForLoadState("networkidle").catch(() => {});
    t.leistung = { url: page.url(), h1: (await page.textContent("h1")).trim(), treffer: treffer.href };
    await tabBis(page, schritte, (f) => f.tag === "A" && f.hreflang === "en");
    await Promise.all([page.waitForURL(/\/en\//), page.keyboard.press("Enter")]);
    await page.waitForLoadState("networkidle").catch(() => {});
    t.sprache = { url: page.url(), lang: await page.getAttribute("html", "lang") };
    const box = await tabBis(page, schritte, (f) => f.tag === "INPUT" && f.id.startsWith("checkliste-"));
    await page.keyboard.press("Space");
    t.angehakt = await page.isChecked(`#${box.id}`);
    await page.reload({ waitUntil: "load" });
    t.nachNeuladen = await page.isChecked(`#${box.id}`);
    t.speicher = await page.evaluate(() => Object.keys(localStorage));
    await tabBis(page, schritte, (f) => f.tag === "BUTTON" && f.text.length > 0 && !f.id);
    t.druckknopf = (await fokus(page)).text;
    t.fehler = page.fehler;
    out.tastatur = t;

    // the print view of the page the journey ended on
    await page.emulateMedia({ media: "print" });
    out.druck = await page.evaluate(() => {
      const shown = (sel) => { const el = document.querySelector(sel); return el ? getComputedStyle(el).display !== "none" : null; };
      const extern = [...document.querySelectorAll("main a[href^='http']")][0];
      return {
        kopf: shown(".portal-header"), fuss: shown(".portal-footer"), knoepfe: shown(".portal-checkliste__leiste"),
        kasten: shown(".portal-checkliste__box"),
        ziel: extern ? { href: extern.getAttribute("href"), after: getComputedStyle(extern, "::after").content } : null,
        farbe: getComputedStyle(document.body).color,
      };
    });
    await page.context().close();
  }

  // 2. reflow: 320 px wide, and 200 % text (root font size, as the browser's text zoom does), no sideways scroll
  {
    out.reflow = [];
    const page = await neueSeite();
    for (const [breite, schrift] of [[320, 1], [1280, 2], [640, 2]]) {
      await page.setViewportSize({ width: breite, height: 800 });
      for (const path of job.reflow) {
        await laden(page, url(path));
        if (schrift !== 1) {
          await page.evaluate((s) => { document.documentElement.style.fontSize = `${s * 100}%`; }, schrift);
        }
        await page.evaluate(() => document.fonts.ready);
        out.reflow.push({ path, breite, schrift, ...(await page.evaluate(() => {
          const doc = document.documentElement;
          const breit = [...document.querySelectorAll("body *")]
            .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.right > doc.clientWidth + 1; })
            .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")} (${Math.round(el.getBoundingClientRect().right)} px)`);
          return { scroll: doc.scrollWidth, sichtbar: doc.clientWidth, breit };
        })) });
      }
    }
    await page.context().close();
  }

  // 3. forced colours and the dark scheme of the system: axe on each page
  {
    out.farben = [];
    for (const [modus, options] of [["dunkel", { colorScheme: "dark" }], ["erzwungen", { forcedColors: "active" }], ["erzwungen-dunkel", { forcedColors: "active", colorScheme: "dark" }]]) {
      const page = await neueSeite(options);
      for (const path of job.farben) {
        await laden(page, url(path));
        out.farben.push({
          modus, path, verstoesse: await axe(page), fehler: page.fehler.splice(0),
          schema: await page.evaluate(() => ({ hintergrund: getComputedStyle(document.body).backgroundColor, text: getComputedStyle(document.body).color, forced: matchMedia("(forced-colors: active)").matches })),
        });
      }
      await page.context().close();
    }
  }

  // 4. the colour scheme toggle: nothing stored before the visitor chooses; the choice survives a reload
  {
    const page = await neueSeite({ colorScheme: "light" });
    const zustand = () => page.evaluate(() => ({
      gespeichert: localStorage.getItem("portal-farbschema"), schluessel: Object.keys(localStorage),
      thema: document.documentElement.getAttribute("data-kern-theme"),
      gedrueckt: document.getElementById("farbschema-schalter").getAttribute("aria-pressed"),
      sichtbar: !document.getElementById("farbschema-schalter").hidden,
      hintergrund: getComputedStyle(document.body).backgroundColor,
    }));
    const s = {};
    await laden(page, url(job.service));
    s.vorher = await zustand();
    await page.focus("#farbschema-schalter");
    await page.keyboard.press("Enter");
    s.gewaehlt = await zustand();
    s.verstoesse = await axe(page);
    await laden(page, url(job.stelle));
    s.andereSeite = await zustand();
    await page.focus("#farbschema-schalter");
    await page.keyboard.press("Space");
    s.zurueck = await zustand();
    s.fehler = page.fehler;
    out.schalter = s;
    await page.context().close();
  }

  // 5. motion: smooth scrolling and colour transitions only without prefers-reduced-motion
  {
    out.bewegung = {};
    for (const wunsch of ["reduce", "no-preference"]) {
      const page = await neueSeite({ reducedMotion: wunsch });
      await laden(page, url(job.service));
      out.bewegung[wunsch] = await page.evaluate(() => {
        const dauer = [...document.querySelectorAll("a, button, summary")].map((el) => getComputedStyle(el).transitionDuration);
        const animationen = [...document.querySelectorAll("*")].filter((el) => getComputedStyle(el).animationName !== "none").length;
        return { scroll: getComputedStyle(document.documentElement).scrollBehavior, bewegt: dauer.filter((d) => d.split(",").some((x) => parseFloat(x) > 0)).length, elemente: dauer.length, animationen };
      });
      await page.context().close();
    }
  }

  // 6. the checklist: a plain list without JavaScript; with it, boxes whose ticks stay in this browser only
  {
    const ohne = await neueSeite({ javaScriptEnabled: false });
    await laden(ohne, url(job.service));
    const c = {
      ohneJs: await ohne.evaluate(() => ({
        eintraege: document.querySelectorAll("#unterlagen ~ .portal-checkliste .portal-text li").length,
        kaesten: document.querySelectorAll(".portal-checkliste input[type=checkbox]").length,
      })),
    };
    await ohne.emulateMedia({ media: "print" });
    c.ohneJsDruck = await ohne.evaluate(() => {
      const li = document.querySelector(".portal-checkliste .portal-text li");
      return li ? getComputedStyle(li, "::before").content : null;
    });
    await ohne.context().close();
    const page = await neueSeite();
    await laden(page, url(job.service));
    c.mitJs = await page.evaluate(() => ({
      eintraege: document.querySelectorAll(".portal-checkliste .portal-text > ul > li, .portal-checkliste .portal-text > ol > li").length,
      kaesten: document.querySelectorAll(".portal-checkliste input[type=checkbox]").length,
      beschriftet: [...document.querySelectorAll(".portal-checkliste input[type=checkbox]")].every((i) => i.labels.length === 1 && i.labels[0].textContent.trim().length > 0),
      speicher: Object.keys(localStorage),
    }));
    await page.check(".portal-checkliste__box >> nth=1");
    c.nachHaken = await page.evaluate(() => Object.entries(localStorage));
    c.verstoesse = await axe(page);
    await page.click(".portal-checkliste__leiste button >> nth=1");
    c.nachLeeren = await page.evaluate(() => ({ speicher: Object.keys(localStorage), an: document.querySelectorAll(".portal-checkliste__box:checked").length }));
    c.fehler = page.fehler;
    out.checkliste = c;
    await page.context().close();
  }

  // 7. "jetzt geöffnet / geschlossen" at fixed instants, seen from another time zone
  {
    out.oeffnungszeiten = [];
    for (const u of job.uhr) {
      const page = await neueSeite({ timezoneId: job.zeitzone });
      await page.clock.setFixedTime(new Date(u.zeit));
      await laden(page, url(job.stelle));
      out.oeffnungszeiten.push({ ...u, status: await page.evaluate(() => {
        const el = document.querySelector(".portal-oeffnungsstatus");
        return el ? { text: el.textContent, hidden: el.hidden, zeiten: el.dataset.zeiten } : null;
      }), fehler: page.fehler });
      await page.context().close();
    }
    const ohne = await neueSeite({ javaScriptEnabled: false });
    await laden(ohne, url(job.stelle));
    out.oeffnungszeitenOhneJs = await ohne.evaluate(() => document.querySelector(".portal-oeffnungsstatus").hidden);
    await ohne.context().close();
  }

  // 8. "Barriere melden": the page's full address in the e-mail, with and without JavaScript
  {
    out.melden = {};
    for (const [name, js] of [["mitJs", true], ["ohneJs", false]]) {
      const page = await neueSeite({ javaScriptEnabled: js });
      await laden(page, url(job.service) + "#unterlagen");
      out.melden[name] = { seite: page.url(), href: await page.getAttribute("a.portal-barriere-melden", "href") };
      await page.context().close();
    }
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out));
