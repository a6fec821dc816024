import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CorsError } from "./errors.js";
import { isOriginMatcher, originMatcher, serializedOrigin } from "./origin.js";

function refused(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof CorsError);
    assert.equal(e.code, "ERR_CORS_ORIGIN_INVALID");
    assert.match(e.message, pattern);
    return true;
  });
}

describe("originMatcher: anchored by construction", () => {
  const shop = originMatcher({ scheme: "https", host: "shop.test" });
  const shopAndSubs = originMatcher({ scheme: "https", host: "shop.test", subdomains: true });

  test("accepts the exact origin, and subdomains only when asked", () => {
    assert.equal(shop("https://shop.test"), true);
    assert.equal(shop("https://www.shop.test"), false);
    assert.equal(shopAndSubs("https://shop.test"), true);
    assert.equal(shopAndSubs("https://www.shop.test"), true);
    assert.equal(shopAndSubs("https://a.b.shop.test"), true);
  });

  test("look-alikes are not matched: no prefix, suffix or substring test", () => {
    for (const m of [shop, shopAndSubs]) {
      assert.equal(m("https://evil-shop.test"), false);
      assert.equal(m("https://evilshop.test"), false);
      assert.equal(m("https://shop.test.evil.example"), false);
      assert.equal(m("https://shop.testevil.example"), false);
      assert.equal(m("https://xshop.test"), false);
    }
  });

  test("scheme and port must be equal: http://shop.test and :8443 are other origins", () => {
    assert.equal(shopAndSubs("http://shop.test"), false);
    assert.equal(shopAndSubs("http://www.shop.test"), false);
    assert.equal(shopAndSubs("https://shop.test:8443"), false);
    assert.equal(shopAndSubs("https://www.shop.test:8443"), false);
    const on8443 = originMatcher({ scheme: "https", host: "shop.test", port: 8443 });
    assert.equal(on8443("https://shop.test:8443"), true);
    assert.equal(on8443("https://shop.test"), false);
    assert.equal(on8443("https://shop.test:443"), false);
    // The default port written out is the same as no port.
    const on443 = originMatcher({ scheme: "https", host: "shop.test", port: 443 });
    assert.equal(on443("https://shop.test"), true);
    assert.equal(on443("https://shop.test:8443"), false);
  });

  test("only serialized origins match: no path, slash, user info, upper case, default port", () => {
    for (const o of [
      "https://shop.test/",
      "https://shop.test/x",
      "https://user@shop.test",
      "HTTPS://shop.test",
      "https://SHOP.test",
      "https://shop.test:443",
      "https://shop.test?x",
      "https://shop.test.",
      "https://*.shop.test",
      "https://.shop.test",
      "null",
      "",
      "shop.test",
    ]) {
      assert.equal(shopAndSubs(o), false, o);
    }
    assert.equal(shopAndSubs(undefined as unknown as string), false);
  });

  test("several patterns, one matcher; it is branded and frozen", () => {
    const m = originMatcher([
      { scheme: "https", host: "shop.test", subdomains: true },
      { scheme: "http", host: "localhost", port: 5173 },
    ]);
    assert.equal(m("https://www.shop.test"), true);
    assert.equal(m("http://localhost:5173"), true);
    assert.equal(m("http://localhost:5174"), false);
    assert.equal(isOriginMatcher(m), true);
    assert.equal(
      isOriginMatcher((o: string) => o === "https://shop.test"),
      false,
    );
    assert.equal(Object.isFrozen(m), true);
  });

  test("IP hosts match themselves only", () => {
    const m = originMatcher({ scheme: "http", host: "127.0.0.1", port: 3000 });
    assert.equal(m("http://127.0.0.1:3000"), true);
    assert.equal(m("http://1127.0.0.1:3000"), false);
  });

  test("patterns that cannot be anchored are refused", () => {
    refused(() => originMatcher({ scheme: "https", host: "*.shop.test" }), /subdomains: true/);
    refused(() => originMatcher({ scheme: "https", host: "Shop.test" }), /"shop.test"/);
    refused(() => originMatcher({ scheme: "https", host: "shop.test:8443" }), /port/);
    refused(() => originMatcher({ scheme: "https", host: "shop.test/" }), /host/);
    refused(() => originMatcher({ scheme: "ftp" as "https", host: "shop.test" }), /scheme/);
    refused(() => originMatcher({ scheme: "https", host: "" }), /host/);
    refused(() => originMatcher({ scheme: "https", host: "shop.test", port: 0 }), /port/);
    refused(
      () => originMatcher({ scheme: "https", host: "github.io", subdomains: true }),
      /public suffix/,
    );
    refused(
      () => originMatcher({ scheme: "https", host: "127.0.0.1", subdomains: true }),
      /IP address/,
    );
    refused(() => originMatcher([]), /at least one/);
  });
});

describe("serializedOrigin: list entries must be written as browsers send them", () => {
  test("exact origins and null pass through", () => {
    assert.equal(serializedOrigin("https://shop.test"), "https://shop.test");
    assert.equal(serializedOrigin("https://shop.test:8443"), "https://shop.test:8443");
    assert.equal(serializedOrigin("http://[::1]:3000"), "http://[::1]:3000");
    assert.equal(serializedOrigin("null"), "null");
  });

  test("anything else is refused with what is wrong and the normalized form", () => {
    const cases: [string, RegExp][] = [
      ["https://shop.test/", /trailing slash.*"https:\/\/shop\.test"/],
      ["https://shop.test/app", /a path.*"https:\/\/shop\.test"/],
      ["https://user:pw@shop.test", /user info.*"https:\/\/shop\.test"/],
      ["https://shop.test?a=1", /a query.*"https:\/\/shop\.test"/],
      ["https://shop.test#x", /a fragment/],
      ["https://Shop.Test", /upper-case.*"https:\/\/shop\.test"/],
      ["HTTPS://shop.test", /upper-case/],
      ["https://shop.test:443", /default port.*"https:\/\/shop\.test"/],
      ["http://shop.test:80", /default port.*"http:\/\/shop\.test"/],
      ["https://b\u00fccher.example", /"https:\/\/xn--bcher-kva\.example"/],
      ["https://*.shop.test", /wildcards.*originMatcher/],
      ["shop.test", /scheme:\/\/host/],
      ["file:///etc", /http\(s\) origin/],
    ];
    for (const [entry, pattern] of cases) refused(() => serializedOrigin(entry), pattern);
  });
});
