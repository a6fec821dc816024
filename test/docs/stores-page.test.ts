// docs/stores.md shows how to set up each built-in store. This test type-checks every ```ts
// block of the page, each as a module of its own, with the repository's compiler options (the
// `sessionjar/*` imports resolve to src/ through tsconfig.json's paths), so that a snippet a
// user copies compiles against the package as it is.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const page = readFileSync(join(root, "docs/stores.md"), "utf8");
// Beside node_modules, so that the blocks' imports of pg and better-sqlite3 resolve.
const dir = join(root, "node_modules", ".cache", `sessionjar-stores-docs-${process.pid}`);

/** The ```ts blocks, each with the heading of the section it is in. */
function blocks(): { heading: string; code: string }[] {
  const out: { heading: string; code: string }[] = [];
  let heading = "";
  for (const m of page.matchAll(/^(#{2,3}) (.*)$|^```ts\n([\s\S]*?)^```$/gm)) {
    if (m[2] !== undefined) heading = m[2];
    else out.push({ heading, code: m[3] as string });
  }
  return out;
}

describe("docs/stores.md", () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("every TypeScript block compiles on its own", () => {
    const found = blocks();
    assert.ok(found.length >= 6, `only ${found.length} blocks found`);
    mkdirSync(dir, { recursive: true });
    const files = found.map((b, i) => {
      const file = join(dir, `block-${i + 1}.ts`);
      // `export {}` keeps a block without imports a module, as every block is for its reader.
      writeFileSync(file, `// ${b.heading}\n${b.code}\nexport {};\n`);
      return file;
    });
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        extends: join(root, "tsconfig.json"),
        // A snippet may define what the reader goes on to use.
        compilerOptions: { noUnusedLocals: false, noUnusedParameters: false },
        files,
      }),
    );
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], {
      encoding: "utf8",
    });
    const where = (out: string): string =>
      out.replace(
        /block-(\d+)\.ts/g,
        (s, n: string) => `${s} ("${found[Number(n) - 1]?.heading}")`,
      );
    assert.equal(r.status, 0, where(`${r.stdout}${r.stderr}`));
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
