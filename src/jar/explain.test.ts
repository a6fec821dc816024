import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CookieJar, formatJarExplanation, type RequestContext } from "./index.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");

describe("CookieJar.explain", () => {
  test("the lesson's four requests, computed check by check", () => {
    const jar = new CookieJar({ clock: () => T0 });
    jar.setCookie(
      "__Host-shop_session=s_abc123; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=3600",
      "https://www.shop.test/login",
    );
    const failing = (url: string, context?: RequestContext) => {
      const [v] = jar.explain(url, context).cookies;
      return v?.checks.filter((c) => !c.pass).map((c) => [c.check, c.reason]);
    };
    assert.deepEqual(failing("https://www.shop.test/checkout"), []);
    assert.deepEqual(failing("http://www.shop.test/checkout"), [["secure", "not-secure"]]);
    assert.deepEqual(
      failing("https://api.shop.test/cart/summary", {
        type: "subresource",
        initiator: "https://www.shop.test",
      }),
      [["host", "host-mismatch"]],
    );
    assert.deepEqual(
      failing("https://www.shop.test/orders", {
        initiator: "https://evil.example",
        method: "POST",
      }),
      [["same-site", "same-site-lax"]],
    );
    const e = jar.explain("https://www.shop.test/orders", {
      initiator: "https://evil.example",
      method: "POST",
    });
    assert.equal(e.sameSite.status, "lax-unsafe");
    assert.match(e.sameSite.why, /started by https:\/\/evil\.example, another site/);
    const text = formatJarExplanation(e);
    assert.match(text, /^https:\/\/www\.shop\.test\/orders: lax-unsafe/);
    assert.match(text, /not sent: __Host-shop_session \(domain www\.shop\.test, path \/\)/);
    assert.match(text, /FAIL same-site: SameSite=Lax cookie on a cross-site request/);
  });

  test("every check is reported, in order, even after one fails", () => {
    const jar = new CookieJar({ clock: () => T0 });
    jar.setCookie("a=1; Path=/x; Secure; HttpOnly; SameSite=Strict", "https://www.shop.test/");
    const [v] = jar.explain("http://www.shop.test/y", {
      api: "script",
      type: "frame",
      frames: ["https://evil.example"],
    }).cookies;
    assert.deepEqual(
      v?.checks.map((c) => c.check),
      ["expiry", "host", "path", "secure", "http-only", "same-site", "partition", "third-party"],
    );
    assert.deepEqual(v?.reasons, ["path-mismatch", "not-secure", "http-only", "same-site-strict"]);
  });

  test("changes nothing: no last-access update, no removal of expired cookies", () => {
    let now = T0;
    const jar = new CookieJar({ clock: () => now });
    jar.setCookie("a=1; Max-Age=10", "https://www.shop.test/");
    now += 5000;
    jar.explain("https://www.shop.test/");
    assert.equal(jar.all()[0]?.lastAccessTime, T0);
    now += 10_000;
    assert.equal(jar.explain("https://www.shop.test/").cookies[0]?.reasons[0], "expired");
    assert.equal(jar.size, 1);
  });

  test("agrees with getCookieHeader on every request of a grid", () => {
    const jar = new CookieJar({ profile: "chromium", clock: () => T0 });
    const lines = [
      "s=1; SameSite=Strict; Secure",
      "l=1; SameSite=Lax",
      "n=1; SameSite=None; Secure",
      "d=1",
      "h=1; HttpOnly",
      "p=1; Path=/a",
      "dom=1; Domain=shop.test",
      "part=1; Secure; SameSite=None; Partitioned",
    ];
    for (const l of lines) jar.setCookie(l, "https://www.shop.test/a/b");
    const urls = [
      "https://www.shop.test/a/b",
      "http://www.shop.test/",
      "https://api.shop.test/a",
      "https://x.example/",
    ];
    const contexts: RequestContext[] = [
      {},
      { initiator: "https://evil.example" },
      { initiator: "https://evil.example", method: "POST" },
      { type: "subresource", initiator: "https://evil.example" },
      { type: "frame", frames: ["https://www.shop.test", "https://evil.example"] },
      { api: "script" },
      { redirects: ["https://evil.example/r"], initiator: "https://www.shop.test" },
    ];
    for (const url of urls) {
      for (const c of contexts) {
        assert.equal(
          jar.explain(url, c).header,
          jar.getCookieHeader(url, c),
          `${url} ${JSON.stringify(c)}`,
        );
      }
    }
  });
});
