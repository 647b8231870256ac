/* The required documents of a service page as a tick-box checklist. Without JavaScript they are a plain
   list (print.css draws an empty box before each item). With it, each item of the text's lists gets a
   checkbox; the ticks are kept in this browser only (localStorage, one entry per service and language,
   the items by a hash of their text), never sent anywhere. Buttons: print the checklist, remove all ticks. */
(function () {
  "use strict";
  var PREFIX = "portal-checkliste:";

  function speicher() {
    try {
      var s = window.localStorage;
      s.getItem(PREFIX);
      return s;
    } catch (e) {
      return null; // storage switched off: ticks last as long as the page
    }
  }

  function hash(text) {
    var h = 5381;
    for (var i = 0; i < text.length; i++) { h = ((h * 33) ^ text.charCodeAt(i)) >>> 0; }
    return h.toString(36);
  }

  var BLOCK = /^(P|UL|OL|DL|TABLE|BLOCKQUOTE|DIV)$/;

  function knopf(text, aktion) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "kern-btn kern-btn--secondary portal-checkliste__knopf";
    var span = document.createElement("span");
    span.className = "kern-label";
    span.textContent = text;
    b.appendChild(span);
    b.addEventListener("click", aktion);
    return b;
  }

  var store = speicher();
  Array.prototype.forEach.call(document.querySelectorAll(".portal-checkliste[data-checkliste]"), function (box, n) {
    var d = box.dataset;
    var key = PREFIX + d.checkliste;
    var items = box.querySelectorAll(".portal-text > ul > li, .portal-text > ol > li");
    if (!items.length) { return; }
    var gespeichert = {};
    try {
      (JSON.parse((store && store.getItem(key)) || "[]") || []).forEach(function (h) { gespeichert[h] = true; });
    } catch (e) {
      gespeichert = {};
    }
    var boxes = [];

    function sichern() {
      if (!store) { return; }
      var an = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.getAttribute("data-h"); });
      try {
        if (an.length) { store.setItem(key, JSON.stringify(an)); } else { store.removeItem(key); }
      } catch (e) { /* full or switched off: the ticks stay on the page */ }
    }

    Array.prototype.forEach.call(items, function (li, i) {
      var id = "checkliste-" + n + "-" + i;
      var h = hash(li.textContent.replace(/\s+/g, " ").trim());
      var label = document.createElement("label");
      label.htmlFor = id;
      label.className = "portal-checkliste__text";
      // the item's inline content goes into the label; nested lists stay after it
      while (li.firstChild && !(li.firstChild.nodeType === 1 && BLOCK.test(li.firstChild.nodeName))) {
        label.appendChild(li.firstChild);
      }
      if (!label.textContent.trim() && li.firstElementChild && li.firstElementChild.nodeName === "P") {
        var p = li.firstElementChild;
        while (p.firstChild) { label.appendChild(p.firstChild); }
        li.removeChild(p);
      }
      var input = document.createElement("input");
      input.type = "checkbox";
      input.id = id;
      input.className = "portal-checkliste__box";
      input.setAttribute("data-h", h);
      input.checked = !!gespeichert[h];
      input.addEventListener("change", sichern);
      li.insertBefore(label, li.firstChild);
      li.insertBefore(input, label);
      li.classList.add("portal-checkliste__eintrag");
      boxes.push(input);
    });

    var leiste = document.createElement("div");
    leiste.className = "portal-checkliste__leiste";
    var hinweis = document.createElement("p");
    hinweis.className = "kern-body kern-body--small portal-checkliste__hinweis";
    hinweis.textContent = d.textHinweis;
    leiste.appendChild(knopf(d.textDrucken, function () { window.print(); }));
    leiste.appendChild(knopf(d.textLeeren, function () {
      boxes.forEach(function (b) { b.checked = false; });
      sichern();
      if (boxes.length) { boxes[0].focus(); }
    }));
    box.insertBefore(hinweis, box.firstChild);
    box.appendChild(leiste);
    box.classList.add("portal-checkliste--aktiv");
  });
})();
