import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { makeCertificate } from "../../test/browser/harness.js";
import { main } from "./main.js";

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe("sessionjar explain --cors", () => {
  let server: Server;
  let url: string;
  before(async () => {
    // Grants credentialed CORS to https://www.shop.test only, and sets a cookie without SameSite=None.
    server = createServer((req, res) => {
      if (req.headers.origin === "https://www.shop.test") {
        res.setHeader("access-control-allow-origin", "https://www.shop.test");
        res.setHeader("access-control-allow-credentials", "true");
      }
      res.setHeader("vary", "Origin");
      res.setHeader("set-cookie", "api_session=x; Path=/; Secure; HttpOnly");
      res.end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cart`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test("fetches the URL and explains a missing grant in plain words, exit 1", async () => {
    const r = await run("explain", "--cors", url, "--origin", "https://evil.example");
    assert.equal(r.code, 1);
    assert.match(r.out, /Access-Control-Allow-Origin/);
  });

  test("a granted origin is exposed; the JSON form carries every finding", async () => {
    const r = await run("explain", "--cors", url, "--origin", "https://www.shop.test", "--json");
    const result = JSON.parse(r.out) as {
      exposed: boolean;
      findings: { rule: string; ok: boolean }[];
    };
    assert.equal(result.exposed, true);
    assert.ok(result.findings.length > 0);
  });

  test("explains a described response without fetching", async () => {
    const r = await run(
      "explain",
      "--cors",
      "https://api.shop.test/cart",
      "--origin",
      "https://www.shop.test",
      "--response-header",
      "Access-Control-Allow-Origin: *",
    );
    assert.equal(r.code, 1);
    assert.match(r.out, /\*/);
  });

  test("bad usage exits 2 with the reason", async () => {
    assert.equal((await run("explain", "--cors", url)).code, 2);
    assert.equal(
      (
        await run(
          "explain",
          "--cors",
          url,
          "--origin",
          "https://a.test",
          "--credentials",
          "sometimes",
        )
      ).code,
      2,
    );
    assert.equal(
      (await run("explain", "--cors", url, "--origin", "https://a.test", "--header", "nocolon"))
        .code,
      2,
    );
    assert.equal((await run("explain", "--help")).code, 0);
  });
});

describe("sessionjar explain --cors over https, with --ca and --resolve", () => {
  let server: Server;
  let port: number;
  let dir: string;
  let ca: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "sessionjar-explain-"));
    // A name only this test knows, as the shop's www.shop.test is only known to a test setup.
    const cert = await makeCertificate(["www.shop.test"]);
    ca = join(dir, "ca.pem");
    writeFileSync(ca, cert.cert);
    const grant: RequestListener = (req, res) => {
      res.setHeader("access-control-allow-origin", req.headers.origin ?? "");
      res.setHeader("access-control-allow-credentials", "true");
      res.setHeader("vary", "Origin");
      res.end("{}");
    };
    server = createHttpsServer({ key: cert.key, cert: cert.cert }, grant);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  test("--resolve connects to the address, --ca trusts the certificate of the name", async () => {
    const url = `https://www.shop.test:${port}/cart`;
    const argv = ["explain", "--cors", url, "--origin", "https://www.shop.test", "--json"];
    const r = await run(...argv, "--ca", ca, "--resolve", `www.shop.test:${port}:127.0.0.1`);
    assert.equal(r.code, 0, r.err);
    assert.equal((JSON.parse(r.out) as { exposed: boolean }).exposed, true);
    // Without --ca the certificate is refused; --insecure skips the check.
    const untrusted = await run(...argv, "--resolve", `www.shop.test:${port}:127.0.0.1`);
    assert.equal(untrusted.code, 2);
    assert.match(untrusted.err, /could not fetch/);
    const insecure = await run(
      ...argv,
      "--insecure",
      "--resolve",
      `www.shop.test:${port}:[::ffff:127.0.0.1]`,
    );
    assert.equal(insecure.code, 0, insecure.err);
  });

  test("a malformed --resolve is bad usage, naming the expected form", async () => {
    const r = await run(
      "explain",
      "--cors",
      `https://www.shop.test:${port}/`,
      "--origin",
      "https://www.shop.test",
      "--resolve",
      "www.shop.test:127.0.0.1",
    );
    assert.equal(r.code, 2);
    assert.match(r.err, /--resolve "www\.shop\.test:127\.0\.0\.1" is not HOST:PORT:ADDRESS/);
  });
});
