import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
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
