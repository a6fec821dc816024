// The shop is built from sessionjar's public API only: every sessionjar import of its code is a
// subpath that package.json exports, and nothing reaches into src/ or the tests.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const root = join(import.meta.dirname, "../..");
const shop = join(root, "examples/shop");
const auditPage = join(root, "examples/audit-page");
const exportsMap = (
  JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
    exports: Record<string, unknown>;
  }
).exports;

test("the shop (and the audit page it serves) import sessionjar only through exported subpaths", () => {
  const files = [
    ...readdirSync(shop)
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => join(shop, f)),
    join(auditPage, "build.ts"),
    join(auditPage, "main.ts"),
  ];
  assert.ok(files.length > 7);
  const used = new Set<string>();
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(/(?:from|import\()\s*"([^"]+)"/g)) {
      const specifier = m[1] as string;
      // The one sibling it may use is the audit page, itself checked here.
      assert.ok(
        !specifier.startsWith("../") || specifier === "../audit-page/build.js",
        `${f} reaches outside the examples: ${specifier}`,
      );
      if (specifier !== "sessionjar" && !specifier.startsWith("sessionjar/")) continue;
      used.add(specifier);
      const subpath =
        specifier === "sessionjar" ? "." : `./${specifier.slice("sessionjar/".length)}`;
      assert.ok(
        subpath in exportsMap,
        `${f} imports ${specifier}, which package.json does not export`,
      );
    }
  }
  for (const s of [
    "sessionjar/session",
    "sessionjar/csrf",
    "sessionjar/cors",
    "sessionjar/metrics",
    "sessionjar/adapters/node",
    "sessionjar/audit",
  ])
    assert.ok(used.has(s), `the shop does not use ${s}`);
});
