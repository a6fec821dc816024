// `npm start` as a user runs it: the command starts, prints its URLs and the Chromium command,
// answers on the printed port for renamed hosts, refuses bad options with a message, and stops
// cleanly on SIGTERM.
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { send } from "./client.js";

const main = join(import.meta.dirname, "../../examples/shop/main.ts");
const dir = mkdtempSync(join(tmpdir(), "shop-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  // Bounded: a command that never ends fails its test instead of hanging the run.
  const r = spawnSync(process.execPath, ["--import", "tsx", main, ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Resolves with stdout once the banner is complete. */
function started(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString("utf8");
      if (out.includes("MFA code")) resolve(out);
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code} before starting: ${out}`)));
  });
}

test("--help and bad options", () => {
  const help = run(["--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--store SPEC/);
  const bad = run(["--port", "http"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--port must be a port number/);
  const unknown = run(["--colour", "red"]);
  assert.equal(unknown.status, 2);
  const host = run(["--www", "not a host"]);
  assert.equal(host.status, 2);
  assert.match(host.stderr, /--www must be a DNS name/);
  const store = run(["--store", "mongodb://x", "--port", "0", "--http-port", "0", "--data", dir]);
  assert.equal(store.status, 1);
  assert.match(store.stderr, /unknown store "mongodb:\/\/x": use memory, sqlite:PATH/);
});

test("a Redis store that cannot be reached at start: a message and exit 1, not retries without end", async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((r) => closed.close(() => r()));
  const r = run(["--store", `redis://127.0.0.1:${port}`, "--port", "0", "--http-port", "0"]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port}`));
});

test("a port in use: a message that says what to do", async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
  const { port } = taken.address() as AddressInfo;
  try {
    const r = run(["--port", String(port), "--http-port", "0", "--store", "memory", "--data", dir]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`port ${port} is taken: choose others with --port`));
  } finally {
    taken.close();
  }
});

test("starts, prints how to open it, serves renamed hosts, stops on SIGTERM", async () => {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      main,
      "--port",
      "0",
      "--http-port",
      "0",
      "--data",
      dir,
      "--www",
      "www.other.test",
      "--api",
      "api.other.test",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    const banner = await started(child);
    assert.match(banner, /sessions in SQLite /);
    assert.match(
      banner,
      /--host-resolver-rules="MAP \*\.other\.test 127\.0\.0\.1, MAP evil\.example 127\.0\.0\.1"/,
    );
    const spki = /--ignore-certificate-errors-spki-list=(\S+)/.exec(banner)?.[1];
    assert.ok(spki !== undefined && spki.length === 44);
    const port = Number(/https:\/\/www\.other\.test:(\d+)\//.exec(banner)?.[1]);
    const saved = JSON.parse(readFileSync(join(dir, "certificate.json"), "utf8")) as {
      cert: string;
    };
    const page = await send({ port, ca: saved.cert }, "www.other.test", "/");
    assert.equal(page.status, 200);
    assert.match(page.body, /Sign in/);
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});
