/* The place chooser: a PLZ or a place name leads to the subsite; a PLZ of several Gemeinden offers a
   choice. Data: /orte.json (from the Gemeindeverzeichnis). Without JavaScript the form leads to the
   static list of all places. */
(function () {
  "use strict";
  var box = document.getElementById("portal-ortswahl");
  if (!box) { return; }
  var d = box.dataset;
  var form = box.querySelector("form");
  var input = box.querySelector("input");
  var status = document.getElementById("ortswahl-status");
  var list = document.getElementById("ortswahl-liste");
  var data = null;

  function fold(s) {
    return s.toLowerCase().replace(/\u00e4/g, "ae").replace(/\u00f6/g, "oe").replace(/\u00fc/g, "ue").replace(/\u00df/g, "ss").trim();
  }

  function load() {
    if (!data) {
      data = fetch(d.orte, { credentials: "same-origin" }).then(function (r) { return r.json(); });
    }
    return data;
  }

  function matches(orte, value) {
    if (/^\d{5}$/.test(value)) {
      return (orte.p[value] || []).map(function (i) { return orte.o[i]; });
    }
    var q = fold(value);
    if (q.length < 2) { return []; }
    var exact = orte.o.filter(function (o) { return fold(o[0]) === q; });
    if (exact.length) { return exact; }
    return orte.o.filter(function (o) { return fold(o[0]).indexOf(q) === 0; }).slice(0, 20);
  }

  function show(found, value) {
    list.textContent = "";
    found.forEach(function (o) {
      var li = document.createElement("li");
      if (o[1]) {
        var a = document.createElement("a");
        a.className = "kern-link";
        a.href = d.root + o[1] + d.ordner;
        a.textContent = o[0] + (o[2] ? " (" + o[2] + ")" : "");
        li.appendChild(a);
      } else {
        li.textContent = o[0] + (o[2] ? " (" + o[2] + ")" : "") + " – " + d.textOhneSeite;
      }
      list.appendChild(li);
    });
    status.textContent = found.length ? d.textAuswahl.replace("%n", String(found.length)) : d.textKeiner.replace("%q", value);
  }

  form.addEventListener("submit", function (event) {
    var value = input.value.trim();
    if (!value) { return; }
    event.preventDefault();
    load().then(function (orte) {
      var found = matches(orte, value);
      if (found.length === 1 && found[0][1]) {
        window.location.href = d.root + found[0][1] + d.ordner;
        return;
      }
      show(found, value);
    });
  });
})();
