// Property tests of the cookie wire format: what serializeSetCookie writes, parseSetCookie reads
// back unchanged; the parsers never throw, whatever they are given; and they stay linear.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { decodeCookieValue, encodeCookieValue } from "./cookie-value.js";
import { CookieError, type CookieErrorCode } from "./errors.js";
import { parseCookie } from "./parse-cookie.js";
import { parseCookieDate } from "./parse-cookie-date.js";
import { parseSetCookie } from "./parse-set-cookie.js";
import { serializeCookie } from "./serialize-cookie.js";
import { serializeSetCookie } from "./serialize-set-cookie.js";
import { splitSetCookie } from "./split-set-cookie.js";
import type { ParsedSetCookie, Priority, SameSite, SetCookieInit } from "./types.js";

// Enough runs to find edge cases, few enough to keep the whole file to a few seconds.
const RUNS = { numRuns: 500 } as const;
const FEW_RUNS = { numRuns: 200 } as const;

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

function charsIn(...ranges: readonly [number, number][]): string[] {
  const out: string[] = [];
  for (const [lo, hi] of ranges) for (let c = lo; c <= hi; c++) out.push(String.fromCharCode(c));
  return out;
}

/** tchar of RFC 9110 5.6.2. */
const TCHARS = [..."!#$%&'*+-.^_`|~", ...charsIn([0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a])];
/** cookie-octet of RFC 6265bis 4.1.1. */
const COOKIE_OCTETS = charsIn([0x21, 0x21], [0x23, 0x2b], [0x2d, 0x3a], [0x3c, 0x5b], [0x5d, 0x7e]);
/** path-value: any CHAR except CTLs or ";". */
const PATH_CHARS = charsIn([0x20, 0x3a], [0x3c, 0x7e]);

/** The names whose prefix adds rules, matched case-insensitively as serializeSetCookie does. */
const PREFIXED = /^__(?:secure|host|http)-/i;

const tokenArb = fc.string({
  unit: fc.constantFrom(...TCHARS),
  minLength: 1,
  maxLength: 32,
  size: "medium",
});

/** A token name without a prefix; names starting with "__" that are not prefixes are fine. */
const plainNameArb = fc
  .oneof(
    { weight: 4, arbitrary: tokenArb },
    { weight: 1, arbitrary: tokenArb.map((t) => `__${t}`) },
  )
  .filter((n) => !PREFIXED.test(n));

/**
 * A string of `minLength` to `maxLength` units: a short random piece repeated. Long strings of
 * independent characters would make fast-check shrink one character at a time, for minutes.
 */
function longStringArb(
  unit: fc.Arbitrary<string>,
  minLength: number,
  maxLength: number,
): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.string({ unit, minLength: 1, maxLength: 16, size: "medium" }),
      fc.integer({ min: minLength, max: maxLength }),
    )
    .map(([piece, n]) => piece.repeat(Math.ceil(n / piece.length)).slice(0, n));
}

/** Unquoted cookie-octets: mostly short, sometimes near the 4096-octet limit. */
const rawValueArb = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.string({
      unit: fc.constantFrom(...COOKIE_OCTETS),
      maxLength: 48,
      size: "medium",
    }),
  },
  { weight: 1, arbitrary: longStringArb(fc.constantFrom(...COOKIE_OCTETS), 4000, 4096) },
);

/** A value for `name`: cookie-octets, maybe quoted, with name and value at most 4096 octets. */
function valueFor(name: string, raw: string, quoted: boolean): string {
  const room = 4096 - name.length - (quoted ? 2 : 0);
  const v = raw.slice(0, Math.max(0, room));
  return quoted ? `"${v}"` : v;
}

const labelArb = fc.oneof(
  fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/),
  fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, { size: "max" }),
  fc.stringMatching(/^[a-z0-9][a-z0-9-]{50,61}[a-z0-9]$/),
);
/** A host name of one to six labels, at most 253 octets as DNS allows. */
const domainArb = fc
  .array(labelArb, { minLength: 1, maxLength: 6 })
  .map((l) => l.join("."))
  .filter((d) => d.length <= 253);

