#!/usr/bin/env node
// Validate Mermaid text with the real mermaid parser, headless (no browser).
// Usage: node parse.mjs [--flowchart] FILE.mmd [FILE2.mmd ...]
//   all valid -> prints "ok" on stdout, exit 0
//   any invalid -> parser message on stderr (prefixed "FILE: " when several files), exit 1
//   usage / unreadable file -> exit 2
//   --flowchart: also reject valid diagrams that are not flowcharts (e.g. sequenceDiagram)
// NOTE: ESM ignores NODE_PATH; this file must sit in (or under) the folder holding node_modules.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

// mermaid's DOMPurify needs a global `window` when mermaid is first imported
// (without it: "DOMPurify.addHook is not a function"), so import mermaid only after this.
globalThis.window = new JSDOM('').window;
const { default: mermaid } = await import('mermaid');
// A long questionnaire's flowchart has more arrows than mermaid's default limit of 500 (a
// limit a diagram cannot raise itself); the parse checks the syntax of all of them.
mermaid.initialize({ maxEdges: 20000 });

const args = process.argv.slice(2);
const flowchartOnly = args[0] === '--flowchart';
const files = flowchartOnly ? args.slice(1) : args;
if (files.length === 0) {
  console.error('usage: node parse.mjs [--flowchart] FILE.mmd [FILE.mmd ...]');
  process.exit(2);
}

let failed = false;
for (const file of files) {
  const prefix = files.length > 1 ? `${file}: ` : '';
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    console.error(`${prefix}cannot read: ${e.message}`);
    process.exit(2);
  }
  try {
    const { diagramType } = await mermaid.parse(text); // throws on invalid text
    if (flowchartOnly && !diagramType.startsWith('flowchart')) {
      throw new Error(`not a flowchart (diagramType=${diagramType})`);
    }
  } catch (e) {
    console.error(prefix + (e?.message ?? String(e)));
    failed = true;
  }
}
if (failed) process.exit(1);
console.log('ok');
