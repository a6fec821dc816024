// The package as users get it: `npm pack` builds it, every subpath export loads from the
// unpacked tarball with its types, the bin runs from it, and the pure modules stay free of
// node: imports.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string;
  version: string;
  sideEffects: boolean;
  type: string;
  engines: { node: string };
  bin: Record<string, string>;
  exports: Record<string, { types: string; default: string } | string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
const PURE = ["cookie", "site", "cors", "jar", "audit", "metrics"];

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath, e.name));
}

/** The type packages an application of each peer installs beside it. */
const TYPES_A_USER_INSTALLS = [
  "@types/node",
  "@types/express",
  "@types/better-sqlite3",
  "@types/pg",
];

/** The import specifier of a subpath export: "." is the package itself. */
const specifierOf = (subpath: string): string =>
  subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;

describe("package", () => {
  // An application's folder with the unpacked tarball in node_modules, beside the package's
  // dependencies and the peers this checkout has (linked from its node_modules).
  const work = mkdtempSync(join(tmpdir(), "sessionjar-pack-"));
  const app = join(work, "app");
  const installed = join(app, "node_modules", pkg.name);
  let packed: string[] = [];

  before(() => {
    // npm pack runs the prepack script, which builds dist/ from a clean slate.
    const out = execFileSync("npm", ["pack", "--json", "--pack-destination", work], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    const [info] = JSON.parse(out.slice(out.indexOf("["))) as {
      filename: string;
      files: { path: string }[];
    }[];
    assert.ok(info !== undefined, "npm pack printed no package");
    packed = info.files.map((f) => f.path);
    execFileSync("tar", ["-xzf", join(work, info.filename), "-C", work]);
    mkdirSync(dirname(installed), { recursive: true });
    renameSync(join(work, "package"), installed);
    for (const dep of [
      ...Object.keys(pkg.dependencies),
      ...Object.keys(pkg.peerDependencies),
      ...TYPES_A_USER_INSTALLS,
    ]) {
      const from = join(root, "node_modules", dep);
      if (!existsSync(from)) continue;
      mkdirSync(dirname(join(app, "node_modules", dep)), { recursive: true });
      symlinkSync(from, join(app, "node_modules", dep), "dir");
    }
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  test("ESM, side-effect free, Node 20 and later", () => {
    assert.equal(pkg.type, "module");
    assert.equal(pkg.sideEffects, false);
    assert.equal(pkg.engines.node, ">=20");
  });

  test("the tarball holds every subpath export's module and types", () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === "string") continue;
      for (const file of [target.default, target.types]) {
        assert.ok(packed.includes(file.slice(2)), `${subpath}: ${file} is not in the tarball`);
      }
    }
    assert.ok(packed.includes("LICENSE"), "no LICENSE in the tarball");
  });

  test("every docs page the README links to is in the tarball", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const pages = [...readme.matchAll(/\]\((docs\/[\w-]+\.md)\)/g)].map((m) => m[1] as string);
    assert.ok(pages.length > 3, "the README links to no docs pages");
    for (const page of new Set(pages)) assert.ok(packed.includes(page), `${page} is not packed`);
  });

  test("the tarball holds no tests, and every source map points into it", () => {
    assert.deepEqual(
      packed.filter((f) => /\.test\.|\/fixtures\//.test(f)),
      [],
    );
    const maps = packed.filter((f) => f.endsWith(".map"));
    assert.ok(maps.length > 0, "no source maps in the tarball");
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(installed, map), "utf8")) as {
        sources: string[];
      };
      for (const source of sources) {
        assert.ok(
          existsSync(resolve(dirname(join(installed, map)), source)),
          `${map} points to ${source}, which is not in the tarball`,
        );
      }
    }
  });

  test("every subpath export loads from the unpacked tarball", () => {
    // Loaded by plain Node from an application's folder, as users load them: this process
    // runs under tsx, and tsconfig.json maps the specifiers to src/ for the examples.
    const specifiers = Object.entries(pkg.exports)
      .filter(([, target]) => typeof target !== "string")
      .map(([subpath]) => specifierOf(subpath));
    const script = `
      const home = ${JSON.stringify(`${installed}/dist/`)};
      for (const s of ${JSON.stringify(specifiers)}) {
        const url = import.meta.resolve(s);
        if (!new URL(url).pathname.startsWith(home)) throw new Error(s + " resolved to " + url);
        if (Object.keys(await import(s)).length === 0) throw new Error(s + " exports nothing");
      }
      const { parseCookie } = await import("${pkg.name}/cookie");
      if (parseCookie("a=1").get("a") !== "1") throw new Error("sessionjar/cookie does not parse");
    `;
    execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: app,
      stdio: "inherit",
    });
  });

  test("every subpath export loads with require() from a CommonJS application (Node 20.19+)", () => {
    const specifiers = Object.entries(pkg.exports)
      .filter(([, target]) => typeof target !== "string")
      .map(([subpath]) => specifierOf(subpath));
    const script = `
      for (const s of ${JSON.stringify(specifiers)}) {
        if (Object.keys(require(s)).length === 0) throw new Error(s + " exports nothing");
      }
    `;
    execFileSync(process.execPath, ["--input-type=commonjs", "-e", script], {
      cwd: app,
      stdio: "inherit",
    });
  });

  test("every module folder under src/ is exported", () => {
    const folders = readdirSync(join(root, "src"), { withFileTypes: true })
      .filter((e) => e.isDirectory() && !["cli", "lib", "adapters"].includes(e.name))
      .map((e) => `./${e.name}`);
    for (const f of folders) assert.ok(f in pkg.exports, `src/${f.slice(2)} has no subpath export`);
  });

  test("every subpath export type-checks in a strict application", () => {
    const specifiers = Object.entries(pkg.exports)
      .filter(([, target]) => typeof target !== "string")
      .map(([subpath]) => specifierOf(subpath));
    writeFileSync(
      join(app, "check.ts"),
      specifiers.map((s, i) => `import * as m${i} from "${s}";\nvoid m${i};\n`).join(""),
    );
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: "nodenext",
          target: "es2022",
          noEmit: true,
          skipLibCheck: false,
          types: ["node"],
        },
        files: ["check.ts"],
      }),
    );
    writeFileSync(join(app, "package.json"), JSON.stringify({ type: "module", private: true }));
    execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", app], {
      cwd: app,
      stdio: "inherit",
    });
  });

  test("the sessionjar bin runs from the unpacked tarball", () => {
    const bin = join(installed, pkg.bin.sessionjar as string);
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
