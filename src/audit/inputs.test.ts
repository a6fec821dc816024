import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  createRuntimeAuditor,
  estimateEntropyBits,
  formatReport,
  probeOrigins,
  readRawHeaders,
  summarize,
} from "./index.js";

describe("readRawHeaders", () => {
  test("pasted lines without a status line are one 200 response; curl markers are dropped", () => {
    const [r, ...rest] = readRawHeaders(
      "< Set-Cookie: a=1\n< Cache-Control: no-store\nnot a header\n",
      "https://a.test/x",
    );
    assert.deepEqual(rest, []);
    assert.equal(r?.status, 200);
    assert.deepEqual(r?.headers, [
      ["Set-Cookie", "a=1"],
      ["Cache-Control", "no-store"],
    ]);
  });

  test("a 100 Continue before the answer is skipped; Locations chain the URLs", () => {
    const rs = readRawHeaders(
      "HTTP/1.1 100 Continue\n\nHTTP/1.1 303 See Other\nLocation: https://b.test/next\n\nHTTP/1.1 200 OK\nX: 1\n",
      "https://a.test/",
    );
    assert.deepEqual(
      rs.map((r) => [r.status, r.url]),
      [
        [303, "https://a.test/"],
        [200, "https://b.test/next"],
      ],
    );
  });

  test("no URL or no headers: typed errors", () => {
    assert.throws(() => readRawHeaders("X: 1", "nope"), { code: "ERR_AUDIT_INPUT_INVALID" });
    assert.throws(() => readRawHeaders("HTTP/1.1 200 OK\n", "https://a.test/"), {
      code: "ERR_AUDIT_INPUT_INVALID",
    });
  });
});

describe("probeOrigins", () => {
  test("random, null, prefix and suffix look-alikes, and the http: downgrade", () => {
    const p = probeOrigins(new URL("https://www.shop.test:8443/api"));
    assert.deepEqual(
      p.map((x) => x.probe),
      ["random", "null", "prefix", "suffix", "http-downgrade"],
    );
    const [random, , prefix, suffix, down] = p.map((x) => x.origin);
    assert.match(random ?? "", /^https:\/\/probe[0-9a-f]{12}\.example$/);
    assert.match(prefix ?? "", /^https:\/\/www\.shop\.test\.probe[0-9a-f]{12}\.example$/);
    assert.match(suffix ?? "", /^https:\/\/probe[0-9a-f]{12}www\.shop\.test:8443$/);
    assert.equal(down, "http://www.shop.test:8443");
    assert.notEqual(random, probeOrigins(new URL("https://www.shop.test/"))[0]?.origin);
    assert.equal(probeOrigins(new URL("http://a.test/")).length, 4);
  });
});

describe("estimateEntropyBits", () => {
  test("alphabet times length, UUID versions, express-session ids", () => {
    assert.equal(estimateEntropyBits("0123456789abcdef0123456789abcdef"), 128);
    assert.equal(estimateEntropyBits("12345"), 17);
    assert.equal(estimateEntropyBits("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 36);
    assert.equal(estimateEntropyBits("4f9c2d1e-8b7a-4c3d-9e8f-1a2b3c4d5e6f"), 122);
    assert.equal(estimateEntropyBits("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), 14);
    // express-session: s:<id>.<signature>; the signature is not randomness.
    assert.equal(estimateEntropyBits("s%3A1234.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdEFG"), 13);
  });
});

describe("report and runtime auditor", () => {
  const response = {
    url: "https://shop.test/",
    status: 200,
    headers: [
      ["set-cookie", "sid=12; Path=/"],
      ["cache-control", "no-store"],
    ] as [string, string][],
  };

  test("the runtime auditor warns each rule once per cookie, with the fix", () => {
    const warnings: string[] = [];
    const auditor = createRuntimeAuditor({ warn: (text) => warnings.push(text) });
    const first = auditor.check(response);
    assert.ok(first.length >= 4);
    assert.equal(warnings.length, first.length);
    assert.match(
      warnings[0] ?? "",
      /^sessionjar audit: high session-no-secure on cookie "sid": .* Fix: Set-Cookie: sid=12; Path=\/; Secure$/,
    );
    assert.deepEqual(auditor.check(response), []);
    assert.equal(warnings.length, first.length);
    const silent = createRuntimeAuditor({ warn: false });
    assert.equal(silent.check(response).length, first.length);
  });

  test("the text report: grouped by cookie, counted, summarised", () => {
    const findings = createRuntimeAuditor({ warn: false }).check(response);
    const text = formatReport(findings.map((f) => ({ ...f, count: 3 })));
    assert.match(
      text,
      /^cookie sid\n {2}HIGH {3}session-no-secure \(×3\) {2}https:\/\/shop\.test\/\n/,
    );
    assert.match(text, /\n\d+ findings: 2 high, /);
    assert.equal(summarize([]), "no findings");
  });
});
