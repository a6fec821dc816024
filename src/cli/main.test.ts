import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

  test("a reader that goes away (| head -1) ends the command quietly with 141", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sessionjar-epipe-"));
    const file = join(dir, "many.json");
    // Far more output than a pipe buffers, so the writes go on after the reader has gone.
    const get = { op: "get", url: "https://www.shop.test/", expect: "" };
    writeFileSync(
      file,
      JSON.stringify({ format: "jar-scenario/1", name: "many", steps: Array(3000).fill(get) }),
    );
    const bin = new URL("./bin.ts", import.meta.url).pathname;
    const child = spawn(process.execPath, ["--import", "tsx", bin, "jar", "run", file]);
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((r) => child.once("close", r));
    rmSync(dir, { recursive: true, force: true });
    assert.equal(err, "");
    assert.equal(code, 141);
  });
});
