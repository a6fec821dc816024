import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decodeCookieValue } from "./cookie-value.js";
import { parseCookie } from "./parse-cookie.js";

const pairs = (header: string): [string, string][] => [...parseCookie(header)];

describe("parseCookie", () => {
  test("reads pairs in order, trimming spaces and tabs around names and values", () => {
    assert.deepEqual(pairs("a=1; b=2;c=3 ;\td = 4\t"), [
      ["a", "1"],
      ["b", "2"],
      ["c", "3"],
      ["d", "4"],
    ]);
  });

  test("keeps every duplicate: get is the first, getAll all of them", () => {
    const c = parseCookie("sid=real; theme=dark; sid=tossed");
    assert.equal(c.get("sid"), "real");
    assert.deepEqual(c.getAll("sid"), ["real", "tossed"]);
    assert.equal(c.count("sid"), 2);
    assert.equal(c.size, 3);
    assert.deepEqual(c.names(), ["sid", "theme"]);
    assert.equal(c.get("missing"), undefined);
    assert.deepEqual(c.getAll("missing"), []);
    assert.equal(c.has("theme"), true);
  });

  test("names are case-sensitive", () => {
    const c = parseCookie("SID=a; sid=b");
    assert.equal(c.get("sid"), "b");
    assert.equal(c.get("SID"), "a");
  });

  test("nameless pairs as RFC 6265bis serializes them: a bare value, or =value", () => {
    assert.deepEqual(pairs("foo; =bar; a=1"), [
      ["", "foo"],
      ["", "bar"],
      ["a", "1"],
    ]);
  });

  test("empty pairs are skipped; an empty value is kept", () => {
    assert.deepEqual(pairs(";; a=; ;=; b=2;"), [
      ["a", ""],
      ["b", "2"],
    ]);
  });

  test("values are returned as sent unless decode is given", () => {
    assert.equal(parseCookie('a="x%20y"').get("a"), '"x%20y"');
    assert.equal(parseCookie('a="x%20y"', { decode: decodeCookieValue }).get("a"), "x y");
    assert.equal(parseCookie("a=%E0%A4%A", { decode: decodeCookieValue }).get("a"), "%E0%A4%A");
  });

  test("only the first = splits: the rest belongs to the value", () => {
    assert.equal(parseCookie("jwt=a.b.c==; x=y").get("jwt"), "a.b.c==");
  });

  test("never throws, whatever it is given", () => {
    assert.equal(parseCookie(undefined).size, 0);
    assert.equal(parseCookie(null).size, 0);
    assert.equal(parseCookie(42 as unknown as string).size, 0);
    assert.equal(parseCookie("").size, 0);
    assert.equal(parseCookie(";".repeat(100_000)).size, 0);
    assert.equal(parseCookie(`${";".repeat(100_001)}a=1${"; ".repeat(1000)}`).get("a"), "1");
    assert.equal(parseCookie("=".repeat(100_000)).get(""), "=".repeat(99_999));
    assert.deepEqual(pairs("a=\0\r\n\ud800"), [["a", "\0\r\n\ud800"]]);
  });

  test("stays linear with many pairs and no =", () => {
    const c = parseCookie("x;".repeat(100_000));
    assert.equal(c.size, 100_000);
    assert.equal(c.get(""), "x");
  });

  test("toJSON gives plain objects", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(parseCookie("a=1; b"))), [
      { name: "a", value: "1" },
      { name: "", value: "b" },
    ]);
  });
});
