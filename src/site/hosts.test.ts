import assert from "node:assert/strict";
import { test } from "node:test";
import { domainMatches, isLoopbackHost } from "./index.js";

test("isLoopbackHost: localhost, *.localhost, 127/8 and [::1]", () => {
  for (const h of ["localhost", "app.localhost", "127.0.0.1", "127.1.2.3", "[::1]"])
    assert.ok(isLoopbackHost(h), h);
  for (const h of ["localhost.example", "128.0.0.1", "[::2]", "mylocalhost"])
    assert.ok(!isLoopbackHost(h), h);
});

test("domainMatches: the domain itself or a subdomain, by whole labels; IPs only themselves", () => {
  assert.ok(domainMatches("shop.test", "shop.test"));
  assert.ok(domainMatches("www.shop.test", "shop.test"));
  assert.ok(!domainMatches("evilshop.test", "shop.test"));
  assert.ok(!domainMatches("shop.test", "www.shop.test"));
  assert.ok(domainMatches("10.0.0.1", "10.0.0.1"));
  assert.ok(!domainMatches("1.10.0.0.1", "0.0.1"));
  assert.ok(!domainMatches("[::1]", "1]"));
});
