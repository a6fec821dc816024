import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { makeCertificate } from "../../test/browser/harness.js";
import { main } from "./main.js";

interface Output {
  code: number;
  out: string;
  err: string;
}

async function run(...argv: string[]): Promise<Output> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

interface JsonResult {
  findings: {
    id: string;
    severity: string;
    cookie?: string;
    evidence: string;
    fix: string;
    url: string;
  }[];
  hops: { url: string; status: number; setCookies: number; location?: string }[];
  probes: { probe: string; origin: string; reflected: boolean; credentials: boolean }[];
  hsts: string[];
}

async function start(server: Server): Promise<number> {
  // No host: dual-stack, so "localhost" reaches it whether it resolves to ::1 or 127.0.0.1.
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return (server.address() as AddressInfo).port;
}

const RANDOM = "Yr3bq8v1Xc0n9Kp2Lm7Tg4Hs6Jd5Fw_Ze-Ua8Qo1Ri";

describe("sessionjar audit URL over real HTTP and HTTPS", () => {
  let dir: string;
  let caFile: string;
  let httpPort: number;
  let httpsPort: number;
  const servers: Server[] = [];
  let hits = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "sessionjar-audit-"));
    const cert = await makeCertificate(["localhost"]);
    caFile = join(dir, "ca.pem");
    writeFileSync(caFile, cert.cert);
    const secure: RequestListener = (req, res) => {
      hits++;
      const origin = req.headers.origin;
      switch (req.url?.split(";")[0]) {
        case "/login":
          res.writeHead(302, {
            location: "/home;jsessionid=12345678",
            "set-cookie": "sid=12345; Path=/",
          });
          return void res.end();
        case "/home":
          res.writeHead(200, {
            "set-cookie": [
              `__Host-sid=${RANDOM}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=1800`,
              "prefs=compact; Path=/; HttpOnly; SameSite=Lax",
            ],
            "cache-control": "no-store",
            "strict-transport-security": "max-age=31536000",
          });
          return void res.end("home");
        case "/api/reflect": {
          // The classic mistake: any Origin echoed with credentials, and no Vary: Origin.
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (origin !== undefined) {
            headers["access-control-allow-origin"] = origin;
            headers["access-control-allow-credentials"] = "true";
          }
          res.writeHead(200, headers);
          return void res.end("{}");
        }
        case "/api/strict": {
          const own = `https://localhost:${httpsPort}`;
          const headers: Record<string, string> = { vary: "Origin", "cache-control": "no-store" };
          if (origin === own) {
            headers["access-control-allow-origin"] = own;
            headers["access-control-allow-credentials"] = "true";
          }
          res.writeHead(200, headers);
          return void res.end("{}");
        }
        case "/token":
          res.writeHead(302, {
            location: `/home;jsessionid=${RANDOM}`,
            "set-cookie": `sid=${RANDOM}; Path=/; Secure; HttpOnly; SameSite=Lax`,
            "cache-control": "no-store",
          });
          return void res.end();
        case "/broken":
          // The next hop speaks TLS to the plain server and fails, its URL carrying the value.
          res.writeHead(302, {
            location: `https://localhost:${httpPort}/next?x=${RANDOM}`,
            "set-cookie": `sid=${RANDOM}; Path=/; Secure; HttpOnly; SameSite=Lax`,
          });
          return void res.end();
        case "/loop":
          res.writeHead(302, { location: "/loop" });
          return void res.end();
        default:
          res.writeHead(404);
          return void res.end();
      }
    };
    const https = createHttpsServer({ key: cert.key, cert: cert.cert }, secure);
    servers.push(https);
    httpsPort = await start(https);
    const plain = createHttpServer((req, res) => {
      hits++;
      res.writeHead(301, {
        location: `https://localhost:${httpsPort}${req.url === "/start" ? "/login" : "/"}`,
        "set-cookie": "visit=1; Secure",
      });
      res.end();
    });
    servers.push(plain);
    httpPort = await start(plain);
  });

  after(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test("follows every redirect hop and audits each hop's Set-Cookie", async () => {
    const r = await run("audit", `http://localhost:${httpPort}/start`, "--ca", caFile, "--json");
    assert.equal(r.code, 0, r.err);
    const result = JSON.parse(r.out) as JsonResult;
    assert.deepEqual(
      result.hops.map((h) => [new URL(h.url).pathname, h.status, h.setCookies]),
      [
        ["/start", 301, 1],
        ["/login", 302, 1],
        ["/home;jsessionid=12345678", 200, 2],
      ],
    );
    const ids = (cookie: string | undefined): string[] =>
      result.findings
        .filter((f) => f.cookie === cookie)
        .map((f) => f.id)
        .sort();
    // Hop 1, over http on localhost: Secure is accepted there by Chromium and Firefox only.
    assert.ok(ids("visit").includes("secure-over-http"));
    // Hop 2: a weak session cookie, and the id put in the Location.
    assert.deepEqual(
      ids("sid").filter((id) => id.startsWith("session-") || id === "low-entropy-id"),
      ["low-entropy-id", "session-no-httponly", "session-no-secure"],
    );
    assert.ok(ids(undefined).includes("id-in-url"));
    assert.ok(ids(undefined).includes("set-cookie-cacheable"));
    // Hop 3: a good session cookie has nothing; HSTS lowers the other cookie's missing Secure.
    assert.deepEqual(ids("__Host-sid"), []);
    assert.deepEqual(ids("prefs"), ["cookie-no-secure"]);
    assert.equal(result.findings.find((f) => f.cookie === "prefs")?.severity, "low");
    assert.deepEqual(result.hsts, ["localhost"]);
    const idInUrl = result.findings.find((f) => f.id === "id-in-url");
    assert.match(idInUrl?.evidence ?? "", /Location: \/home;jsessionid=12345678/);
    assert.equal(idInUrl?.fix, `Location: https://localhost:${httpsPort}/home`);
  });

  test("--fail-on sets the exit code; the text report groups by cookie", async () => {
    const url = `http://localhost:${httpPort}/start`;
    const high = await run("audit", url, "--ca", caFile, "--fail-on", "high");
    assert.equal(high.code, 1);
    assert.match(high.out, /^ {2}301 http:\/\/localhost:\d+\/start \(1 Set-Cookie\) → https:/m);
    assert.match(high.out, /^cookie sid\n {2}HIGH {3}session-no-secure/m);
    assert.match(high.out, /fix: Set-Cookie: sid=12345; Path=\/; Secure\n/);
    assert.match(high.out, /^response$/m);
    assert.doesNotMatch(high.out, /\u001b\[/, "no colour when not on a terminal");
    assert.match(high.out, /\d+ findings: \d+ high/);
    const colour = await run("audit", url, "--ca", caFile, "--color");
    assert.match(colour.out, /\u001b\[1;31mHIGH/);
  });

  test("--probe-cors reports every echoed look-alike, null and downgrade origin", async () => {
    const before = hits;
    const r = await run(
      "audit",
      `https://localhost:${httpsPort}/api/reflect`,
      "--ca",
      caFile,
      "--probe-cors",
      "--json",
    );
    assert.equal(r.code, 0, r.err);
    assert.equal(hits - before, 6, "one GET and five probes");
    const result = JSON.parse(r.out) as JsonResult;
    assert.deepEqual(
      result.probes.map((p) => [p.probe, p.reflected, p.credentials]),
      [
        ["random", true, true],
        ["null", true, true],
        ["prefix", true, true],
        ["suffix", true, true],
        ["http-downgrade", true, true],
      ],
    );
    const prefix = result.probes.find((p) => p.probe === "prefix")?.origin ?? "";
    assert.ok(prefix.startsWith("https://localhost."), prefix);
    const suffix = result.probes.find((p) => p.probe === "suffix")?.origin ?? "";
    assert.ok(suffix.endsWith(`localhost:${httpsPort}`), suffix);
    const reflect = result.findings.filter((f) => f.id === "cors-reflect-credentials");
    assert.deepEqual(
      reflect.map((f) => f.severity),
      ["high", "high", "high", "high", "medium"],
    );
    assert.equal(result.findings.filter((f) => f.id === "cors-no-vary").length, 1);
  });

  test("--probe-cors finds nothing on an exact-origin policy", async () => {
    const r = await run(
      "audit",
      `https://localhost:${httpsPort}/api/strict`,
      "--ca",
      caFile,
      "--probe-cors",
      "--json",
    );
    assert.equal(r.code, 0, r.err);
    const result = JSON.parse(r.out) as JsonResult;
    assert.ok(result.probes.every((p) => !p.reflected));
    assert.deepEqual(result.findings, []);
  });

  test("without --ca the runtime's fetch makes the requests, Origin probes included", async () => {
    const origins: (string | undefined)[] = [];
    const api = createHttpServer((req, res) => {
      origins.push(req.headers.origin);
      const headers: Record<string, string> = { vary: "Origin" };
      if (req.headers.origin !== undefined)
        headers["access-control-allow-origin"] = req.headers.origin;
      res.writeHead(200, headers).end();
    });
    const port = await start(api);
    try {
      const r = await run("audit", `http://localhost:${port}/api`, "--probe-cors", "--json");
      assert.equal(r.code, 0, r.err);
      const result = JSON.parse(r.out) as JsonResult;
      assert.deepEqual(
        result.probes.map((p) => p.probe),
        ["random", "null", "prefix", "suffix"],
      );
      assert.deepEqual(
        origins.slice(1),
        result.probes.map((p) => p.origin),
      );
      assert.equal(origins[0], undefined);
      assert.deepEqual(
        result.findings.map((f) => [f.id, f.severity]),
        [
          ["cors-reflect", "low"],
          ["cors-reflect", "low"],
          ["cors-reflect", "low"],
          ["cors-reflect", "low"],
        ],
      );
    } finally {
      await new Promise<void>((r) => api.close(() => r()));
    }
  });

  test("--probe-cors: a fixed Allow-Origin needs no Vary: Origin", async () => {
    const api = createHttpServer((_req, res) => {
      res.writeHead(200, { "access-control-allow-origin": "https://app.shop.test" }).end();
    });
    const port = await start(api);
    try {
      const passive = JSON.parse(
        (await run("audit", `http://localhost:${port}/`, "--json")).out,
      ) as JsonResult;
      assert.deepEqual(
        passive.findings.map((f) => f.id),
        ["cors-no-vary"],
      );
      const probed = JSON.parse(
        (await run("audit", `http://localhost:${port}/`, "--probe-cors", "--json")).out,
      ) as JsonResult;
      assert.deepEqual(probed.findings, []);
      assert.ok(probed.probes.every((p) => !p.reflected));
    } finally {
      await new Promise<void>((r) => api.close(() => r()));
    }
  });

  test("a redirect loop stops at --max-redirects", async () => {
    const r = await run(
      "audit",
      `https://localhost:${httpsPort}/loop`,
      "--ca",
      caFile,
      "--max-redirects",
      "3",
      "--json",
    );
    const result = JSON.parse(r.out) as JsonResult & { truncated: boolean };
    assert.equal(result.hops.length, 4);
    assert.equal(result.truncated, true);
  });

  test("an untrusted certificate, a closed port and bad options exit 2 with the reason", async () => {
    const untrusted = await run("audit", `https://localhost:${httpsPort}/home`);
    assert.equal(untrusted.code, 2);
    assert.match(untrusted.err, /could not fetch https:\/\/localhost:\d+\/home/);
    const insecure = await run(
      "audit",
      `https://localhost:${httpsPort}/home`,
      "--insecure",
      "--json",
    );
    assert.equal(insecure.code, 0, insecure.err);
    const closed = createHttpServer();
    const port = await start(closed);
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = await run("audit", `http://localhost:${port}/`);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /could not fetch/);
    assert.equal((await run("audit", "ftp://example.test/")).code, 2);
    assert.equal((await run("audit", "https://a.test/", "--fail-on", "severe")).code, 2);
    assert.equal((await run("audit")).code, 2);
    assert.equal((await run("audit", "https://a.test/", "--har", "x.har")).code, 2);
    assert.match((await run("audit", "--help")).out, /^Usage:/);
  });

  test("a session id in a Location and the next hop's URL is shortened, in text and JSON", async () => {
    const url = `https://localhost:${httpsPort}/token`;
    const text = await run("audit", url, "--ca", caFile);
    const json = await run("audit", url, "--ca", caFile, "--json");
    for (const r of [text, json]) {
      assert.equal(r.code, 0, r.err);
      assert.ok(!r.out.includes(RANDOM), r.out);
      assert.match(r.out, new RegExp(`;jsessionid=${RANDOM.slice(0, 4)}…`));
    }
    const hops = (JSON.parse(json.out) as JsonResult).hops;
    assert.equal(hops[0]?.location, `/home;jsessionid=${RANDOM.slice(0, 4)}…`);
    assert.ok(
      (await run("audit", url, "--ca", caFile, "--show-values")).out.includes(RANDOM),
      "--show-values shows them",
    );
  });

  test("a hop that fails is named with the session values of the hops before it hidden", async () => {
    const r = await run("audit", `https://localhost:${httpsPort}/broken`, "--ca", caFile);
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      new RegExp(`could not fetch https://localhost:${httpPort}/next\\?x=${RANDOM.slice(0, 4)}…`),
    );
    assert.ok(!r.err.includes(RANDOM), r.err);
  });

  test("--resolve reaches a name only a test setup knows, Host and all", async () => {
    const url = `https://www.shop.test:${httpsPort}/home`;
    const r = await run(
      "audit",
      url,
      "--insecure",
      "--resolve",
      `www.shop.test:${httpsPort}:127.0.0.1`,
      "--json",
    );
    assert.equal(r.code, 0, r.err);
    assert.deepEqual((JSON.parse(r.out) as JsonResult).hsts, ["www.shop.test"]);
    const bad = await run("audit", url, "--resolve", "www.shop.test:x:127.0.0.1");
    assert.equal(bad.code, 2);
    assert.match(bad.err, /is not HOST:PORT:ADDRESS/);
  });
});

