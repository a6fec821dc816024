import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { CookieJar, withCookieJar } from "./index.js";

let server: Server;
let base: string;
let other: string;
const seen: { path: string; host: string; cookie: string; method: string; body: string }[] = [];

async function body(req: IncomingMessage): Promise<string> {
  let s = "";
  for await (const chunk of req) s += chunk;
  return s;
}

function handle(req: IncomingMessage, res: ServerResponse, text: string): void {
  const url = new URL(req.url ?? "/", "http://x");
  seen.push({
    path: url.pathname,
    host: req.headers.host ?? "",
    cookie: req.headers.cookie ?? "",
    method: req.method ?? "",
    body: text,
  });
  const go = (status: number, location: string, cookies: string[] = []) => {
    res.writeHead(status, { location, "set-cookie": cookies }).end();
  };
  switch (url.pathname) {
    case "/login":
      res
        .writeHead(200, {
          "set-cookie": ["sid=abc; Path=/; HttpOnly; SameSite=Lax", "pref=1; Path=/account"],
        })
        .end("ok");
      return;
    case "/secure-login":
      res
        .writeHead(200, {
          "set-cookie": ["__Host-session=t; Path=/; Secure; HttpOnly", "theme=dark; Path=/"],
        })
        .end();
      return;
    case "/logout":
      res.writeHead(200, { "set-cookie": "sid=; Path=/; Max-Age=0" }).end();
      return;
    case "/hop1":
      go(302, "/hop2", ["one=1; Path=/"]);
      return;
    case "/hop2":
      go(301, `${base}/me`, ["two=2; Path=/"]);
      return;
    case "/to-other":
      go(302, `${other}/me`, ["here=1; Path=/"]);
      return;
    case "/see-other":
      go(303, "/me");
      return;
    case "/temporary":
      go(307, "/me");
      return;
    case "/loop":
      go(302, "/loop");
      return;
    case "/away":
      go(302, "mailto:someone@example.com");
      return;
    default:
      res.writeHead(200, { "content-type": "text/plain" }).end(req.headers.cookie ?? "");
  }
}

before(async () => {
  server = createServer((req, res) => {
    body(req).then(
      (text) => handle(req, res, text),
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  other = `http://localhost:${port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function client(): { jar: CookieJar; f: typeof fetch } {
  const jar = new CookieJar();
  return { jar, f: withCookieJar(fetch, jar) };
}

describe("withCookieJar over real HTTP", () => {
  test("stores Set-Cookie and sends what applies to each URL", async () => {
    const { jar, f } = client();
    await (await f(`${base}/login`)).text();
    assert.equal(await (await f(`${base}/me`)).text(), "sid=abc");
    assert.equal(await (await f(`${base}/account/x`)).text(), "pref=1; sid=abc");
    await (await f(`${base}/logout`)).text();
    assert.equal(await (await f(`${base}/me`)).text(), "");
    assert.equal(jar.size, 1);
  });

  test("onSetCookie sees every line of every hop; loopback keeps Secure cookies only in the chromium profile", async () => {
    for (const profile of ["rfc6265bis", "chromium"] as const) {
      const jar = new CookieJar({ profile });
      const results: [string, string, string][] = [];
      const f = withCookieJar(fetch, jar, {
        onSetCookie: (result, line, url) => {
          results.push([
            line.split("=")[0] ?? "",
            result.type === "rejected" ? result.reason : result.type,
            new URL(url).pathname,
          ]);
        },
      });
      await (await f(`${other}/secure-login`)).text();
      const kept = profile === "chromium" ? "stored" : "secure-from-insecure";
      assert.deepEqual(results, [
        ["__Host-session", kept, "/secure-login"],
        ["theme", "stored", "/secure-login"],
      ]);
      const sent = await (await f(`${other}/me`)).text();
      assert.equal(sent, profile === "chromium" ? "__Host-session=t; theme=dark" : "theme=dark");
    }
    const results: string[] = [];
    await (
      await withCookieJar(fetch, new CookieJar(), {
        onSetCookie: (r) => results.push(r.type),
      })(`${base}/hop1`)
    ).text();
    assert.deepEqual(results, ["stored", "stored"]);
  });

  test("redirects hop by hop: each hop's cookies are stored and sent on the next hop", async () => {
    const { f } = client();
    seen.length = 0;
    const res = await f(`${base}/hop1`);
    assert.equal(await res.text(), "one=1; two=2");
    assert.deepEqual(
      seen.map((s) => [s.path, s.cookie]),
      [
        ["/hop1", ""],
        ["/hop2", "one=1"],
        ["/me", "one=1; two=2"],
      ],
    );
    assert.equal(res.url, `${base}/me`);
  });

  test("a redirect to another host sends that host's cookies only", async () => {
    const { f } = client();
    seen.length = 0;
    assert.equal(await (await f(`${base}/to-other`)).text(), "");
    assert.deepEqual(
      seen.map((s) => s.host.split(":")[0]),
      ["127.0.0.1", "localhost"],
    );
    assert.equal(await (await f(`${base}/me`)).text(), "here=1");
  });

  test("303 becomes GET without a body; 307 keeps the method and the body", async () => {
    const { f } = client();
    seen.length = 0;
    await (await f(`${base}/see-other`, { method: "POST", body: "a=1" })).text();
    await (await f(`${base}/temporary`, { method: "POST", body: "b=2" })).text();
    assert.deepEqual(
      seen.map((s) => [s.path, s.method, s.body]),
      [
        ["/see-other", "POST", "a=1"],
        ["/me", "GET", ""],
        ["/temporary", "POST", "b=2"],
        ["/me", "POST", "b=2"],
      ],
    );
  });

  test("redirect: manual returns the 3xx with its cookies stored", async () => {
    const { jar, f } = client();
    const res = await f(`${base}/hop1`, { redirect: "manual" });
    assert.equal(res.status, 302);
    assert.deepEqual(
      jar.all().map((c) => c.name),
      ["one"],
    );
  });

  test("the caller's own Cookie header is kept after the jar's", async () => {
    const { f } = client();
    await (await f(`${base}/login`)).text();
    assert.equal(
      await (await f(`${base}/me`, { headers: { cookie: "extra=1" } })).text(),
      "sid=abc; extra=1",
    );
  });

  test("a redirect loop is a typed error; a non-http Location is returned as is", async () => {
    const { f } = client();
    await assert.rejects(f(`${base}/loop`), { code: "ERR_JAR_TOO_MANY_REDIRECTS" });
    const limited = withCookieJar(fetch, new CookieJar(), { maxRedirects: 1 });
    await assert.rejects(limited(`${base}/hop1`), { code: "ERR_JAR_TOO_MANY_REDIRECTS" });
    assert.equal((await f(`${base}/away`)).status, 302);
  });

  test("the context applies: a cross-site subresource does not carry Lax cookies", async () => {
    const jar = new CookieJar();
    await (await withCookieJar(fetch, jar)(`${base}/login`)).text();
    const embedded = withCookieJar(fetch, jar, {
      context: { type: "subresource", initiator: "https://evil.example" },
    });
    assert.equal(await (await embedded(`${base}/me`)).text(), "");
  });
});
