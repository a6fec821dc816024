import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseSetCookie } from "./parse-set-cookie.js";
import type { ParsedSetCookie } from "./types.js";

function cookie(line: string): ParsedSetCookie {
  const r = parseSetCookie(line);
  assert.equal(r.type, "cookie", `expected a cookie from ${JSON.stringify(line)}`);
  return (r as { cookie: ParsedSetCookie }).cookie;
}

function ignoredReason(line: string): string {
  const r = parseSetCookie(line);
  assert.equal(r.type, "ignored", `expected ${JSON.stringify(line)} to be ignored`);
  return (r as { reason: string }).reason;
}

describe("parseSetCookie: name and value (5.6 steps 2-6)", () => {
  test("splits at the first = and trims spaces and tabs", () => {
    const c = cookie(" \tsid = a=b=c \t; Path=/");
    assert.equal(c.name, "sid");
    assert.equal(c.value, "a=b=c");
  });

  test("keeps quotes and percent-escapes as written (browsers do not decode)", () => {
    assert.equal(cookie('q="a b"').value, '"a b"');
    assert.equal(cookie("p=%20x").value, "%20x");
  });

  test("a pair without = is a nameless cookie whose value is the pair", () => {
    const c = cookie("justvalue; Secure");
    assert.equal(c.name, "");
    assert.equal(c.value, "justvalue");
    assert.equal(c.secure, true);
  });

  test("=value is also nameless; name= has an empty value", () => {
    assert.deepEqual([cookie("=v").name, cookie("=v").value], ["", "v"]);
    assert.deepEqual([cookie("n=").name, cookie("n=").value], ["n", ""]);
  });

  test("a = after the first ; belongs to the attributes", () => {
    const c = cookie("foo; bar=baz");
    assert.equal(c.name, "");
    assert.equal(c.value, "foo");
    assert.deepEqual(c.extensions, [{ name: "bar", value: "baz" }]);
  });

  test("internal whitespace, commas and non-ASCII are kept", () => {
    assert.equal(cookie("a=x y,z").value, "x y,z");
    assert.equal(cookie("a=h\u00e9llo \u{1f36a}").value, "h\u00e9llo \u{1f36a}");
  });
});

describe("parseSetCookie: lines a browser ignores", () => {
  test("control characters other than tab anywhere in the line", () => {
    for (const ctl of ["\x00", "\x01", "\x08", "\n", "\r", "\x1f", "\x7f"]) {
      assert.equal(ignoredReason(`a=b${ctl}c`), "control-character");
      assert.equal(ignoredReason(`a=b; Path=/${ctl}`), "control-character");
    }
    assert.equal(cookie("a=b\tc").value, "b\tc");
  });

  test("neither name nor value", () => {
    assert.equal(ignoredReason(""), "empty-name-and-value");
    assert.equal(ignoredReason("="), "empty-name-and-value");
    assert.equal(ignoredReason("  =  ; Secure"), "empty-name-and-value");
    assert.equal(ignoredReason(";"), "empty-name-and-value");
  });

  test("name and value over 4096 octets, counted in UTF-8", () => {
    assert.equal(cookie(`n=${"x".repeat(4095)}`).value.length, 4095);
    assert.equal(ignoredReason(`n=${"x".repeat(4096)}`), "name-value-too-long");
    assert.equal(ignoredReason(`${"n".repeat(2048)}=${"x".repeat(2049)}`), "name-value-too-long");
    // 1366 three-octet characters are 4098 octets though only 1366 UTF-16 units.
    assert.equal(ignoredReason(`n=${"\u20ac".repeat(1366)}`), "name-value-too-long");
    assert.equal(cookie(`=${"\u20ac".repeat(1365)}`).value.length, 1365);
    // Attributes do not count.
    assert.equal(cookie(`n=${"x".repeat(4000)}; Path=/${"p".repeat(900)}`).name, "n");
  });

  test("a non-ASCII Domain", () => {
    assert.equal(ignoredReason("a=b; Domain=b\u00fccher.example"), "domain-not-ascii");
    // Only the Domain that wins counts.
    assert.equal(
      cookie("a=b; Domain=b\u00fccher.example; Domain=xn--bcher-kva.example").domain,
      "xn--bcher-kva.example",
    );
  });

  test("the result carries a message that says what happened", () => {
    const r = parseSetCookie("a=b\r\nInjected: 1");
    assert.equal(r.type, "ignored");
    assert.match((r as { message: string }).message, /control character/);
  });

  test("never throws on non-string input", () => {
    assert.equal(parseSetCookie(undefined as unknown as string).type, "ignored");
  });
});

