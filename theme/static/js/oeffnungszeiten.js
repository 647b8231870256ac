/* "Jetzt geöffnet / geschlossen" under an office's opening hours, computed in the browser from the
   structured hours the page carries (data-zeiten) with the clock and the public holidays of Hessen
   (oeffnungslogik.js). The texts come translated from the page (data-text-*); without JavaScript the
   status line stays hidden and the table says it all. */
(function () {
  "use strict";
  var L = window.PortalOeffnungslogik;
  if (!L) { return; }
  var jetzt = new Date();
  Array.prototype.forEach.call(document.querySelectorAll(".portal-oeffnungsstatus[data-zeiten]"), function (el) {
    var d = el.dataset;
    var liste = L.zeiten(d.zeiten);
    if (!liste.length) { return; }
    var s = L.status(liste, jetzt);
    var namen = {};
    try { namen = JSON.parse(d.feiertage || "{}"); } catch (e) { namen = {}; }
    var tage = (d.wochentage || "").split(",");
    var teile = [];
    if (s.feiertag) { teile.push(d.textFeiertag.replace("%f", namen[s.feiertag] || s.feiertag)); }
    if (s.offen) {
      teile.push(d.textOffen.replace("%z", L.uhrzeit(s.bis)));
    } else {
      teile.push(d.textGeschlossen);
      if (s.naechste) {
        var text = s.naechste.tage === 0 ? d.textHeute : (s.naechste.tage === 1 ? d.textMorgen : d.textAm);
        teile.push(text.replace("%t", tage[s.naechste.wochentag] || "").replace("%z", L.uhrzeit(s.naechste.von)));
      }
    }
    el.textContent = teile.join(" ");
    el.classList.add(s.offen ? "portal-oeffnungsstatus--offen" : "portal-oeffnungsstatus--geschlossen");
    el.hidden = false;
  });
})();
