// docs/stores.md shows how to set up each built-in store. This test type-checks every ```ts
// block of the page, each as a module of its own, with the repository's compiler options (the
// `sessionjar/*` imports resolve to src/ through tsconfig.json's paths), so that a snippet a
// user copies compiles against the package as it is.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { readPage, typeCheck } from "./page-app.js";

const page = readPage("stores.md");

/** The ```ts blocks, each with the heading of the section it is in. */
function blocks(): { name: string; code: string }[] {
  const out: { name: string; code: string }[] = [];
  let heading = "";
  for (const m of page.matchAll(/^(#{2,3}) (.*)$|^```ts\n([\s\S]*?)^```$/gm)) {
    if (m[2] !== undefined) heading = m[2];
    else out.push({ name: heading, code: m[3] as string });
  }
  return out;
}

describe("docs/stores.md", () => {
  test("every TypeScript block compiles on its own", () => {
    const found = blocks();
    assert.ok(found.length >= 6, `only ${found.length} blocks found`);
    assert.equal(typeCheck(found), "");
  });

  test("the sections the page promises are there, the placeholder last", () => {
    const headings = [...page.matchAll(/^## (.*)$/gm)].map((m) => m[1]);
    for (const h of [
      "Install the driver yourself",
      "The memory store",
      "PostgreSQL: the pool",
      "PostgreSQL: migrate()",
      "PostgreSQL: sweep()",
      "SQLite",
      "Redis and Redis Cluster",
    ]) {
      assert.ok(headings.includes(h), `no section "${h}"`);
    }
    assert.equal(headings.at(-1), "Testing your own store");
  });
});
