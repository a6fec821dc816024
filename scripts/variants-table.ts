// Writes the variants table of docs/transports.md from the transports' capability declarations.
import { readFileSync, writeFileSync } from "node:fs";
import { ALL_CAPABILITIES, variantsTable } from "../src/transports/capabilities.js";

export const DOC = "docs/transports.md";
const START = "<!-- variants-table:start -->";
const END = "<!-- variants-table:end -->";

/** `doc` with the text between the markers replaced by the generated table. */
export function withTable(doc: string): string {
  const i = doc.indexOf(START);
  const j = doc.indexOf(END);
  if (i < 0 || j < i) throw new Error(`${DOC} lacks the ${START} … ${END} markers`);
  return `${doc.slice(0, i + START.length)}\n${variantsTable(ALL_CAPABILITIES)}${doc.slice(j)}`;
}

if (process.argv[1]?.endsWith("variants-table.ts")) {
  writeFileSync(DOC, withTable(readFileSync(DOC, "utf8")));
}
