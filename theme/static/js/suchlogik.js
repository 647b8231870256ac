/* The query side of the portal search, shared by the browser (suche.js) and the tests (node).
   It registers the pipeline function "umlaut-de" that the Python build uses too (plugins/search_index/
   pipeline.py) and builds the lunr query: exact words (highest), prefixes while typing, then typos
   (edit distance 1 from 4 letters, 2 from 8). No other logic lives here. */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory;
  } else {
    root.PortalSuchlogik = factory(root.lunr);
  }
})(typeof self !== "undefined" ? self : this, function (lunr) {
  "use strict";
  var UMLAUT = { ae: "\u00e4", oe: "\u00f6", ue: "\u00fc" };

  function foldUmlaut(s) {
    return s.replace(/(?<!q)ue|ae|oe/g, function (m) { return UMLAUT[m]; });
  }

  // Index terms are stems, and the German stemmer drops the umlaut dots at its end: a prefix must too.
  function asciiStem(s) {
    return foldUmlaut(s).replace(/\u00e4/g, "a").replace(/\u00f6/g, "o").replace(/\u00fc/g, "u").replace(/\u00df/g, "ss");
  }

  function umlautDe(token) {
    return token.update(function (s) { return foldUmlaut(s); });
  }
  if (!lunr.Pipeline.registeredFunctions["umlaut-de"]) {
    lunr.Pipeline.registerFunction(umlautDe, "umlaut-de");
  }

  function words(text) {
    return text.toLowerCase().replace(/[\u00b7\u00ad]/g, "").split(/[^0-9a-z\u00c0-\u024f]+/).filter(function (w) { return w.length > 0; });
  }

  function search(index, text, limit) {
    var terms = words(text);
    if (!terms.length) { return []; }
    var results = index.query(function (q) {
      terms.forEach(function (t) {
        q.term(t, { boost: 10 });
        if (t.length >= 2) {
          q.term(asciiStem(t), { boost: 3, usePipeline: false, wildcard: lunr.Query.wildcard.TRAILING });
        }
        if (t.length >= 4) {
          q.term(t, { boost: 1, editDistance: t.length >= 8 ? 2 : 1 });
        }
      });
    });
    return limit ? results.slice(0, limit) : results;
  }

  return { search: search, words: words, foldUmlaut: foldUmlaut };
});
