import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeCookieValue, encodeCookieValue } from "./cookie-value.js";
import { serializeSetCookie } from "./serialize-set-cookie.js";

describe("encodeCookieValue / decodeCookieValue", () => {
  test("leaves cookie-octets alone and encodes the rest", () => {
    assert.equal(encodeCookieValue("abc-._~!*'()"), "abc-._~!*'()");
    assert.equal(encodeCookieValue('a b;c,d"e\\f'), "a%20b%3Bc%2Cd%22e%5Cf");
    assert.equal(encodeCookieValue("100%"), "100%25");
    assert.equal(encodeCookieValue("h\u00e9 \u{1f36a}"), "h%C3%A9%20%F0%9F%8D%AA");
  });

  test("lone surrogates become U+FFFD instead of throwing", () => {
    assert.equal(encodeCookieValue("a\ud800"), "a%EF%BF%BD");
  });

  test("an encoded value is always accepted by serializeSetCookie", () => {
    const v = encodeCookieValue('{"user":"Zoë","cart":[1,2]}; x');
    assert.doesNotThrow(() => serializeSetCookie({ name: "a", value: v }));
  });

  test("decode drops one pair of quotes and percent-decodes; malformed input comes back as is", () => {
    assert.equal(decodeCookieValue('"a%20b"'), "a b");
    assert.equal(decodeCookieValue("a%20b"), "a b");
    assert.equal(decodeCookieValue("%E0%A4%A"), "%E0%A4%A");
    assert.equal(decodeCookieValue('"'), '"');
    assert.equal(decodeCookieValue("plain"), "plain");
  });
});
