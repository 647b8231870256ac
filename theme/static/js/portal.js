/* Every page, loaded in <head> (not deferred: the colour scheme is applied before the page is drawn).
   - Colour scheme: the system's setting (prefers-color-scheme) unless the visitor chose otherwise with the
     button in the header. The choice is stored in this browser (localStorage) only when the visitor makes
     one, and only while it differs from the system's setting; nothing is stored before. KERN's tokens do
     the rest (data-kern-theme="dark" / "light" on <html>).
   - "Barriere melden": the e-mail gets the full address of this page as the browser shows it (the build
     knows only the path when the site's URL is not configured). */
(function () {
  "use strict";
  var KEY = "portal-farbschema";
  var html = document.documentElement;
  var system = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function lesen() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }

  function anwenden(wert) {
    if (wert === "dunkel" || wert === "hell") {
      html.setAttribute("data-kern-theme", wert === "dunkel" ? "dark" : "light");
    } else {
      html.removeAttribute("data-kern-theme");
    }
  }

  function systemDunkel() { return !!(system && system.matches); }

  function dunkel() {
    var t = html.getAttribute("data-kern-theme");
    return t ? t === "dark" : systemDunkel();
  }

  anwenden(lesen());

  function farbschema() {
    var schalter = document.getElementById("farbschema-schalter");
    if (!schalter) { return; }
    function zeigen() { schalter.setAttribute("aria-pressed", dunkel() ? "true" : "false"); }
    schalter.hidden = false;
    zeigen();
    schalter.addEventListener("click", function () {
      var wert = dunkel() ? "hell" : "dunkel";
      try {
        if ((wert === "dunkel") === systemDunkel()) {
          window.localStorage.removeItem(KEY); // the same as the system's setting: follow the system again
        } else {
          window.localStorage.setItem(KEY, wert);
        }
      } catch (e) { /* storage switched off: the choice lasts as long as the page */ }
      anwenden(lesen() || ((wert === "dunkel") === systemDunkel() ? null : wert));
      zeigen();
    });
    if (system && system.addEventListener) { system.addEventListener("change", zeigen); }
  }

  function barriereMelden() {
    Array.prototype.forEach.call(document.querySelectorAll("a.portal-barriere-melden[data-adresse]"), function (a) {
      var d = a.dataset;
      var text = d.text.replace("%u", window.location.href).replace(/\r?\n/g, "\r\n");
      a.href = "mailto:" + d.adresse + "?subject=" + encodeURIComponent(d.betreff) + "&body=" + encodeURIComponent(text);
    });
  }

  function start() {
    farbschema();
    barriereMelden();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