describe("sessionjar audit --headers and --har", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "sessionjar-audit-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("--headers FILE reads curl -D output, one response per status line", async () => {
    const file = join(dir, "headers.txt");
    writeFileSync(
      file,
      [
        "HTTP/1.1 302 Found",
        "Location: https://www.shop.test/home",
        "Set-Cookie: sid=abc; Path=/",
        "",
        "HTTP/2 200",
        `set-cookie: __Host-sid=${RANDOM}; Path=/; Secure; HttpOnly; SameSite=Lax`,
        "cache-control: no-store",
        "",
      ].join("\r\n"),
    );
    const r = await run(
      "audit",
      "--headers",
      file,
      "--url",
      "http://www.shop.test/login",
      "--json",
    );
    assert.equal(r.code, 0, r.err);
    const result = JSON.parse(r.out) as JsonResult & { responses: number };
    assert.equal(result.responses, 2);
    assert.ok(
      result.findings.some(
        (f) => f.id === "session-no-secure" && f.url === "http://www.shop.test/login",
      ),
    );
    assert.ok(result.findings.every((f) => f.cookie !== "__Host-sid" || f.id === "hsts-missing"));
    const needsUrl = await run("audit", "--headers", file);
    assert.equal(needsUrl.code, 2);
    assert.match(needsUrl.err, /--headers needs --url/);
    const empty = join(dir, "empty.txt");
    writeFileSync(empty, "\n\n");
    const none = await run("audit", "--headers", empty, "--url", "https://a.test/");
    assert.equal(none.code, 2);
    assert.match(none.err, /no header lines/);
  });

  test("session cookie values are shortened unless --show-values", async () => {
    const file = join(dir, "token.txt");
    writeFileSync(file, `Set-Cookie: sid=${RANDOM}; Path=/\n`);
    const short = await run("audit", "--headers", file, "--url", "https://www.shop.test/");
    assert.ok(!short.out.includes(RANDOM));
    assert.match(short.out, new RegExp(`sid=${RANDOM.slice(0, 4)}…; Path=/`));
    const full = await run(
      "audit",
      "--headers",
      file,
      "--url",
      "https://www.shop.test/",
      "--show-values",
    );
    assert.ok(full.out.includes(RANDOM));
  });

  test("--headers - reads stdin in the real process", () => {
    const bin = new URL("./bin.ts", import.meta.url).pathname;
    const p = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        bin,
        "audit",
        "--headers",
        "-",
        "--url",
        "https://www.shop.test/",
        "--fail-on",
        "medium",
      ],
      { input: "Set-Cookie: sessionid=42; Path=/\n", encoding: "utf8" },
    );
    assert.equal(p.status, 1, p.stderr);
    assert.match(p.stdout, /session-no-secure/);
    assert.match(p.stdout, /low-entropy-id/);
  });

  test("--har that is not a HAR exits 2", async () => {
    const bad = join(dir, "bad.har");
    writeFileSync(bad, "{ not json");
    const r = await run("audit", "--har", bad);
    assert.equal(r.code, 2);
    assert.match(r.err, /not JSON/);
    writeFileSync(bad, JSON.stringify({ log: {} }));
    assert.match((await run("audit", "--har", bad)).err, /no log\.entries/);
    assert.equal((await run("audit", "--har", join(dir, "missing.har"))).code, 2);
    writeFileSync(
      bad,
      JSON.stringify({
        log: {
          entries: [
            { request: { url: "https://a.test/" }, response: { status: 200, headers: "oops" } },
          ],
        },
      }),
    );
    const oops = await run("audit", "--har", bad);
    assert.equal(oops.code, 2);
    assert.match(oops.err, /response\.headers is "oops"/);
  });

  test("a sanitized HAR is said to be rebuilt, in text and in --json", async () => {
    const har = join(dir, "sanitized.har");
    const cookies = [{ name: "sid", value: RANDOM, path: "/", secure: true, httpOnly: true }];
    const entry = {
      request: { url: "https://a.test/" },
      response: { status: 200, headers: [], cookies },
    };
    writeFileSync(har, JSON.stringify({ log: { entries: [entry] } }));
    assert.match(
      (await run("audit", "--har", har)).out,
      /note: this HAR was exported without Set-Cookie/,
    );
    const json = JSON.parse((await run("audit", "--har", har, "--json")).out) as { note?: string };
    assert.match(json.note ?? "", /rebuilt from the cookies the browser recorded/);
  });

  test("a bad option is one line naming it and the likely one, not the whole help", async () => {
    const r = await run("audit", "--fial-on", "high", "https://a.test/");
    assert.equal(r.code, 2);
    assert.equal(
      r.err,
      "sessionjar audit: unknown option --fial-on (did you mean --fail-on?); see sessionjar audit --help\n",
    );
    assert.equal(
      (await run("audit", "--ca")).err,
      "sessionjar audit: --ca needs a value; see sessionjar audit --help\n",
    );
    assert.match(
      (await run("jar", "run", "--jsn")).err,
      /^sessionjar jar run: unknown option --jsn \(did you mean --json\?\)/,
    );
    assert.match(
      (await run("explain", "--orign", "x")).err,
      /unknown option --orign \(did you mean --origin\?\)/,
    );
  });
});
