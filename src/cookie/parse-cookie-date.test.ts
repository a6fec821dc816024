import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { readSharedJson, sharedAbsent } from "../../test/shared.js";
import { parseCookieDate } from "./parse-cookie-date.js";

const DATES = "conformance/dates.json";
const cases = readSharedJson<{ test: string; expected: string | null }[]>(DATES);

describe("parseCookieDate: the http-state cookie-date suite", () => {
  test("every case of dates.json", {
    skip: cases === undefined ? sharedAbsent(DATES) : false,
  }, () => {
    const failures: string[] = [];
    for (const c of cases ?? []) {
      const got = parseCookieDate(c.test)?.toUTCString() ?? null;
      if (got !== c.expected) failures.push(`${JSON.stringify(c.test)}: ${got} != ${c.expected}`);
    }
    assert.equal((cases ?? []).length, 70);
    assert.deepEqual(failures, []);
  });
});

describe("parseCookieDate: RFC 6265bis 5.1.1 step by step", () => {
  const iso = (s: string): string | undefined => parseCookieDate(s)?.toISOString();

  test("reads the usual formats", () => {
    assert.equal(iso("Wed, 09 Jun 2021 10:18:14 GMT"), "2021-06-09T10:18:14.000Z");
    assert.equal(iso("Wednesday, 09-Jun-21 10:18:14 GMT"), "2021-06-09T10:18:14.000Z");
    assert.equal(iso("Wed Jun  9 10:18:14 2021"), "2021-06-09T10:18:14.000Z");
  });

  test("two-digit years: 70-99 are 19xx, 00-69 are 20xx", () => {
    assert.equal(iso("1 Jan 70 00:00:00"), "1970-01-01T00:00:00.000Z");
    assert.equal(iso("1 Jan 99 00:00:00"), "1999-01-01T00:00:00.000Z");
    assert.equal(iso("1 Jan 69 00:00:00"), "2069-01-01T00:00:00.000Z");
    assert.equal(iso("1 Jan 00 00:00:00"), "2000-01-01T00:00:00.000Z");
  });

  test("the first matching token of each kind wins, in the order time, day, month, year", () => {
    // "12" is the day; "10" is then the year (2010), and "2007" is never looked at.
    assert.equal(iso("12 10 Dec 2007 01:02:03"), "2010-12-12T01:02:03.000Z");
    // Once the time is found, "04:05:06" reads as day 4 (1*2DIGIT, then a non-digit and anything).
    assert.equal(iso("01:02:03 04:05:06 1 Jan 2000"), "2000-01-04T01:02:03.000Z");
  });

  test("time fields have one or two digits; trailing non-digits are allowed", () => {
    assert.equal(iso("1 Jan 2000 1:2:3"), "2000-01-01T01:02:03.000Z");
    assert.equal(iso("1 Jan 2000 01:02:03xyz"), "2000-01-01T01:02:03.000Z");
    assert.equal(iso("1 Jan 2000 001:02:03"), undefined);
    assert.equal(iso("1 Jan 2000 01:02"), undefined);
  });

  test("month names match on their first three letters, any case", () => {
    assert.equal(iso("1 DECEMBER 2000 00:00:00"), "2000-12-01T00:00:00.000Z");
    assert.equal(iso("1 dEcUmbrella 2000 00:00:00"), "2000-12-01T00:00:00.000Z");
    assert.equal(iso("1 De 2000 00:00:00"), undefined);
  });

  test("fails on out-of-range fields and on dates that do not exist", () => {
    assert.equal(iso("0 Jan 2000 00:00:00"), undefined);
    assert.equal(iso("32 Jan 2000 00:00:00"), undefined);
    assert.equal(iso("1 Jan 1600 00:00:00"), undefined);
    assert.equal(iso("1 Jan 1601 00:00:00"), "1601-01-01T00:00:00.000Z");
    assert.equal(iso("1 Jan 2000 24:00:00"), undefined);
    assert.equal(iso("1 Jan 2000 23:60:00"), undefined);
    assert.equal(iso("1 Jan 2000 23:59:60"), undefined);
    assert.equal(iso("30 Feb 2000 00:00:00"), undefined);
    assert.equal(iso("29 Feb 2000 00:00:00"), "2000-02-29T00:00:00.000Z");
    assert.equal(iso("29 Feb 2001 00:00:00"), undefined);
    assert.equal(iso("31 Apr 2001 00:00:00"), undefined);
  });

  test("fails when a field is missing", () => {
    assert.equal(iso(""), undefined);
    assert.equal(iso("Jan 2000 00:00:00"), undefined);
    assert.equal(iso("1 2000 00:00:00"), undefined);
    assert.equal(iso("1 Jan 00:00:00"), undefined);
    assert.equal(iso("1 Jan 2000"), undefined);
  });

  test("non-ASCII characters are non-delimiters, never month letters", () => {
    assert.equal(iso("1 Jän 2000 00:00:00"), undefined);
    assert.equal(iso("1 Jan 2000 00:00:00 \u00e9t\u00e9"), "2000-01-01T00:00:00.000Z");
  });
});