const pathCharArb = fc.constantFrom(...PATH_CHARS);
/**
 * "/" then `s`, without trailing spaces: parseSetCookie trims them, as RFC 6265bis 5.6 says,
 * though serializeSetCookie accepts them.
 */
const toPath = (s: string): string => `/${s}`.replace(/ +$/, "");
/** Paths of the characters that matter to the splitters: commas, spaces, "=", quotes. */
const tersePathArb = fc
  .string({ unit: fc.constantFrom(",", " ", "=", "/", "a", "%", '"'), maxLength: 12 })
  .map(toPath);
/** A path: "/" then path characters, at most 1024 octets. */
const pathArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant("/") },
  {
    weight: 6,
    arbitrary: fc.string({ unit: pathCharArb, maxLength: 40, size: "medium" }).map(toPath),
  },
  { weight: 1, arbitrary: longStringArb(pathCharArb, 900, 1023).map(toPath) },
  { weight: 2, arbitrary: tersePathArb },
);

const MIN_SECONDS = Date.UTC(1601, 0, 1) / 1000;
const MAX_SECONDS = Date.UTC(10000, 0, 1) / 1000 - 1;
/** A Date of whole seconds in the years 1601 to 9999. */
const expiresArb = fc
  .integer({ min: MIN_SECONDS, max: MAX_SECONDS })
  .map((s) => new Date(s * 1000));

const maxAgeArb = fc.oneof(
  fc.integer({ min: -1000, max: 400 * 24 * 3600 }),
  fc.maxSafeInteger(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, -1),
);

const sameSiteArb = fc.constantFrom<SameSite | Lowercase<SameSite>>(
  "Strict",
  "Lax",
  "None",
  "strict",
  "lax",
  "none",
);
const priorityArb = fc.constantFrom<Priority | Lowercase<Priority>>(
  "Low",
  "Medium",
  "High",
  "low",
  "medium",
  "high",
);

type Attributes = Omit<SetCookieInit, "name" | "value">;

/** Every attribute optional; SameSite=None and Partitioned come with Secure. */
const attributesArb: fc.Arbitrary<Attributes> = fc
  .record(
    {
      expires: expiresArb,
      maxAge: maxAgeArb,
      domain: domainArb,
      path: pathArb,
      secure: fc.boolean(),
      httpOnly: fc.boolean(),
      sameSite: sameSiteArb,
      partitioned: fc.boolean(),
      priority: priorityArb,
    },
    { requiredKeys: [] },
  )
  .map((a) =>
    a.sameSite?.toLowerCase() === "none" || a.partitioned === true ? { ...a, secure: true } : a,
  );

/** A valid cookie whose name has no prefix. */
const plainCookieArb: fc.Arbitrary<SetCookieInit> = fc
  .tuple(plainNameArb, rawValueArb, fc.boolean(), attributesArb)
  .map(([name, raw, quoted, attrs]) => ({ ...attrs, name, value: valueFor(name, raw, quoted) }));

type PrefixKind = "secure" | "host" | "http" | "host-http";
const PREFIXES: Record<PrefixKind, string> = {
  secure: "__Secure-",
  host: "__Host-",
  http: "__Http-",
  "host-http": "__Host-Http-",
};
const isHostKind = (k: PrefixKind): boolean => k === "host" || k === "host-http";
const isHttpKind = (k: PrefixKind): boolean => k === "http" || k === "host-http";

/** `s` with the case of each letter chosen at random: prefixes match case-insensitively. */
function randomCaseArb(s: string): fc.Arbitrary<string> {
  return fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((upper) => [...s].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(""));
}

const prefixKindArb = fc.constantFrom<PrefixKind>("secure", "host", "http", "host-http");

