import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CookieError } from "./errors.js";
import { parseCookie } from "./parse-cookie.js";
import { serializeCookie } from "./serialize-cookie.js";

describe("serializeCookie", () => {
  test("joins pairs with '; ' in order, from tuples or a record", () => {
    assert.equal(
      serializeCookie([
        ["a", "1"],
        ["b", "2"],
        ["a", "3"],
      ]),
      "a=1; b=2; a=3",
    );
    assert.equal(serializeCookie({ a: "1", b: "2" }), "a=1; b=2");
    assert.equal(serializeCookie([]), "");
  });

  test("a nameless cookie is its bare value; an empty pair is left out", () => {
    assert.equal(
      serializeCookie([
        ["", "foo"],
        ["", ""],
        ["a", ""],
      ]),
      "foo; a=",
    );
  });

  test("round-trips a CookieList", () => {
    const header = "sid=abc; foo; theme=da rk; sid=x";
    assert.equal(serializeCookie(parseCookie(header)), header);
  });

  test("writes values as stored, including what a server would not write", () => {
    assert.equal(serializeCookie([["a", 'x y,"z"\\']]), 'a=x y,"z"\\');
  });

  test("refuses what the header cannot carry", () => {
    const bad: [string, string, string][] = [
      ["a;b", "v", "ERR_COOKIE_NAME_INVALID"],
      ["a=b", "v", "ERR_COOKIE_NAME_INVALID"],
      [" a", "v", "ERR_COOKIE_NAME_INVALID"],
      ["a\r\n", "v", "ERR_COOKIE_NAME_INVALID"],
      ["a", "v;w", "ERR_COOKIE_VALUE_INVALID"],
      ["a", "v\nw", "ERR_COOKIE_VALUE_INVALID"],
      ["a", "\0", "ERR_COOKIE_VALUE_INVALID"],
      ["a", "v ", "ERR_COOKIE_VALUE_INVALID"],
      ["", "x=y", "ERR_COOKIE_VALUE_INVALID"],
    ];
    for (const [name, value, code] of bad) {
      assert.throws(
        () => serializeCookie([[name, value]]),
        (e: unknown) => e instanceof CookieError && e.code === code,
        `${JSON.stringify([name, value])} must be refused with ${code}`,
      );
    }
    assert.throws(() => serializeCookie({ a: 1 as unknown as string }), CookieError);
  });
});
