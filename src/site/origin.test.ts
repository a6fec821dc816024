import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isSameSite, originOf, siteOf } from "./origin.js";

describe("originOf", () => {
  test("serializes as browsers do: lower case, default port dropped, no path", () => {
    assert.equal(originOf("HTTPS://WWW.Shop.Test:443/a?b#c"), "https://www.shop.test");
    assert.equal(originOf("https://www.shop.test:8443"), "https://www.shop.test:8443");
    assert.equal(originOf("http://127.0.0.1:80/"), "http://127.0.0.1");
    assert.equal(originOf("https://b\u00fccher.example/"), "https://xn--bcher-kva.example");
  });

  test("anything else is undefined, never a throw", () => {
    for (const bad of [
      "",
      "null",
      "not a url",
      "file:///etc/passwd",
      "data:text/plain,x",
      "javascript:alert(1)",
    ]) {
      assert.equal(originOf(bad), undefined, bad);
    }
    assert.equal(originOf(undefined as unknown as string), undefined);
  });
});

describe("siteOf and isSameSite", () => {
  test("registrable domain from the public suffix list, scheme included", () => {
    assert.equal(siteOf("https://www.shop.test:8443"), "https://shop.test");
    assert.equal(siteOf("https://a.b.example.co.uk"), "https://example.co.uk");
    assert.equal(isSameSite("https://www.shop.test", "https://api.shop.test"), true);
    assert.equal(isSameSite("https://www.shop.test", "http://www.shop.test"), false);
    assert.equal(isSameSite("https://www.shop.test", "https://evil.example"), false);
  });

  test("the private section counts: github.io users are different sites", () => {
    assert.equal(isSameSite("https://alice.github.io", "https://bob.github.io"), false);
  });

  test("IP addresses and localhost are their own site", () => {
    assert.equal(siteOf("http://127.0.0.1:3000"), "http://127.0.0.1");
    assert.equal(siteOf("http://localhost:3000"), "http://localhost");
    assert.equal(isSameSite("http://127.0.0.1:1", "http://127.0.0.2:1"), false);
  });
});
