/* Opening hours: "open now / closed" for an office in Hessen, aware of the public holidays of Hessen.
   Pure functions, shared by the browser (oeffnungszeiten.js) and the tests (node). The clock is always
   the one in Hessen (Europe/Berlin), whatever the visitor's time zone.

   Public holidays in Hessen (Hessisches Feiertagsgesetz § 1): Neujahr, Karfreitag, Ostersonntag,
   Ostermontag, 1. Mai, Christi Himmelfahrt, Pfingstsonntag, Pfingstmontag, Fronleichnam,
   Tag der Deutschen Einheit, 1. and 2. Weihnachtstag. The moving ones follow Easter Sunday. */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.PortalOeffnungslogik = factory();
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";
  var TAGE = ["MO", "DI", "MI", "DO", "FR", "SA", "SO"];
  var TAG_MS = 86400000;

  // Easter Sunday of the Gregorian calendar (the "anonymous" algorithm, Meeus/Jones/Butcher).
  function ostersonntag(jahr) {
    var a = jahr % 19;
    var b = Math.floor(jahr / 100);
    var c = jahr % 100;
    var d = Math.floor(b / 4);
    var e = b % 4;
    var f = Math.floor((b + 8) / 25);
    var g = Math.floor((b - f + 1) / 3);
    var h = (19 * a + b - d - g + 15) % 30;
    var i = Math.floor(c / 4);
    var k = c % 4;
    var l = (32 + 2 * e + 2 * i - h - k) % 7;
    var m = Math.floor((a + 11 * h + 22 * l) / 451);
    var monat = Math.floor((h + l - 7 * m + 114) / 31);
    var tag = ((h + l - 7 * m + 114) % 31) + 1;
    return iso(Date.UTC(jahr, monat - 1, tag));
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // a calendar date as "YYYY-MM-DD" from a UTC midnight timestamp
  function iso(ms) {
    var d = new Date(ms);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate());
  }

  function utc(datum) {
    var p = datum.split("-");
    return Date.UTC(+p[0], +p[1] - 1, +p[2]);
  }

  function plusTage(datum, n) { return iso(utc(datum) + n * TAG_MS); }

  // { "YYYY-MM-DD": key } for one year; the keys are translated by the page (data-feiertage)
  function feiertage(jahr) {
    var ostern = ostersonntag(jahr);
    var out = {};
    out[jahr + "-01-01"] = "neujahr";
    out[plusTage(ostern, -2)] = "karfreitag";
    out[ostern] = "ostersonntag";
    out[plusTage(ostern, 1)] = "ostermontag";
    out[jahr + "-05-01"] = "maifeiertag";
    out[plusTage(ostern, 39)] = "himmelfahrt";
    out[plusTage(ostern, 49)] = "pfingstsonntag";
    out[plusTage(ostern, 50)] = "pfingstmontag";
    out[plusTage(ostern, 60)] = "fronleichnam";
    out[jahr + "-10-03"] = "einheit";
    out[jahr + "-12-25"] = "weihnachten1";
    out[jahr + "-12-26"] = "weihnachten2";
    return out;
  }

  function feiertag(datum) {
    return feiertage(+datum.slice(0, 4))[datum] || null;
  }

  function minuten(hhmm) {
    var p = hhmm.split(":");
    return +p[0] * 60 + +p[1];
  }

  // "MO 08:00-12:00 DO 14:00-18:00" (the page's data-zeiten) -> [{tag: 0..6 (Monday 0), von, bis}] in minutes
  function zeiten(text) {
    var out = [];
    var re = /([A-Z]{2}) (\d{2}:\d{2})-(\d{2}:\d{2})/g;
    var m;
    while ((m = re.exec(text || "")) !== null) {
      var tag = TAGE.indexOf(m[1]);
      if (tag >= 0) { out.push({ tag: tag, von: minuten(m[2]), bis: minuten(m[3]) }); }
    }
    out.sort(function (x, y) { return x.tag - y.tag || x.von - y.von; });
    return out;
  }

  var FORMAT = null;
  // the date, weekday (Monday 0) and minute of the day in Hessen at an instant
  function inHessen(instant) {
    if (!FORMAT) {
      FORMAT = new Intl.DateTimeFormat("en-GB", {
        timeZone: "Europe/Berlin", year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      });
    }
    var p = {};
    FORMAT.formatToParts(instant).forEach(function (x) { p[x.type] = x.value; });
    var datum = p.year + "-" + p.month + "-" + p.day;
    return { datum: datum, wochentag: (new Date(utc(datum)).getUTCDay() + 6) % 7, minute: minuten(p.hour + ":" + p.minute) };
  }

  // { offen, bis (minute the current opening ends), feiertag (today's holiday key or null),
  //   naechste: {tage (0 today, 1 tomorrow, ...), wochentag, von} or null (none in the next two weeks) }
  function status(liste, instant) {
    var jetzt = inHessen(instant);
    var heuteFeiertag = feiertag(jetzt.datum);
    var out = { offen: false, bis: null, feiertag: heuteFeiertag, naechste: null };
    if (!heuteFeiertag) {
      liste.forEach(function (z) {
        if (z.tag === jetzt.wochentag && z.von <= jetzt.minute && jetzt.minute < z.bis) {
          out.offen = true;
          out.bis = Math.max(out.bis || 0, z.bis);
        }
      });
    }
    if (out.offen) {
      // a slot that starts when this one ends continues the opening (08:00-12:00 and 12:00-14:00)
      var weiter = true;
      while (weiter) {
        weiter = false;
        liste.forEach(function (z) {
          if (z.tag === jetzt.wochentag && z.von <= out.bis && z.bis > out.bis) { out.bis = z.bis; weiter = true; }
        });
      }
      return out;
    }
    for (var n = 0; n <= 14 && !out.naechste; n++) {
      var datum = plusTage(jetzt.datum, n);
      if (feiertag(datum)) { continue; }
      var wochentag = (jetzt.wochentag + n) % 7;
      for (var i = 0; i < liste.length; i++) {
        var z = liste[i];
        if (z.tag === wochentag && (n > 0 || z.von > jetzt.minute)) {
          out.naechste = { tage: n, wochentag: wochentag, von: z.von };
          break;
        }
      }
    }
    return out;
  }

  function uhrzeit(min) { return pad(Math.floor(min / 60)) + ":" + pad(min % 60); }

  return {
    ostersonntag: ostersonntag, feiertage: feiertage, feiertag: feiertag, zeiten: zeiten,
    inHessen: inHessen, status: status, uhrzeit: uhrzeit, TAGE: TAGE,
  };
});
