import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { makeCertificate } from "../../test/browser/harness.js";
import { createCorsPolicy } from "../cors/index.js";
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

  test("an untrusted origin is not told to add Access-Control-Allow-Credentials", async () => {
    const r = await run("explain", "--cors", url, "--origin", "https://evil.example");
    assert.match(r.out, /FAIL allow-credentials: .*matters only once https:\/\/evil\.example/);
    assert.doesNotMatch(r.out, /Add Access-Control-Allow-Credentials/);
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

describe("sessionjar explain --cors with a preflight: sends only what is safe", () => {
  const PAGE = "https://app.shop.test";
  let server: Server;
  let base: string;
  /** Every request the server saw: method, path and the headers that matter here. */
  const seen: { method: string; path: string; headers: Record<string, string | undefined> }[] = [];
  const methods = (): string[] => seen.map((s) => s.method);
  // Credentialed, GET and POST only: refuses a preflight for PUT without any CORS header.
  const policy = createCorsPolicy({
    origins: [PAGE],
    credentials: true,
    methods: ["GET", "POST"],
    allowedHeaders: ["content-type"],
  });
  before(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? "/";
      seen.push({
        method: req.method ?? "",
        path,
        headers: {
          origin: req.headers.origin,
          acrm: req.headers["access-control-request-method"] as string | undefined,
          acrh: req.headers["access-control-request-headers"] as string | undefined,
          cookie: req.headers.cookie,
        },
      });
      if (path === "/policy") {
        const d = policy.decide({
          method: req.method ?? "GET",
          header: (n) => req.headers[n] as string | undefined,
        });
        for (const [k, v] of Object.entries(d.headers)) res.setHeader(k, v);
        res.statusCode = d.kind === "preflight" ? 204 : 200;
        res.end();
        return;
      }
      if (req.method === "OPTIONS" && path === "/no-preflight") {
        res.statusCode = 405;
        res.end();
        return;
      }
      res.setHeader("access-control-allow-origin", req.headers.origin ?? "");
      res.setHeader("access-control-allow-credentials", "true");
      res.setHeader("vary", "Origin");
      if (req.method === "OPTIONS") {
        res.setHeader("access-control-allow-methods", "GET, PUT, DELETE");
        res.setHeader("access-control-allow-headers", "content-type");
        res.statusCode = 204;
      }
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  /** Runs explain --cors for PAGE on a path of the server, with what it saw reset. */
  const cors = (path: string, ...more: string[]) => {
    seen.length = 0;
    return run("explain", "--cors", `${base}${path}`, "--origin", PAGE, ...more);
  };
  const put = (path: string, ...more: string[]) =>
    cors(path, "--method", "PUT", "--header", "Content-Type: application/json", ...more);

  test("OPTIONS answered 405: not exposed, exit 1, and the PUT is never sent", async () => {
    const r = await put("/no-preflight");
    assert.equal(r.code, 1, r.err);
    assert.deepEqual(methods(), ["OPTIONS"]);
    // Sent as a browser sends it: the method and the unsafe header names, no cookies.
    assert.deepEqual(seen[0]?.headers, {
      origin: PAGE,
      acrm: "PUT",
      acrh: "content-type",
      cookie: undefined,
    });
    assert.match(r.out, /^Preflight \(OPTIONS\) passes: no/);
    assert.match(r.out, /\nReadable by the page's script: no \(the preflight fails\)\n/);
    assert.match(r.out, /FAIL preflight-status: The preflight's answer is 405/);
    // --send does not override a failed preflight: a browser never sends the PUT.
    assert.equal((await put("/no-preflight", "--send")).code, 1);
    assert.deepEqual(methods(), ["OPTIONS"]);
    const json = await put("/no-preflight", "--json");
    assert.equal(json.code, 1);
    const result = JSON.parse(json.out) as { exposed: boolean; preflightPassed: boolean };
    assert.deepEqual([result.exposed, result.preflightPassed], [false, false]);
  });

  test("a granted preflight: the PUT is sent only with --send", async () => {
    const r = await put("/grant");
    assert.equal(r.code, 3, r.err);
    assert.deepEqual(methods(), ["OPTIONS"]);
    assert.match(r.out, /^Preflight \(OPTIONS\) passes: yes\n/);
    assert.match(
      r.out,
      /Readable by the page's script: not known: the actual request was not sent/,
    );
    assert.match(r.out, /The actual PUT was not sent.*--response-header.*--send/);
    const sent = await put("/grant", "--send");
    assert.equal(sent.code, 0, sent.out);
    assert.deepEqual(methods(), ["OPTIONS", "PUT"]);
    assert.match(sent.out, /\nReadable by the page's script: yes\n/);
  });

  test("a simple POST changes data too: not sent without --send; a GET is", async () => {
    const post = await cors("/grant", "--method", "POST");
    assert.equal(post.code, 3);
    assert.deepEqual(seen, []);
    const get = await cors("/grant");
    assert.equal(get.code, 0, get.out);
    assert.deepEqual(methods(), ["GET"]);
  });

  test("a policy that grants the origin but not the method: the finding names the method", async () => {
    const r = await put("/policy", "--json");
    assert.equal(r.code, 1, r.err);
    assert.deepEqual(methods(), ["OPTIONS", "OPTIONS"]); // the preflight and the probe, no PUT
    const result = JSON.parse(r.out) as {
      findings: { rule: string; ok: boolean; message: string }[];
    };
    const failures = result.findings.filter((f) => !f.ok);
    assert.deepEqual(
      failures.map((f) => f.rule),
      ["preflight-allow-methods"],
    );
    assert.match(
      failures[0]?.message ?? "",
      /refuses the method PUT or the header\(s\) content-type, not the origin/,
    );
    // Without the header, it is the method alone.
    const bare = await cors("/policy", "--method", "PUT");
    assert.match(
      bare.out,
      /FAIL preflight-allow-methods: .*refuses the method PUT, not the origin/,
    );
    assert.doesNotMatch(bare.out, /FAIL (preflight-)?allow-origin/);
  });
});