/** A prefix kind and a name with that prefix, in any case. */
const prefixedNameArb: fc.Arbitrary<[PrefixKind, string]> = prefixKindArb.chain((kind) =>
  fc
    .tuple(
      fc.oneof(fc.constant(PREFIXES[kind]), randomCaseArb(PREFIXES[kind])),
      // "__Host-" followed by "Http-" is "__Host-Http-", a different prefix.
      tokenArb.filter((t) => kind !== "host" || !/^http-/i.test(t)),
    )
    .map(([p, t]): [PrefixKind, string] => [kind, p + t]),
);

function omit<K extends keyof SetCookieInit>(c: SetCookieInit, key: K): SetCookieInit {
  const out = { ...c };
  delete out[key];
  return out;
}

/** `attrs` changed as little as needed to satisfy the rules of `kind`. */
function satisfy(kind: PrefixKind, attrs: Attributes): Attributes {
  let a: SetCookieInit = { ...attrs, name: "", value: "", secure: true };
  if (isHostKind(kind)) a = { ...omit(a, "domain"), path: "/" };
  if (isHttpKind(kind)) a = { ...a, httpOnly: true };
  const { name: _n, value: _v, ...rest } = a;
  return rest;
}

/** A valid cookie with a prefix, and the prefix's kind. */
const prefixedCookieArb: fc.Arbitrary<[PrefixKind, SetCookieInit]> = fc
  .tuple(prefixedNameArb, rawValueArb, fc.boolean(), attributesArb)
  .map(([[kind, name], raw, quoted, attrs]): [PrefixKind, SetCookieInit] => [
    kind,
    { ...satisfy(kind, attrs), name, value: valueFor(name, raw, quoted) },
  ]);

/** Any valid cookie. */
const cookieArb: fc.Arbitrary<SetCookieInit> = fc.oneof(
  { weight: 3, arbitrary: plainCookieArb },
  { weight: 1, arbitrary: prefixedCookieArb.map(([, c]) => c) },
);

/** What parseSetCookie must return for a cookie serializeSetCookie wrote. */
function expectedParse(c: SetCookieInit): ParsedSetCookie {
  const canonical = <T extends string>(v: string | undefined): T | undefined =>
    v === undefined ? undefined : ((v.charAt(0).toUpperCase() + v.slice(1).toLowerCase()) as T);
  return {
    name: c.name,
    value: c.value,
    expires: c.expires,
    maxAge: c.maxAge,
    domain: c.domain,
    path: c.path,
    secure: c.secure ?? false,
    httpOnly: c.httpOnly ?? false,
    partitioned: c.partitioned ?? false,
    sameSite: canonical<SameSite>(c.sameSite),
    priority: canonical<Priority>(c.priority),
    extensions: [],
    problems: [],
  };
}

function assertRoundTrip(c: SetCookieInit): void {
  const line = serializeSetCookie(c);
  const r = parseSetCookie(line);
  assert.equal(r.type, "cookie", `ignored: ${line}`);
  if (r.type !== "cookie") return;
  assert.deepEqual(
    { ...r.cookie, extensions: [...r.cookie.extensions], problems: [...r.cookie.problems] },
    expectedParse(c),
    line,
  );
}

// ---------------------------------------------------------------------------------------------
// 1 and 2: serializeSetCookie then parseSetCookie
// ---------------------------------------------------------------------------------------------

