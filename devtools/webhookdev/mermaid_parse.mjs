// Parses Mermaid blocks with mermaid's own parser (mermaid.parse), headless: jsdom stands in for the browser, so no
// Chromium is needed (mermaid-cli would download one). Usage: node mermaid_parse.mjs <node_modules parent dir>
// stdin: JSON [{"id": "...", "text": "..."}]; stdout: JSON [{"id": "...", "ok": bool, "type": "...", "error": "..."}].
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readFileSync } from "node:fs";

const root = process.argv[2];
if (!root) {
  console.error("usage: node mermaid_parse.mjs <dir with node_modules/mermaid and node_modules/jsdom>");
  process.exit(2);
}
const require = createRequire(join(root, "package.json"));
const { JSDOM } = require(require.resolve("jsdom"));
const dom = new JSDOM("<!doctype html><html><body></body></html>", { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const name of ["Element", "HTMLElement", "SVGElement", "Node", "DOMParser"]) {
  if (!(name in globalThis)) globalThis[name] = dom.window[name];
}
const { default: mermaid } = await import(pathToFileURL(require.resolve("mermaid")).href);
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

const blocks = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const block of blocks) {
  try {
    const parsed = await mermaid.parse(block.text);
    results.push({ id: block.id, ok: true, type: parsed.diagramType });
  } catch (error) {
    const message = String((error && error.message) || error).split("\n").slice(0, 4).join(" | ");
    results.push({ id: block.id, ok: false, error: message });
  }
}
process.stdout.write(JSON.stringify(results));
