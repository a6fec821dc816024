import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SessionjarError } from "../errors.js";
import { CookieError, type CookieErrorCode } from "./errors.js";
import { serializeSetCookie } from "./serialize-set-cookie.js";
import type { SetCookieInit } from "./types.js";

function refuses(
  init: SetCookieInit,
  code: CookieErrorCode,
  attribute: string,
  hint: RegExp,
): void {
  assert.throws(
    () => serializeSetCookie(init),
    (err: unknown) => {
      assert.ok(err instanceof CookieError);
      assert.ok(err instanceof SessionjarError);
      assert.equal(err.code, code);
      assert.equal(err.attribute, attribute);
      assert.match(err.message, hint);
      return true;
    },
  );
}

const secure = { path: "/", secure: true } as const;

describe("serializeSetCookie: what it writes", () => {
  test("name=value alone", () => {
    assert.equal(serializeSetCookie({ name: "a", value: "b" }), "a=b");
    assert.equal(serializeSetCookie({ name: "a", value: "" }), "a=");
  });

  test("every attribute, in a fixed order, SameSite and Priority spelled as the RFC does", () => {
    assert.equal(
      serializeSetCookie({
        name: "__Host-sid",
        value: "tok",
        maxAge: 3600,
        path: "/",
        expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
        secure: true,
        httpOnly: true,
        sameSite: "lax",
        partitioned: true,
        priority: "high",
      }),
      "__Host-sid=tok; Max-Age=3600; Path=/; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Secure; HttpOnly; SameSite=Lax; Partitioned; Priority=High",
    );
    assert.equal(
      serializeSetCookie({ name: "a", value: "b", domain: "shop.test", sameSite: "Strict" }),
      "a=b; Domain=shop.test; SameSite=Strict",
    );
  });

  test("false flags write nothing; maxAge 0 and negative are written (deletion)", () => {
    assert.equal(
      serializeSetCookie({
        name: "a",
        value: "",
        secure: false,
        httpOnly: false,
        partitioned: false,
      }),
      "a=",
    );
    assert.equal(serializeSetCookie({ name: "a", value: "", maxAge: 0 }), "a=; Max-Age=0");
    assert.equal(serializeSetCookie({ name: "a", value: "", maxAge: -1 }), "a=; Max-Age=-1");
  });

  test("quoted values are cookie-values", () => {
    assert.equal(serializeSetCookie({ name: "a", value: '"xyz"' }), 'a="xyz"');
  });

  test("Expires at the edges of what a cookie-date can hold", () => {
    assert.match(
      serializeSetCookie({ name: "a", value: "b", expires: new Date(Date.UTC(1601, 0, 1)) }),
      /Expires=Mon, 01 Jan 1601 00:00:00 GMT$/,
    );
    assert.match(
      serializeSetCookie({
        name: "a",
        value: "b",
        expires: new Date(Date.UTC(9999, 11, 31, 23, 59, 59)),
      }),
      /Expires=Fri, 31 Dec 9999 23:59:59 GMT$/,
    );
  });
});

