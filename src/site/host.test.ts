import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  canonicalHost,
  domainMatch,
  isIpAddress,
  isLoopbackHost,
  isPublicSuffix,
  isSecureUrl,
  registrableDomain,
} from "./host.js";

describe("canonicalHost", () => {
  test("lower case, punycode, brackets, as a URL parser writes it", () => {
    assert.equal(canonicalHost("WWW.Shop.Test"), "www.shop.test");
    assert.equal(canonicalHost("b\u00fccher.example"), "xn--bcher-kva.example");
    assert.equal(canonicalHost("::1"), "[::1]");
    assert.equal(canonicalHost("[::1]"), "[::1]");
    assert.equal(canonicalHost("127.0.0.1"), "127.0.0.1");
  });

  test("not a host: undefined, never a throw", () => {
    for (const bad of ["", "a b", "exa mple.com", "[::1", "a/b"]) {
      assert.equal(canonicalHost(bad), undefined, bad);
    }
    assert.equal(canonicalHost(7 as unknown as string), undefined);
  });
});

describe("domainMatch", () => {
  test("identical, or a subdomain on a label boundary", () => {
    assert.equal(domainMatch("shop.test", "shop.test"), true);
    assert.equal(domainMatch("www.shop.test", "shop.test"), true);
    assert.equal(domainMatch("a.b.shop.test", "shop.test"), true);
    assert.equal(domainMatch("evilshop.test", "shop.test"), false);
    assert.equal(domainMatch("shop.test", "www.shop.test"), false);
    assert.equal(domainMatch("shop.test.evil.example", "shop.test"), false);
  });

  test("IP addresses only match themselves", () => {
    assert.equal(domainMatch("10.0.0.1", "0.0.1"), false);
    assert.equal(domainMatch("10.0.0.1", "10.0.0.1"), true);
    assert.equal(isIpAddress("[::1]"), true);
    assert.equal(isIpAddress("1.2.3.4"), true);
    assert.equal(isIpAddress("1.2.3.example"), false);
  });
});

describe("public suffixes and registrable domains", () => {
  test("ICANN and private sections, and unknown top-level labels", () => {
    assert.equal(isPublicSuffix("com"), true);
    assert.equal(isPublicSuffix("co.uk"), true);
    assert.equal(isPublicSuffix("github.io"), true);
    assert.equal(isPublicSuffix("test"), true);
    assert.equal(isPublicSuffix("shop.test"), false);
    assert.equal(isPublicSuffix("alice.github.io"), false);
    assert.equal(isPublicSuffix("127.0.0.1"), false);
  });

  test("registrable domain, or the host itself", () => {
    assert.equal(registrableDomain("a.b.example.co.uk"), "example.co.uk");
    assert.equal(registrableDomain("alice.github.io"), "alice.github.io");
    assert.equal(registrableDomain("www.shop.test"), "shop.test");
    assert.equal(registrableDomain("localhost"), "localhost");
    assert.equal(registrableDomain("127.0.0.1"), "127.0.0.1");
    assert.equal(registrableDomain("[::1]"), "[::1]");
    assert.equal(registrableDomain("co.uk"), "co.uk");
  });
});

describe("isSecureUrl", () => {
  test("https and wss; loopback only when asked", () => {
    assert.equal(isSecureUrl(new URL("https://a.test/")), true);
    assert.equal(isSecureUrl(new URL("wss://a.test/")), true);
    assert.equal(isSecureUrl(new URL("http://a.test/")), false);
    assert.equal(isSecureUrl(new URL("http://localhost:3000/")), false);
    const loopback = { trustLoopback: true };
    assert.equal(isSecureUrl(new URL("http://localhost:3000/"), loopback), true);
    assert.equal(isSecureUrl(new URL("http://app.localhost/"), loopback), true);
    assert.equal(isSecureUrl(new URL("http://127.0.0.2/"), loopback), true);
    assert.equal(isSecureUrl(new URL("http://[::1]/"), loopback), true);
    assert.equal(isSecureUrl(new URL("http://localhost.example/"), loopback), false);
  });
});

test("isLoopbackHost: localhost, *.localhost, 127/8 and [::1]", () => {
  for (const h of ["localhost", "app.localhost", "127.0.0.1", "127.1.2.3", "[::1]"])
    assert.ok(isLoopbackHost(h), h);
  for (const h of ["localhost.example", "128.0.0.1", "[::2]", "mylocalhost"])
    assert.ok(!isLoopbackHost(h), h);
});

test("domainMatch: the domain itself or a subdomain, by whole labels; IPs only themselves", () => {
  assert.ok(domainMatch("shop.test", "shop.test"));
  assert.ok(domainMatch("www.shop.test", "shop.test"));
  assert.ok(!domainMatch("evilshop.test", "shop.test"));
  assert.ok(!domainMatch("shop.test", "www.shop.test"));
  assert.ok(domainMatch("10.0.0.1", "10.0.0.1"));
  assert.ok(!domainMatch("[::1]", "1]"));
});
