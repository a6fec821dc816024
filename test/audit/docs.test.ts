// docs/audit.md lists every rule of the catalogue with its id and usual severity, and the
// comparison table names every rule too.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { RULES } from "../../src/audit/index.js";

const page = readFileSync(new URL("../../docs/audit.md", import.meta.url), "utf8");

test("docs/audit.md documents every rule with its severity, and compares every rule", () => {
  for (const rule of Object.values(RULES)) {
    const rows = page.split("\n").filter((l) => l.startsWith(`| \`${rule.id}\` |`));
    assert.ok(rows.length >= 1, `${rule.id} has no row in docs/audit.md`);
    assert.ok(
      rows.some((r) => (r.split("|")[2] ?? "").trim().startsWith(rule.severity)),
      `${rule.id}: the rules table must give severity ${rule.severity}`,
    );
    assert.ok(
      page.includes(`\`${rule.id}\``) && page.split(`\`${rule.id}\``).length >= 3,
      `${rule.id} is missing from the comparison with HTTP Observatory and ZAP`,
    );
  }
});
