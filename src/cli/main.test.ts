import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { main } from "./main.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe("sessionjar command", () => {
  test("--version prints the package version", async () => {
    assert.deepEqual(await run("--version"), { code: 0, out: `${pkg.version}\n`, err: "" });
    assert.equal((await run("-v")).out, `${pkg.version}\n`);
  });

  test("--help prints usage and exits 0", async () => {
    const r = await run("--help");
    assert.equal(r.code, 0);
    assert.match(r.out, /^sessionjar — /);
    assert.match(r.out, /--version/);
  });

  test("no arguments prints usage and exits 2", async () => {
    const r = await run();
    assert.equal(r.code, 2);
    assert.match(r.out, /Usage:/);
  });

  test("an unknown command says so on stderr and exits 2", async () => {
    const r = await run("frobnicate");
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown command or option "frobnicate"/);
  });

  test("the bin script runs as a process", () => {
    const bin = new URL("./bin.ts", import.meta.url).pathname;
    const out = execFileSync(process.execPath, ["--import", "tsx", bin, "--version"], {
      encoding: "utf8",
    });
    assert.equal(out, `${pkg.version}\n`);
    const bad = spawnSync(process.execPath, ["--import", "tsx", bin, "nope"], { encoding: "utf8" });
    assert.equal(bad.status, 2);
  });
});
