// `portal serve` (editors' preview, never part of the built site): asks the local server once a second
// whether the site was built again, and reloads the page when it was. A failed build is shown at the top
// of the page (role="alert") until the next good one.
(function () {
  "use strict";
  var stand = null;
  var meldung = null;

  function zeige(text) {
    if (!text) {
      if (meldung) { meldung.remove(); meldung = null; }
      return;
    }
    if (!meldung) {
      meldung = document.createElement("div");
      meldung.className = "portal-vorschau";
      meldung.setAttribute("role", "alert");
      document.body.insertBefore(meldung, document.body.firstChild);
    }
    meldung.textContent = "portal serve: " + text;
  }

  function frage() {
    fetch("/__portal/stand", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (stand === null) {
          stand = d.stand;
        } else if (d.stand !== stand) {
          if (!d.fehler) { window.location.reload(); return; }
          stand = d.stand;
        }
        zeige(d.fehler);
      })
      .catch(function () { /* the server is restarting: ask again */ })
      .then(function () { window.setTimeout(frage, 1000); });
  }
  frage();
})();
