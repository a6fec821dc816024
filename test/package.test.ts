// The package as users get it: every subpath export builds and loads, the bin runs from the
// build, and the pure modules stay free of node: imports.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string;
  version: string;
  sideEffects: boolean;
  type: string;
  engines: { node: string };
  bin: Record<string, string>;
  exports: Record<string, { types: string; import: string } | string>;
};
const PURE = ["cookie", "site", "cors", "jar", "audit", "metrics"];

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath, e.name));
}

describe("package", () => {
  before(() => {
    execFileSync(
      process.execPath,
      [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
      {
        cwd: root,
        stdio: "inherit",
      },
    );
  });

  test("ESM, side-effect free, Node 20 and later", () => {
    assert.equal(pkg.type, "module");
    assert.equal(pkg.sideEffects, false);
    assert.equal(pkg.engines.node, ">=20");
  });

  test("every subpath export has its module, its build and its types", async () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === "string") continue;
      assert.ok(
        existsSync(join(root, target.import)),
        `${subpath}: ${target.import} was not built`,
      );
      assert.ok(existsSync(join(root, target.types)), `${subpath}: ${target.types} was not built`);
    }
    // Loaded by plain Node, as users load them: tsconfig.json maps the specifiers to src/ for
    // the examples, and this process runs under tsx, which would follow that mapping.
    const specifiers = Object.entries(pkg.exports)
      .filter(([, target]) => typeof target !== "string")
      .map(([subpath]) => (subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`));
    const script = `
      for (const s of ${JSON.stringify(specifiers)}) {
        const url = import.meta.resolve(s);
        if (!url.includes("/dist/")) throw new Error(s + " resolved to " + url + ", not the build");
        if (Object.keys(await import(s)).length === 0) throw new Error(s + " exports nothing");
      }
      const { parseCookie } = await import("${pkg.name}/cookie");
      if (parseCookie("a=1").get("a") !== "1") throw new Error("sessionjar/cookie does not parse");
    `;
    execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: root,
      stdio: "inherit",
    });
  });

  test("every module folder under src/ is exported", () => {
    const folders = readdirSync(join(root, "src"), { withFileTypes: true })
      .filter((e) => e.isDirectory() && !["cli", "lib", "adapters"].includes(e.name))
      .map((e) => `./${e.name}`);
    for (const f of folders) assert.ok(f in pkg.exports, `src/${f.slice(2)} has no subpath export`);
  });

  test("the sessionjar bin runs from the build", () => {
    const bin = join(root, pkg.bin.sessionjar as string);
    assert.equal(
      execFileSync(process.execPath, [bin, "--version"], { encoding: "utf8" }),
      `${pkg.version}\n`,
    );
  });

  test("pure modules import nothing from node:", () => {
    for (const mod of PURE) {
      for (const file of filesUnder(join(root, "src", mod))) {
        const text = readFileSync(file, "utf8");
        assert.doesNotMatch(
          text,
          /from\s+["']node:|require\(["']node:|import\(["']node:/,
          `${file} imports node:`,
        );
      }
    }
  });
});
