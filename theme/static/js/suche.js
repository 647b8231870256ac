/* The search page and search boxes: loads the shared index, the result data of the page's language and
   the subsite's map; searches as you type; announces the number of results in a live region. All data
   comes from this site (Content-Security-Policy: connect-src 'self'). */
(function () {
  "use strict";
  var box = document.getElementById("portal-suche");
  if (!box || !window.lunr || !window.PortalSuchlogik) { return; }
  var d = box.dataset;
  var form = box.querySelector("form");
  var input = box.querySelector("input[type=search]");
  var status = document.getElementById("suchstatus");
  var list = document.getElementById("suchergebnisse");
  var hint = document.getElementById("suche-ohne-js");
  if (hint) { hint.hidden = true; }
  var state = null;

  function load() {
    if (state) { return state; }
    state = Promise.all([d.index, d.docs, d.karte].map(function (u) {
      return fetch(u, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) { throw new Error(u + ": " + r.status); }
        return r.json();
      });
    })).then(function (parts) {
      return { index: lunr.Index.load(parts[0]), docs: parts[1], karte: parts[2] };
    });
    return state;
  }

  function link(entry, doc) {
    // entry[0]: the responsible subsite's folder below the site root, or (in a municipality's export,
    // `portal export`) the absolute address of a subsite that is not part of it
    var base = /^https?:\/\//.test(entry[0]) ? "" : d.root;
    return base + entry[0] + d.ordner + "leistungen/" + doc[2] + "/";
  }

  function render(data, query) {
    var hits = PortalSuchlogik.search(data.index, query, 50).filter(function (h) { return data.karte.e[h.ref] !== undefined; });
    list.textContent = "";
    hits.forEach(function (hit) {
      var doc = data.docs[hit.ref];
      var entry = data.karte.z[data.karte.e[hit.ref]];
      var li = document.createElement("li");
      li.className = "portal-leistungsliste__eintrag";
      var a = document.createElement("a");
      a.className = "kern-link portal-leistungsliste__link";
      a.href = link(entry, doc);
      a.textContent = doc[0];
      if (doc[3] !== d.sprache) { a.lang = doc[3]; a.dir = "ltr"; }
      li.appendChild(a);
      if (doc[1]) {
        var teaser = document.createElement("span");
        teaser.className = "portal-leistungsliste__teaser";
        teaser.textContent = doc[1];
        if (doc[3] !== d.sprache) { teaser.lang = doc[3]; teaser.dir = "ltr"; }
        li.appendChild(teaser);
      }
      var level = document.createElement("span");
      level.className = "portal-leistungsliste__ebene";
      level.textContent = entry[1] ? d.textZustaendig.replace("%s", entry[1]) : d.textOrtWaehlen;
      li.appendChild(level);
      list.appendChild(li);
    });
    status.textContent = hits.length
      ? d.textTreffer.replace("%n", String(hits.length)).replace("%q", query)
      : d.textKeine.replace("%q", query);
  }

  var timer = null;
  function run() {
    var query = input.value.trim();
    if (!query) { list.textContent = ""; status.textContent = ""; return; }
    load().then(function (data) { render(data, query); }, function () { status.textContent = d.textFehler; });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 200);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    if (history.replaceState) {
      history.replaceState(null, "", "?q=" + encodeURIComponent(input.value.trim()));
    }
    run();
  });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; run(); }
})();