describe("parseSetCookie: attributes (5.6.1-5.6.7)", () => {
  test("defaults when there are none", () => {
    assert.deepEqual(cookie("a=b"), {
      name: "a",
      value: "b",
      expires: undefined,
      maxAge: undefined,
      domain: undefined,
      path: undefined,
      secure: false,
      httpOnly: false,
      partitioned: false,
      sameSite: undefined,
      priority: undefined,
      extensions: [],
      problems: [],
    });
  });

  test("attribute names are case-insensitive and trimmed", () => {
    const c = cookie("a=b; sEcUrE ; HTTPONLY;\tpartitioned\t; PATH = /x ; samesite = strict");
    assert.equal(c.secure, true);
    assert.equal(c.httpOnly, true);
    assert.equal(c.partitioned, true);
    assert.equal(c.path, "/x");
    assert.equal(c.sameSite, "Strict");
  });

  test("flags ignore any value they are given", () => {
    const c = cookie("a=b; Secure=no; HttpOnly=false");
    assert.equal(c.secure, true);
    assert.equal(c.httpOnly, true);
  });

  test("Expires: the cookie-date algorithm; an invalid date is ignored and reported", () => {
    assert.equal(
      cookie("a=b; Expires=Wed, 09 Jun 2021 10:18:14 GMT").expires?.toISOString(),
      "2021-06-09T10:18:14.000Z",
    );
    const c = cookie("a=b; Expires=Wed, 09 Jun 2021 10:18:14 GMT; expires=tomorrow");
    assert.equal(c.expires?.toISOString(), "2021-06-09T10:18:14.000Z");
    assert.deepEqual(c.problems, [
      { name: "expires", value: "tomorrow", reason: "expires-invalid" },
    ]);
  });

  test("Max-Age: an optional minus and digits only; last valid one wins", () => {
    assert.equal(cookie("a=b; Max-Age=3600").maxAge, 3600);
    assert.equal(cookie("a=b; Max-Age=0").maxAge, 0);
    assert.equal(cookie("a=b; Max-Age=-5").maxAge, -5);
    assert.equal(Object.is(cookie("a=b; Max-Age=-0").maxAge, 0), true);
    assert.equal(cookie("a=b; Max-Age=007").maxAge, 7);
    assert.equal(cookie("a=b; Max-Age=99999999999999999999").maxAge, 1e20);
    for (const bad of ["", "+5", "5s", "1.5", "-", " ", "0x10", "1e3", "--1"]) {
      const c = cookie(`a=b; Max-Age=60; Max-Age=${bad}`);
      assert.equal(c.maxAge, 60, `Max-Age=${bad} must be ignored`);
      assert.equal(c.problems[0]?.reason, "max-age-invalid");
    }
  });

  test("Domain: leading dot dropped, lower-cased, last one wins, empty makes it host-only", () => {
    assert.equal(cookie("a=b; Domain=.Example.COM").domain, "example.com");
    assert.equal(cookie("a=b; Domain=a.test; Domain=b.test").domain, "b.test");
    assert.equal(cookie("a=b; Domain=a.test; Domain=").domain, "");
    assert.equal(cookie("a=b; Domain=..x.test").domain, ".x.test");
  });

  test("Path: a value that does not start with / means the default path", () => {
    assert.equal(cookie("a=b; Path=/docs/").path, "/docs/");
    assert.equal(cookie("a=b; Path=docs").path, undefined);
    assert.equal(cookie("a=b; Path=").path, undefined);
    assert.equal(cookie("a=b; Path=/x; Path=").path, undefined);
    assert.equal(cookie("a=b; Path=/a b;c").path, "/a b");
  });

  test("SameSite: Strict, Lax, None in any case; anything else is the default, reported", () => {
    assert.equal(cookie("a=b; SameSite=LAX").sameSite, "Lax");
    assert.equal(cookie("a=b; SameSite=none; Secure").sameSite, "None");
    const c = cookie("a=b; SameSite=Strict; SameSite=Relaxed");
    assert.equal(c.sameSite, undefined);
    assert.deepEqual(c.problems, [
      { name: "SameSite", value: "Relaxed", reason: "samesite-unrecognized" },
    ]);
    assert.equal(cookie("a=b; SameSite").sameSite, undefined);
  });

  test("Priority: Low, Medium, High", () => {
    assert.equal(cookie("a=b; Priority=high").priority, "High");
    assert.equal(cookie("a=b; Priority=urgent").problems[0]?.reason, "priority-unrecognized");
  });

  test("attribute values over 1024 octets are ignored and reported", () => {
    const long = `/${"p".repeat(1024)}`;
    const c = cookie(`a=b; Path=/ok; Path=${long}`);
    assert.equal(c.path, "/ok");
    assert.equal(c.problems[0]?.reason, "value-too-long");
    assert.equal(cookie(`a=b; Path=/${"p".repeat(1023)}`).path?.length, 1024);
    // Octets, not UTF-16 units: 342 three-octet characters are 1026 octets.
    assert.equal(cookie(`a=b; Domain=x.test; Domain=${"\u20ac".repeat(342)}`).domain, "x.test");
  });

  test("unknown attributes are kept, in order, for an auditor", () => {
    const c = cookie("a=b; Comment=hi; Version=1; Secure; X-Flag; =novalue;;  ; ");
    assert.deepEqual(c.extensions, [
      { name: "Comment", value: "hi" },
      { name: "Version", value: "1" },
      { name: "X-Flag", value: "" },
      { name: "", value: "novalue" },
    ]);
  });

  test("a semicolon inside quotes still ends the value, as in browsers", () => {
    const c = cookie('a="x;y"; Secure');
    assert.equal(c.value, '"x');
    assert.deepEqual(c.extensions, [{ name: 'y"', value: "" }]);
  });

  test("stays linear on 100,000 attributes", () => {
    const c = cookie(`a=b${"; x=1".repeat(100_000)}`);
    assert.equal(c.extensions.length, 100_000);
    assert.equal(cookie(`a=b${";".repeat(100_000)}`).extensions.length, 0);
  });
});
