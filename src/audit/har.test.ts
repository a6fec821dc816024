import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { auditResponses, readHar } from "./index.js";

// A DevTools "Save all as HAR (with content)" export, written out as Chromium 131 writes it:
// HTTP/2 pseudo-headers, a redirect, parsed cookies beside the raw headers, a CORS fetch, an
// entry blocked by an extension (status 0), a data: URL, and a Firefox-style entry whose
// Set-Cookie values are joined by line breaks.
const HAR = readFileSync(new URL("./fixtures/devtools.har", import.meta.url), "utf8");

describe("readHar", () => {
  test("one response per http(s) entry with a status, request headers kept, pseudo-headers dropped", () => {
    const har = readHar(HAR);
    assert.equal(har.responses.length, 4);
    assert.equal(har.skipped, 2);
    assert.equal(har.rebuiltFromCookies, false);
    const api = har.responses[2];
    assert.equal(api?.url, "https://api.shop.test/me");
    assert.ok(
      api?.request?.headers?.some(([n, v]) => n === "origin" && v === "https://www.shop.test"),
    );
    assert.ok(!api?.request?.headers?.some(([n]) => n.startsWith(":")));
  });

  test("the audit of the visit: each entry's cookies and the response around them", () => {
    const result = auditResponses(readHar(HAR).responses, { now: Date.UTC(2026, 11, 3, 9) });
    const by = (cookie: string | undefined): string[] =>
      result.findings
        .filter((f) => f.cookie === cookie)
        .map((f) => f.id)
        .sort();
    assert.deepEqual(by("sid"), [
      "host-prefix-missing",
      "loose-domain",
      "low-entropy-id",
      "samesite-missing",
      "session-no-httponly",
      "session-no-secure",
    ]);
    assert.deepEqual(by("__Host-session"), []);
    // The double-submit cookie must be readable by scripts, but not tossable.
    assert.deepEqual(by("XSRF-TOKEN"), ["csrf-cookie-not-host"]);
    assert.ok(by("_ga").includes("lifetime-capped"));
    assert.ok(by("lang").includes("cookie-no-secure"));
    assert.deepEqual(by(undefined), [
      "cors-no-vary",
      "hsts-missing",
      "id-in-url",
      "id-in-url",
      "set-cookie-cacheable",
      "set-cookie-public-cache",
    ]);
    // HSTS with includeSubDomains from www.shop.test does not cover static.shop.test: no parent.
    assert.equal(
      result.findings.find((f) => f.cookie === "lang" && f.id === "cookie-no-secure")?.severity,
      "medium",
    );
    assert.equal(result.setCookies, 5);
  });

  test("a sanitized export (no Set-Cookie headers) is rebuilt from the parsed cookies, and says so", () => {
    const json = JSON.parse(HAR) as {
      log: { entries: { response: { headers: { name: string }[] } }[] };
    };
    for (const e of json.log.entries) {
      e.response.headers = e.response.headers.filter((h) => h.name.toLowerCase() !== "set-cookie");
    }
    const har = readHar(JSON.stringify(json));
    assert.equal(har.rebuiltFromCookies, true);
    const lines = har.responses.flatMap((r) =>
      r.headers.filter(([n]) => n === "set-cookie").map(([, v]) => v),
    );
    assert.deepEqual(lines, ["sid=8d1c2f9a; Path=/; Domain=shop.test"]);
  });

  test("not JSON, or no entries: a typed error", () => {
    assert.throws(() => readHar("<html>"), { code: "ERR_AUDIT_HAR_INVALID" });
    assert.throws(() => readHar('{"log":{"entries":{}}}'), { code: "ERR_AUDIT_HAR_INVALID" });
    const odd = readHar(
      '{"log":{"entries":[null, 3, {"request":{}}, {"request":{"url":"https://[x"},"response":{"status":200}}]}}',
    );
    assert.deepEqual(odd.responses, []);
    assert.equal(odd.skipped, 4);
    const entry = (headers: unknown): string =>
      JSON.stringify({
        log: {
          entries: [{ request: { url: "https://a.test/" }, response: { status: 200, headers } }],
        },
      });
    assert.throws(() => readHar(entry("oops")), {
      code: "ERR_AUDIT_HAR_INVALID",
      message: /log\.entries\[0\]\.response\.headers is "oops", not a list/,
    });
    assert.equal(readHar(entry([])).responses.length, 1);
  });
});