describe("serializeSetCookie: what it refuses, and why", () => {
  test("names that are not tokens", () => {
    for (const name of ["", "a b", "a;b", "a=b", "a\r\nb", "\u00e9", "a,b", 'a"', "(a)", "a\tb"]) {
      refuses({ name, value: "v" }, "ERR_COOKIE_NAME_INVALID", "name", /not a token/);
    }
  });

  test("values outside cookie-octets", () => {
    for (const value of [
      "a b",
      "a;b",
      "a,b",
      'a"b',
      "a\\b",
      "a\r\nSet-Cookie: x=y",
      "\u00e9",
      "\0",
      '"a',
      "a\t",
    ]) {
      refuses({ name: "a", value }, "ERR_COOKIE_VALUE_INVALID", "value", /encodeCookieValue/);
    }
  });

  test("name and value over 4096 octets", () => {
    assert.equal(serializeSetCookie({ name: "n", value: "x".repeat(4095) }).length, 4097);
    refuses({ name: "n", value: "x".repeat(4096) }, "ERR_COOKIE_TOO_LARGE", "value", /4096/);
  });

  test("SameSite=None without Secure, and unknown SameSite values", () => {
    refuses(
      { name: "a", value: "b", sameSite: "None" },
      "ERR_COOKIE_SAMESITE_NONE_INSECURE",
      "sameSite",
      /secure: true/,
    );
    refuses(
      { name: "a", value: "b", sameSite: "LAX" as "Lax" },
      "ERR_COOKIE_SAMESITE_INVALID",
      "sameSite",
      /"Strict", "Lax" or "None"/,
    );
    refuses(
      { name: "a", value: "b", sameSite: true as unknown as "Lax" },
      "ERR_COOKIE_SAMESITE_INVALID",
      "sameSite",
      /invalid/,
    );
  });

  test("Partitioned without Secure", () => {
    refuses(
      { name: "a", value: "b", partitioned: true },
      "ERR_COOKIE_PARTITIONED_INSECURE",
      "partitioned",
      /secure: true/,
    );
  });

  test("__Secure- without Secure, in any case", () => {
    refuses({ name: "__Secure-a", value: "b" }, "ERR_COOKIE_PREFIX_SECURE", "secure", /__Secure-/);
    refuses({ name: "__SECURE-a", value: "b" }, "ERR_COOKIE_PREFIX_SECURE", "secure", /__Secure-/);
    assert.equal(
      serializeSetCookie({ name: "__Secure-a", value: "b", secure: true }),
      "__Secure-a=b; Secure",
    );
  });

  test("__Host- without Secure, with a Domain, or with a Path other than /", () => {
    refuses(
      { name: "__Host-a", value: "b", path: "/" },
      "ERR_COOKIE_PREFIX_HOST",
      "secure",
      /secure: true/,
    );
    refuses(
      { name: "__Host-a", value: "b", ...secure, domain: "shop.test" },
      "ERR_COOKIE_PREFIX_HOST",
      "domain",
      /remove domain/,
    );
    refuses(
      { name: "__host-a", value: "b", secure: true },
      "ERR_COOKIE_PREFIX_HOST",
      "path",
      /path: "\/"/,
    );
    refuses(
      { name: "__Host-a", value: "b", secure: true, path: "/app" },
      "ERR_COOKIE_PREFIX_HOST",
      "path",
      /Path=\//,
    );
    assert.equal(
      serializeSetCookie({ name: "__Host-a", value: "b", ...secure }),
      "__Host-a=b; Path=/; Secure",
    );
  });

  test("__Http- and __Host-Http- without Secure and HttpOnly", () => {
    refuses(
      { name: "__Http-a", value: "b", secure: true },
      "ERR_COOKIE_PREFIX_HTTP",
      "httpOnly",
      /httpOnly: true/,
    );
    refuses(
      { name: "__Http-a", value: "b", httpOnly: true },
      "ERR_COOKIE_PREFIX_HTTP",
      "secure",
      /secure: true/,
    );
    refuses(
      { name: "__Host-Http-a", value: "b", ...secure },
      "ERR_COOKIE_PREFIX_HTTP",
      "httpOnly",
      /HttpOnly/,
    );
    refuses(
      { name: "__Host-Http-a", value: "b", secure: true, httpOnly: true },
      "ERR_COOKIE_PREFIX_HOST",
      "path",
      /Path/,
    );
    assert.equal(
      serializeSetCookie({ name: "__Host-Http-a", value: "b", ...secure, httpOnly: true }),
      "__Host-Http-a=b; Path=/; Secure; HttpOnly",
    );
  });

  test("names that merely look like prefixes are ordinary", () => {
    assert.equal(serializeSetCookie({ name: "_Host-a", value: "b" }), "_Host-a=b");
    assert.equal(serializeSetCookie({ name: "__Hosted", value: "b" }), "__Hosted=b");
  });

  test("Max-Age that is not a whole number", () => {
    for (const maxAge of [
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      2 ** 60,
      "60" as unknown as number,
    ]) {
      refuses(
        { name: "a", value: "b", maxAge },
        "ERR_COOKIE_MAX_AGE_INVALID",
        "maxAge",
        /whole number/,
      );
    }
  });

  test("Expires that is not a valid Date in years 1601-9999", () => {
    for (const expires of [
      new Date(Number.NaN),
      new Date(Date.UTC(1600, 11, 31)),
      new Date(Date.UTC(10000, 0, 1)),
      "2030-01-01" as unknown as Date,
    ]) {
      refuses(
        { name: "a", value: "b", expires },
        "ERR_COOKIE_EXPIRES_INVALID",
        "expires",
        /maxAge/,
      );
    }
  });

  test("Domain that is not a host name", () => {
    refuses(
      { name: "a", value: "b", domain: ".shop.test" },
      "ERR_COOKIE_DOMAIN_INVALID",
      "domain",
      /leading dot/,
    );
    for (const domain of [
      "",
      "shop.test;x",
      "shop test",
      "-shop.test",
      "shop.test.",
      "b\u00fccher.test",
      "a..b",
      `${"a.".repeat(127)}test`,
    ]) {
      refuses(
        { name: "a", value: "b", domain },
        "ERR_COOKIE_DOMAIN_INVALID",
        "domain",
        /host name/,
      );
    }
    refuses(
      { name: "a", value: "b", domain: `${"a.".repeat(512)}test` },
      "ERR_COOKIE_ATTRIBUTE_TOO_LONG",
      "domain",
      /1024/,
    );
  });

  test("Path that does not start with /, holds ; or controls, or is over 1024 octets", () => {
    for (const path of ["", "docs", "/a;b", "/a\nb", "/\u00e9", "/a "]) {
      refuses(
        { name: "a", value: "b", path },
        "ERR_COOKIE_PATH_INVALID",
        "path",
        /start with "\/"/,
      );
    }
    refuses(
      { name: "a", value: "b", path: `/${"p".repeat(1024)}` },
      "ERR_COOKIE_ATTRIBUTE_TOO_LONG",
      "path",
      /1024/,
    );
    assert.match(
      serializeSetCookie({ name: "a", value: "b", path: `/${"p".repeat(1023)}` }),
      /Path=\/p+$/,
    );
  });

  test("Priority values", () => {
    refuses(
      { name: "a", value: "b", priority: "Urgent" as "High" },
      "ERR_COOKIE_PRIORITY_INVALID",
      "priority",
      /"Low", "Medium" or "High"/,
    );
  });
});
