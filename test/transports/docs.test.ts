import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { DOC, withTable } from "../../scripts/variants-table.js";

test("docs/transports.md holds the variants table generated from the capability declarations", () => {
  const doc = readFileSync(DOC, "utf8");
  assert.equal(
    doc,
    withTable(doc),
    "the variants table is out of date: run npx tsx scripts/variants-table.ts",
  );
});
