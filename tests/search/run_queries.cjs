// Runs queries through the real lunr.js (npm lunr 2.3.9 + lunr-languages 1.22.0) on a built index, with the
// browser's own query code (theme/static/js/suchlogik.js). Input on stdin (JSON):
//   {"index": "<path to index-de.json>", "queries": ["perso", ...], "stem": ["Führerschein", ...]}
// Output (JSON): {"results": {"perso": ["lb-1001", ...]}, "stems": {"Führerschein": "fuhrerschein"}}
"use strict";
const fs = require("fs");
const path = require("path");
const root = path.resolve(__dirname, "..", "..");
const lunr = require(path.join(root, "node_modules/lunr"));
require(path.join(root, "node_modules/lunr-languages/lunr.stemmer.support"))(lunr);
require(path.join(root, "node_modules/lunr-languages/lunr.de"))(lunr);
const logik = require(path.join(root, "theme/static/js/suchlogik.js"))(lunr);

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const out = { results: {}, stems: {} };
if (input.index) {
  const index = lunr.Index.load(JSON.parse(fs.readFileSync(input.index, "utf8")));
  for (const q of input.queries || []) {
    out.results[q] = logik.search(index, q, input.limit || 10).map((r) => r.ref);
  }
}
const pipeline = new lunr.Pipeline();
pipeline.add(lunr.Pipeline.registeredFunctions["umlaut-de"], lunr.de.stemmer);
for (const word of input.stem || []) {
  out.stems[word] = pipeline.runString(word.toLowerCase())[0] || "";
}
process.stdout.write(JSON.stringify(out));