describe("serializeSetCookie then parseSetCookie", () => {
  test("any valid cookie without a prefix comes back unchanged", () => {
    fc.assert(fc.property(plainCookieArb, assertRoundTrip), RUNS);
  });

  test("cookies at the size limits come back unchanged", () => {
    const name = "n";
    assertRoundTrip({ name, value: "v".repeat(4095) });
    assertRoundTrip({ name, value: `"${"v".repeat(4093)}"` });
    assertRoundTrip({ name: "x".repeat(4096), value: "" });
    assertRoundTrip({ name, value: "", path: `/${"p".repeat(1023)}`, domain: "a".repeat(63) });
    assertRoundTrip({ name, value: "", expires: new Date(Date.UTC(1601, 0, 1)) });
    assertRoundTrip({ name, value: "", expires: new Date(Date.UTC(9999, 11, 31, 23, 59, 59)) });
    assertRoundTrip({ name, value: "", maxAge: Number.MIN_SAFE_INTEGER });
    // One octet more and serializeSetCookie refuses instead of writing what browsers ignore.
    const refused = (c: SetCookieInit, code: CookieErrorCode): void => {
      assert.throws(() => serializeSetCookie(c), { name: "CookieError", code });
    };
    refused({ name, value: "v".repeat(4096) }, "ERR_COOKIE_TOO_LARGE");
    refused({ name, value: "", path: `/${"p".repeat(1024)}` }, "ERR_COOKIE_ATTRIBUTE_TOO_LONG");
    refused(
      { name, value: "", expires: new Date(Date.UTC(1600, 11, 31, 23, 59, 59)) },
      "ERR_COOKIE_EXPIRES_INVALID",
    );
    refused(
      { name, value: "", expires: new Date(Date.UTC(10000, 0, 1)) },
      "ERR_COOKIE_EXPIRES_INVALID",
    );
  });

  test("any valid cookie with a __Secure-, __Host-, __Http- or __Host-Http- prefix comes back unchanged", () => {
    fc.assert(
      fc.property(prefixedCookieArb, ([, c]) => assertRoundTrip(c)),
      RUNS,
    );
  });

  type Violation = "secure" | "domain" | "path" | "httpOnly";
  const violationsArb = (kind: PrefixKind): fc.Arbitrary<Violation[]> => {
    const possible: Violation[] = ["secure"];
    if (isHostKind(kind)) possible.push("domain", "path");
    if (isHttpKind(kind)) possible.push("httpOnly");
    return fc.subarray(possible, { minLength: 1 });
  };

  const violatingArb = prefixedCookieArb.chain(([kind, c]) =>
    fc.tuple(
      fc.constant(kind),
      fc.constant(c),
      violationsArb(kind),
      fc.boolean(),
      domainArb,
      fc.option(pathArb.filter((p) => p !== "/")),
    ),
  );

  test("a cookie that breaks its prefix's rules is refused with the prefix's error code", () => {
    fc.assert(
      fc.property(violatingArb, ([kind, valid, violations, omitIt, domain, path]) => {
        let c: SetCookieInit = valid;
        for (const v of violations) {
          if (v === "secure") {
            // Without Secure, SameSite=None and Partitioned would be refused too: keep the test
            // about the prefix alone.
            c = omitIt ? omit(c, "secure") : { ...c, secure: false };
            c = omit(c, "partitioned");
            if (c.sameSite?.toLowerCase() === "none") c = { ...c, sameSite: "Lax" };
          } else if (v === "httpOnly") {
            c = omitIt ? omit(c, "httpOnly") : { ...c, httpOnly: false };
          } else if (v === "domain") {
            c = { ...c, domain };
          } else {
            c = path === null ? omit(c, "path") : { ...c, path };
          }
        }
        // The codes of the rules broken: each is a right answer.
        const codes = new Set<CookieErrorCode>();
        const attributes = new Set<string>(violations);
        if (kind === "secure") codes.add("ERR_COOKIE_PREFIX_SECURE");
        if (isHostKind(kind) && violations.some((v) => v !== "httpOnly")) {
          codes.add("ERR_COOKIE_PREFIX_HOST");
        }
        if (isHttpKind(kind) && violations.some((v) => v === "secure" || v === "httpOnly")) {
          codes.add("ERR_COOKIE_PREFIX_HTTP");
        }
        assert.throws(
          () => serializeSetCookie(c),
          (err: unknown) => {
            assert.ok(err instanceof CookieError, `not a CookieError: ${String(err)}`);
            assert.ok(codes.has(err.code), `${c.name}: ${err.code} not in ${[...codes]}`);
            assert.ok(attributes.has(err.attribute), `${c.name}: attribute ${err.attribute}`);
            return true;
          },
        );
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 3: the parsers never throw
// ---------------------------------------------------------------------------------------------

/** Runs every reader on `s`; they must not throw. */
function readAll(s: string): void {
  const list = parseCookie(s);
  list.toJSON();
  parseCookie(s, { decode: decodeCookieValue }).toJSON();
  const r = parseSetCookie(s);
  assert.ok(r.type === "cookie" || r.type === "ignored");
  const parts = splitSetCookie(s);
  for (const p of parts) assert.equal(typeof p, "string");
  const d = parseCookieDate(s);
  assert.ok(d === undefined || !Number.isNaN(d.getTime()));
  assert.equal(typeof decodeCookieValue(s), "string");
}

const codeUnitArb = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const SPECIAL = [";", "=", " ", "\t", '"', ",", "\0", "\r", "\n", "%", "\uD800", "\uDC00"];
const specialUnitArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 2, arbitrary: fc.constantFrom("a", "b", "1", "09", ":", "-", ".", "/", "%2", "%ZZ") },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "Path",
      "Domain",
      "Expires",
      "Max-Age",
      "SameSite",
      "Priority",
      "Secure",
      "HttpOnly",
      "Partitioned",
      "None",
      "Jan",
      "GMT",
      "2021",
      "10:18:14",
    ),
  },
  { weight: 1, arbitrary: codeUnitArb },
);

/** A deterministic pseudo-random string of `n` UTF-16 code units drawn from `alphabet`. */
function pseudoRandom(n: number, seed: number, alphabet?: readonly string[]): string {
  let x = seed >>> 0;
  const chunks: string[] = [];
  const buf: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    buf.push(
      alphabet === undefined
        ? x >>> 16
        : (alphabet[(x >>> 8) % alphabet.length] as string).charCodeAt(0),
    );
    if (buf.length === 8192) {
      chunks.push(String.fromCharCode(...buf));
      buf.length = 0;
    }
  }
  chunks.push(String.fromCharCode(...buf));
  return chunks.join("");
}

describe("the readers never throw", () => {
  test("on any string of code points", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300, size: "large" }), readAll),
      RUNS,
    );
  });

  test("on any string of code units, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: codeUnitArb, maxLength: 300, size: "large" }), readAll),
      RUNS,
    );
  });

  test("on strings of ; = spaces tabs quotes commas NUL CR LF % and attribute names", () => {
    fc.assert(
      fc.property(fc.string({ unit: specialUnitArb, maxLength: 300, size: "large" }), readAll),
      RUNS,
    );
  });

  test("on large and pathological inputs", () => {
    const semis = ";".repeat(100_000);
    const cases = [
      pseudoRandom(1 << 20, 1),
      pseudoRandom(1 << 20, 2, [...PATH_CHARS, ...SPECIAL, "\u00e9", "\uFFFD"]),
      pseudoRandom(1 << 20, 3, [";", "=", " ", ",", "a"]),
      semis,
      `a=b${semis}`,
      "=".repeat(100_000),
      "a=b\0c; Path=/\r\nb=c\n",
      "\0\r\n",
      "a=\uD800; Path=/\uDC00; Domain=\uDBFF.com",
      "\uDC00\uD800=\uD800",
      "\uD800",
      "%",
      "%E0%A4%A",
      '"',
      "",
    ];
    for (const s of cases) readAll(s);
    // A few results that must hold however the input is malformed.
    assert.equal(parseCookie(semis).size, 0);
    assert.deepEqual(parseCookie(`a=b${semis}`).toJSON(), [{ name: "a", value: "b" }]);
    assert.deepEqual(splitSetCookie(semis), [semis]);
  });

  test("on values that are not strings", () => {
    for (const v of [undefined, null, 42, {}, [], Symbol.iterator] as unknown[]) {
      assert.equal(parseCookie(v as string).size, 0);
      assert.doesNotThrow(() => parseSetCookie(v as string));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 4: serializeCookie then parseCookie
// ---------------------------------------------------------------------------------------------

const CTL = /[\x00-\x08\x0A-\x1F\x7F]/;
const cookieCharArb = fc
  .oneof(
    { weight: 3, arbitrary: fc.constantFrom(" ", "\t", '"', ",", "%", "\\", "a", "Z", "=") },
    {
      weight: 3,
      arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    },
    { weight: 1, arbitrary: codeUnitArb },
  )
  .filter((c) => c !== ";" && !CTL.test(c));
const trimWsp = (s: string): string => s.replace(/^[ \t]+|[ \t]+$/g, "");

const pairValueArb = fc.string({ unit: cookieCharArb, maxLength: 30, size: "medium" }).map(trimWsp);
const pairNameArb = pairValueArb
  .map((s) => s.replaceAll("=", ""))
  .filter((s) => trimWsp(s) === s && s !== "");

const pairArb: fc.Arbitrary<[string, string]> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(pairNameArb, pairValueArb) },
  // A nameless cookie is its bare value, which must hold no "=" to be read back as one.
  {
    weight: 1,
    arbitrary: pairValueArb.map((v): [string, string] => ["", trimWsp(v.replaceAll("=", ""))]),
  },
);

describe("serializeCookie then parseCookie", () => {
  test("gives the pairs back, in order", () => {
    fc.assert(
      fc.property(fc.array(pairArb, { maxLength: 12 }), (pairs) => {
        const header = serializeCookie(pairs);
        const expected = pairs
          .filter(([n, v]) => n !== "" || v !== "")
          .map(([name, value]) => ({ name, value }));
        assert.deepEqual(parseCookie(header).toJSON(), expected, header);
      }),
      RUNS,
    );
  });

  test("a record gives its entries back", () => {
    fc.assert(
      fc.property(fc.dictionary(pairNameArb, pairValueArb, { maxKeys: 8 }), (record) => {
        const expected = Object.entries(record).map(([name, value]) => ({ name, value }));
        assert.deepEqual(parseCookie(serializeCookie(record)).toJSON(), expected);
      }),
      FEW_RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 5: encodeCookieValue / decodeCookieValue
// ---------------------------------------------------------------------------------------------

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

describe("encodeCookieValue and decodeCookieValue", () => {
  const anyStringArb = fc.oneof(
    fc.string({ unit: "binary", maxLength: 200, size: "medium" }),
    fc.string({ unit: codeUnitArb, maxLength: 200, size: "medium" }),
    fc.string({
      unit: fc.constantFrom(...SPECIAL, ...COOKIE_OCTETS, "\\", "%25"),
      maxLength: 60,
      size: "medium",
    }),
  );

  test("encodeCookieValue gives a value serializeSetCookie accepts and parseSetCookie keeps", () => {
    fc.assert(
      fc.property(anyStringArb, (x) => {
        const encoded = encodeCookieValue(x);
        const line = serializeSetCookie({ name: "n", value: encoded });
        assert.equal(line, `n=${encoded}`);
        const r = parseSetCookie(line);
        assert.ok(r.type === "cookie" && r.cookie.value === encoded, line);
      }),
      RUNS,
    );
  });

  test("decodeCookieValue undoes encodeCookieValue (lone surrogates become U+FFFD)", () => {
    fc.assert(
      fc.property(anyStringArb, (x) => {
        const wellFormed = x.replace(LONE_SURROGATE, "\uFFFD");
        const encoded = encodeCookieValue(x);
        assert.equal(decodeCookieValue(encoded), wellFormed);
        assert.equal(
          parseCookie(`a=1; n=${encoded}`, { decode: decodeCookieValue }).get("n"),
          wellFormed,
        );
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 6: linear time
// ---------------------------------------------------------------------------------------------

describe("parsing stays linear in the number of attributes", () => {
  // No timing assertion: a quadratic parser would take minutes here, which the runner shows.
  test("parseSetCookie on 50,000 attributes", () => {
    const n = 50_000;
    const lines: [string, number][] = [
      [`a=b${";x".repeat(n)}`, n],
      [`a=b; ${"x;".repeat(n)}`, n],
      // One "=" at the very end: a scan for "=" per attribute would be quadratic.
      [`a=b${";x".repeat(n)}=y`, n],
      [`a=b${";x=".repeat(n)}`, n],
    ];
    for (const [line, extensions] of lines) {
      const r = parseSetCookie(line);
      assert.equal(r.type, "cookie");
      if (r.type === "cookie") {
        assert.equal(r.cookie.name, "a");
        assert.equal(r.cookie.value, "b");
        assert.equal(r.cookie.extensions.length, extensions);
      }
    }
    const paths = parseSetCookie(`a=b${"; Path=/x".repeat(n)}`);
    assert.ok(paths.type === "cookie" && paths.cookie.path === "/x");
  });

  test("parseCookie on 50,000 pairs", () => {
    const n = 50_000;
    assert.equal(parseCookie(`${"x;".repeat(n)}a=b`).size, n + 1);
    assert.equal(parseCookie(`${"x=1; ".repeat(n)}`).size, n);
    assert.equal(parseCookie(`${" ;".repeat(n)}a=b`).size, 1);
  });
});

// ---------------------------------------------------------------------------------------------
// 7: splitSetCookie
// ---------------------------------------------------------------------------------------------

/**
 * A comma in a Path followed by `name=` reads as the start of another cookie: a folded header is
 * ambiguous there (see the test below), so those paths are left out of the split property.
 */
const COMMA_THEN_NAME = /,[ \t]*[^;,= \t\r\n]+=/;
const splittableCookieArb = cookieArb.filter(
  (c) => c.path === undefined || !COMMA_THEN_NAME.test(c.path),
);

describe("splitSetCookie", () => {
  test("splitting serialized lines joined with ', ' gives the lines back", () => {
    fc.assert(
      fc.property(fc.array(splittableCookieArb, { minLength: 1, maxLength: 8 }), (cookies) => {
        const lines = cookies.map(serializeSetCookie);
        assert.deepEqual(splitSetCookie(lines.join(", ")), lines);
        assert.deepEqual(splitSetCookie(lines.join(",")), lines);
        assert.deepEqual(splitSetCookie(lines.join("\r\n")), lines);
        assert.deepEqual(splitSetCookie(lines), lines);
      }),
      RUNS,
    );
  });

  test("lines with Expires dates split where the cookies start", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(cookieArb, expiresArb), { minLength: 1, maxLength: 6 }),
        (pairs) => {
          const lines = pairs
            .map(([c, expires]) => ({ ...c, expires }))
            .filter((c) => c.path === undefined || !COMMA_THEN_NAME.test(c.path))
            .map(serializeSetCookie);
          assert.deepEqual(splitSetCookie(lines.join(", ")), lines);
        },
      ),
      FEW_RUNS,
    );
  });

  test("a line that ends with its Path comes back unchanged, whatever the path ends with", () => {
    const lineArb = fc
      .tuple(plainNameArb, fc.string({ unit: fc.constantFrom(...COOKIE_OCTETS) }), tersePathArb)
      .filter(([, , path]) => !COMMA_THEN_NAME.test(path))
      .map(([name, value, path]) => serializeSetCookie({ name, value, path }));
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 4 }), (lines) => {
        assert.deepEqual(splitSetCookie(lines), lines);
        assert.deepEqual(splitSetCookie(lines.join(", ")), lines);
      }),
      FEW_RUNS,
    );
  });

  test("a Path that ends with a comma keeps it", () => {
    // path-value allows ",": this is a valid line, and nothing was folded into it.
    const line = serializeSetCookie({ name: "a", value: "1", path: "/x," });
    assert.equal(line, "a=1; Path=/x,");
    assert.deepEqual(splitSetCookie([line]), [line]);
    assert.deepEqual(splitSetCookie(line), [line]);
    assert.deepEqual(splitSetCookie(`${line}, b=2`), [line, "b=2"]);
  });

  test("a Path holding ', name=' is ambiguous once folded, and is split there", () => {
    // A valid cookie (path-value allows "," and "="), but the folded text is also two cookies.
    const line = serializeSetCookie({ name: "a", value: "1", path: "/x, b=2" });
    assert.equal(line, "a=1; Path=/x, b=2");
    assert.deepEqual(splitSetCookie(line), ["a=1; Path=/x", "b=2"]);
  });
});
