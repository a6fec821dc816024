import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CorsError } from "./errors.js";
import {
  type CorsExplanation,
  type ExplainRequest,
  type ExplainResponse,
  explainCors,
  formatCorsExplanation,
} from "./explain.js";

const PAGE = "https://www.shop.test";
const SAME_SITE_API = "https://api.shop.test/me";
const CROSS_SITE_API = "https://api.example/me";

function request(over: Partial<ExplainRequest> = {}): ExplainRequest {
  return { url: CROSS_SITE_API, method: "GET", origin: PAGE, credentials: "include", ...over };
}

const GRANT = {
  "access-control-allow-origin": PAGE,
  "access-control-allow-credentials": "true",
  vary: "Origin",
};

function response(headers: ExplainResponse["headers"] = GRANT, status = 200): ExplainResponse {
  return { status, headers };
}

function failed(r: CorsExplanation): string[] {
  return r.findings.filter((f) => !f.ok).map((f) => f.rule);
}

function finding(r: CorsExplanation, rule: string): string {
  const f = r.findings.find((x) => x.rule === rule);
  assert.ok(f, `no finding ${rule} in ${JSON.stringify(r.findings, null, 2)}`);
  return f.message;
}

describe("explainCors: is the response exposed to the page's script?", () => {
  test("a same-origin request needs nothing", () => {
    const r = explainCors(
      request({ url: `${PAGE}/api/me`, credentials: "same-origin", method: "put" }),
      response({ "set-cookie": "__Host-sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax" }),
    );
    assert.deepEqual(
      [r.exposed, r.cookiesSent, r.cookiesStored, r.sameOrigin, r.preflight],
      [true, true, true, true, false],
    );
    assert.deepEqual(failed(r), []);
    assert.match(finding(r, "origin"), /no CORS header is needed/);
  });

  test("a correct credentialed grant, same-site cross-origin: exposed, cookies sent and stored", () => {
    const r = explainCors(
      request({ url: SAME_SITE_API }),
      response({ ...GRANT, "set-cookie": ["sid=1; Path=/; Secure; HttpOnly; SameSite=Lax"] }),
    );
    assert.deepEqual(
      [r.exposed, r.cookiesSent, r.cookiesStored, r.sameOrigin, r.sameSite],
      [true, true, true, false, true],
    );
    assert.deepEqual(failed(r), []);
  });

  test("credentials omitted: no cookies either way, and the fix is credentials include", () => {
    const r = explainCors(
      request({ credentials: "omit" }),
      response({
        "access-control-allow-origin": "*",
        "set-cookie": "sid=1; Secure; SameSite=None",
      }),
    );
    assert.equal(r.exposed, true);
    assert.equal(r.cookiesSent, false);
    assert.equal(r.cookiesStored, false);
    assert.deepEqual(r.cookies, [
      { name: "sid", setCookie: "sid=1; Secure; SameSite=None", stored: false },
    ]);
    assert.deepEqual(failed(r), ["credentials-mode", "set-cookie-ignored"]);
    assert.match(finding(r, "credentials-mode"), /credentials: "include"/);
  });

  test("fetch's default same-origin mode sends no cookies cross-origin", () => {
    const r = explainCors(request({ credentials: "same-origin", url: SAME_SITE_API }), response());
    assert.equal(r.cookiesSent, false);
    assert.match(finding(r, "credentials-mode"), /"same-origin".*cross-origin.*"include"/);
  });

  test('ACAO "*" with credentials is refused: echo the exact origin', () => {
    const r = explainCors(
      request(),
      response({ "access-control-allow-origin": "*", "access-control-allow-credentials": "true" }),
    );
    assert.equal(r.exposed, false);
    assert.deepEqual(failed(r), ["allow-origin"]);
    assert.match(
      finding(r, "allow-origin"),
      /"\*".*credentials.*Access-Control-Allow-Origin: https:\/\/www\.shop\.test/,
    );
  });

  test("ACAO missing, or not exactly the page's origin, or several values", () => {
    assert.match(
      finding(explainCors(request(), response({})), "allow-origin"),
      /no Access-Control-Allow-Origin/,
    );
    for (const value of [`${PAGE}/`, "https://shop.test", "http://www.shop.test", "null"]) {
      const r = explainCors(
        request(),
        response({ ...GRANT, "access-control-allow-origin": value }),
      );
      assert.equal(r.exposed, false, value);
      assert.match(finding(r, "allow-origin"), /identical/);
    }
    const several = explainCors(
      request(),
      response({ ...GRANT, "access-control-allow-origin": [PAGE, "https://other.example"] }),
    );
    assert.equal(several.exposed, false);
    assert.match(finding(several, "allow-origin"), /exactly one/);
  });

  test("ACAC missing or not exactly true with credentials", () => {
    const missing = explainCors(
      request(),
      response({ "access-control-allow-origin": PAGE, vary: "Origin" }),
    );
    assert.equal(missing.exposed, false);
    assert.deepEqual(failed(missing), ["allow-credentials"]);
    assert.match(finding(missing, "allow-credentials"), /Access-Control-Allow-Credentials: true/);
    const upper = explainCors(
      request(),
      response({ ...GRANT, "access-control-allow-credentials": "True" }),
    );
    assert.equal(upper.exposed, false);
    assert.match(finding(upper, "allow-credentials"), /exact value "true"/);
    // Without credentials ACAC does not matter.
    const anon = explainCors(
      request({ credentials: "omit" }),
      response({ "access-control-allow-origin": PAGE, vary: "Origin" }),
    );
    assert.equal(anon.exposed, true);
  });

  test("an echoed origin without Vary: Origin is flagged, but still exposed", () => {
    const r = explainCors(
      request(),
      response({ "Access-Control-Allow-Origin": PAGE, "Access-Control-Allow-Credentials": "true" }),
    );
    assert.equal(r.exposed, true);
    assert.deepEqual(failed(r), ["vary-origin"]);
    assert.match(finding(r, "vary-origin"), /Add Vary: Origin/);
    const varyList = explainCors(
      request(),
      response({ ...GRANT, vary: "Accept-Encoding, origin" }),
    );
    assert.deepEqual(failed(varyList), []);
  });

  test("a preflight is announced with what its answer must grant", () => {
    const r = explainCors(
      request({ method: "PUT", headers: { "Content-Type": "application/json", Accept: "*/*" } }),
      response(),
    );
    assert.equal(r.preflight, true);
    assert.match(finding(r, "preflight"), /Access-Control-Request-Method: PUT.*content-type/);
    const simple = explainCors(
      request({ method: "POST", headers: { "content-type": "text/plain;charset=UTF-8" } }),
      response(),
    );
    assert.equal(simple.preflight, false);
    assert.equal(
      explainCors(request({ headers: { "X-CSRF-Token": "t" } }), response()).preflight,
      true,
    );
  });
});

describe("explainCors: cookies of the response", () => {
  test("cross-site: a cookie without SameSite=None is neither stored nor sent", () => {
    for (const line of [
      "sid=1; Secure; HttpOnly",
      "sid=1; Secure; SameSite=Lax",
      "sid=1; Secure; SameSite=Strict",
    ]) {
      const r = explainCors(request(), response({ ...GRANT, "set-cookie": line }));
      assert.equal(r.exposed, true);
      assert.equal(r.sameSite, false);
      assert.equal(r.cookiesStored, false, line);
      assert.deepEqual(failed(r), ["cookie-samesite-cross-site"], line);
      assert.match(finding(r, "cookie-samesite-cross-site"), /cross-site.*SameSite=None; Secure/);
    }
  });

  test("SameSite=None without Secure is rejected everywhere", () => {
    const r = explainCors(request(), response({ ...GRANT, "set-cookie": "sid=1; SameSite=None" }));
    assert.equal(r.cookiesStored, false);
    assert.deepEqual(failed(r), ["cookie-samesite-none-secure"]);
    assert.match(finding(r, "cookie-samesite-none-secure"), /Add Secure/);
  });

  test("cross-site SameSite=None; Secure is stored, with the third-party caveat", () => {
    const r = explainCors(
      request(),
      response({
        ...GRANT,
        "set-cookie": ["a=1; Secure; SameSite=None", "b=2; Secure; SameSite=None; Partitioned"],
      }),
    );
    assert.equal(r.cookiesStored, true);
    assert.deepEqual(failed(r), []);
    assert.match(
      r.findings.filter((f) => f.rule === "cookie-third-party")[0]?.message ?? "",
      /third-party/,
    );
    assert.match(
      r.findings.filter((f) => f.rule === "cookie-third-party")[1]?.message ?? "",
      /partitioned/,
    );
  });

  test("schemeful: an http page and an https API are cross-site", () => {
    const r = explainCors(
      request({ origin: "http://www.shop.test", url: SAME_SITE_API }),
      response({
        ...GRANT,
        "access-control-allow-origin": "http://www.shop.test",
        "set-cookie": "sid=1; Secure; SameSite=Lax",
      }),
    );
    assert.equal(r.sameSite, false);
    assert.deepEqual(failed(r), ["cookie-samesite-cross-site"]);
  });

  test("a Secure cookie needs https; localhost is tolerated by Chromium and Firefox", () => {
    const http = explainCors(
      request({ url: "http://api.shop.test/me" }),
      response({ ...GRANT, "set-cookie": "sid=1; Secure; SameSite=Lax" }),
    );
    // http://api.shop.test is cross-site with https://www.shop.test, hence two failures.
    assert.deepEqual(failed(http), ["cookie-secure-scheme", "cookie-samesite-cross-site"]);
    assert.match(finding(http, "cookie-secure-scheme"), /over https/);
    const local = explainCors(
      request({ origin: "http://localhost:5173", url: "http://localhost:3000/me" }),
      response({
        ...GRANT,
        "access-control-allow-origin": "http://localhost:5173",
        "set-cookie": "sid=1; Secure; SameSite=Lax",
      }),
    );
    assert.equal(local.sameSite, true);
    assert.equal(local.cookiesStored, true);
    assert.match(finding(local, "cookie-secure-scheme"), /Safari does not/);
  });

  test("prefixes and Domain: __Host- without Secure / with Domain, __Secure- without Secure, foreign Domain", () => {
    const r = explainCors(
      request({ url: SAME_SITE_API }),
      response({
        ...GRANT,
        "set-cookie": [
          "__Host-a=1; Secure; Path=/; Domain=shop.test; SameSite=Lax",
          "__Host-b=1; Path=/app; SameSite=Lax",
          "__Secure-c=1; SameSite=Lax",
          "d=1; Secure; Domain=other.example; SameSite=Lax",
          "e=1; Secure; Domain=test; SameSite=Lax",
          "f=1; Secure; Domain=shop.test; SameSite=Lax",
        ],
      }),
    );
    assert.deepEqual(
      r.cookies.map((c) => [c.name, c.stored]),
      [
        ["__Host-a", false],
        ["__Host-b", false],
        ["__Secure-c", false],
        ["d", false],
        ["e", false],
        ["f", true],
      ],
    );
    assert.equal(r.cookiesStored, false);
    const host = r.findings.filter((f) => f.rule === "cookie-prefix-host").map((f) => f.message);
    assert.match(host[0] ?? "", /remove Domain/);
    assert.match(host[1] ?? "", /add Secure, set Path=\//);
    assert.match(finding(r, "cookie-prefix-secure"), /add Secure/);
    const domains = r.findings.filter((f) => f.rule === "cookie-domain").map((f) => f.message);
    assert.match(domains[0] ?? "", /does not cover/);
    assert.match(domains[1] ?? "", /public suffix/);
  });

  test("cookies are stored even when the script cannot read the response", () => {
    const r = explainCors(
      request({ url: SAME_SITE_API }),
      response({ "set-cookie": "sid=1; Secure; SameSite=Lax; Path=/" }),
    );
    assert.equal(r.exposed, false);
    assert.equal(r.cookiesStored, true);
    assert.match(finding(r, "cookie-stored"), /even though/);
  });

  test("a Set-Cookie line browsers ignore whole is reported with the parser's reason", () => {
    const r = explainCors(
      request({ url: SAME_SITE_API }),
      response({ ...GRANT, "set-cookie": "=; Secure" }),
    );
    assert.equal(r.cookiesStored, false);
    assert.match(finding(r, "cookie-parse"), /neither a name nor a value/);
  });
});

describe("explainCors: input and output", () => {
  test("unreadable input is a typed error", () => {
    for (const bad of [
      request({ url: "/relative" }),
      request({ url: "ftp://x.example/" }),
      request({ origin: "shop.test" }),
      request({ credentials: "yes" as never }),
    ]) {
      assert.throws(
        () => explainCors(bad, response()),
        (e: unknown) => e instanceof CorsError && e.code === "ERR_CORS_EXPLAIN_INPUT_INVALID",
      );
    }
  });

  test("a page URL is reduced to its origin; an opaque origin is cross-site", () => {
    assert.equal(explainCors(request({ origin: `${PAGE}/cart?x=1` }), response()).exposed, true);
    const opaque = explainCors(
      request({ origin: "null" }),
      response({ ...GRANT, "access-control-allow-origin": "null" }),
    );
    assert.deepEqual([opaque.exposed, opaque.sameSite], [true, false]);
  });

  test("formatCorsExplanation: three answers, then every finding with FAIL on the failed", () => {
    const text = formatCorsExplanation(
      explainCors(
        request(),
        response({ "access-control-allow-origin": "*", "set-cookie": "sid=1; Secure" }),
      ),
    );
    assert.match(text, /^Readable by the page's script: no\n/);
    // Cross-site: the credentials mode sends cookies, but only SameSite=None ones travel.
    assert.match(
      text,
      /\nCookies sent with the request: only SameSite=None; Secure ones \(the request is cross-site\)\n/,
    );
    const sameSite = formatCorsExplanation(
      explainCors(request({ url: SAME_SITE_API }), response(GRANT)),
    );
    assert.match(sameSite, /\nCookies sent with the request: yes\n/);
    // No grant: the fix never tells the server to grant an origin it may not trust.
    assert.match(
      formatCorsExplanation(explainCors(request(), response({}))),
      /FAIL allow-origin: .*That is right for an origin that is not to be trusted; only if \S+ is meant to read it/,
    );
    assert.match(text, /\nCookies from the response stored: no\n/);
    assert.match(text, /\n {2}FAIL allow-origin: /);
    assert.match(text, /\n {2}FAIL cookie-samesite-cross-site: /);
    assert.match(text, /\n {2}ok {3}credentials-mode: /);
    assert.ok(text.endsWith("\n"));
  });
});

describe("explainCors: the preflight's answer (Fetch, CORS-preflight fetch)", () => {
  const put = (over: Partial<ExplainRequest> = {}): ExplainRequest =>
    request({ method: "PUT", headers: { "Content-Type": "application/json" }, ...over });
  const PREFLIGHT_GRANT = {
    "access-control-allow-origin": PAGE,
    "access-control-allow-credentials": "true",
    "access-control-allow-methods": "GET, PUT",
    "access-control-allow-headers": "Content-Type",
  };
  const answer = (headers: ExplainResponse["headers"], status = 204): ExplainResponse => ({
    status,
    headers,
  });

  test("the preflight the browser sends: OPTIONS, Origin, the method, the unsafe names sorted", () => {
    const r = explainCors(put({ headers: { "X-B": "1", "x-a": "2", Accept: "text/html" } }), null);
    assert.deepEqual(r.preflightRequest, {
      method: "OPTIONS",
      headers: {
        origin: PAGE,
        "access-control-request-method": "PUT",
        "access-control-request-headers": "x-a,x-b",
      },
    });
    assert.equal(explainCors(request(), null).preflightRequest, null);
  });

  test("a 405 without CORS headers: never sent, not exposed, the response given is not read", () => {
    const r = explainCors(put(), response(GRANT), { preflightResponse: answer({}, 405) });
    assert.deepEqual(
      [r.preflightPassed, r.exposed, r.responseExplained, r.cookies],
      [false, false, false, []],
    );
    assert.deepEqual(failed(r), ["preflight-status"]);
    assert.match(finding(r, "preflight-status"), /405, not a 2xx status: the browser never sends/);
    const text = formatCorsExplanation(r);
    assert.match(text, /^Preflight \(OPTIONS\) passes: no/);
    assert.match(text, /\nReadable by the page's script: no \(the preflight fails\)\n/);
  });

  test("a granted preflight passes; the actual response is then explained", () => {
    const r = explainCors(put(), response(GRANT), {
      preflightResponse: answer(PREFLIGHT_GRANT),
    });
    assert.deepEqual([r.preflightPassed, r.exposed, r.responseExplained], [true, true, true]);
    assert.deepEqual(failed(r), []);
    const unsent = explainCors(put(), null, { preflightResponse: answer(PREFLIGHT_GRANT) });
    assert.deepEqual([unsent.preflightPassed, unsent.exposed], [true, false]);
    assert.match(
      formatCorsExplanation(unsent),
      /\nReadable by the page's script: not known: the actual request was not sent\n/,
    );
  });

  test("the origin granted but not the method: the finding names the method", () => {
    const r = explainCors(put(), null, {
      preflightResponse: answer({
        ...PREFLIGHT_GRANT,
        "access-control-allow-methods": "GET, POST",
      }),
    });
    assert.equal(r.preflightPassed, false);
    assert.deepEqual(failed(r), ["preflight-allow-methods"]);
    assert.match(finding(r, "preflight-allow-methods"), /without PUT.*add PUT/);
    // Methods are case-sensitive; "*" is the literal name "*" with credentials.
    const lower = answer({ ...PREFLIGHT_GRANT, "access-control-allow-methods": "put" });
    assert.match(
      finding(explainCors(put(), null, { preflightResponse: lower }), "preflight-allow-methods"),
      /case-sensitive/,
    );
    const star = answer({ ...PREFLIGHT_GRANT, "access-control-allow-methods": "*" });
    assert.equal(explainCors(put(), null, { preflightResponse: star }).preflightPassed, false);
    const omit = put({ credentials: "omit" });
    const anyOrigin = { "access-control-allow-origin": "*", "access-control-allow-headers": "*" };
    assert.equal(
      explainCors(omit, null, {
        preflightResponse: answer({ ...anyOrigin, "access-control-allow-methods": "*" }),
      }).preflightPassed,
      true,
    );
  });

  test("every requested header must be allowed; * never covers Authorization", () => {
    const r = explainCors(
      put({ headers: { "content-type": "application/json", "x-csrf": "t" } }),
      null,
      {
        preflightResponse: answer(PREFLIGHT_GRANT),
      },
    );
    assert.deepEqual(failed(r), ["preflight-allow-headers"]);
    assert.match(
      finding(r, "preflight-allow-headers"),
      /x-csrf, which the script sets, is not allowed/,
    );
    const omit = put({ credentials: "omit", headers: { authorization: "Bearer x" } });
    const starred = answer({
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "PUT",
      "access-control-allow-headers": "*",
    });
    const auth = explainCors(omit, null, { preflightResponse: starred });
    assert.equal(auth.preflightPassed, false);
    assert.match(finding(auth, "preflight-allow-headers"), /never covers Authorization/);
  });

  test("no grant on the preflight: a probe for GET tells the refused method from the origin", () => {
    const refused = answer({ vary: "Origin" });
    const unprobed = explainCors(put({ headers: {} }), null, { preflightResponse: refused });
    assert.deepEqual(failed(unprobed), ["preflight-allow-origin"]);
    assert.match(
      finding(unprobed, "preflight-allow-origin"),
      /or it grants it but refuses the method PUT/,
    );
    const probed = explainCors(put({ headers: {} }), null, {
      preflightResponse: refused,
      preflightProbe: answer({ "access-control-allow-origin": PAGE }),
    });
    assert.deepEqual(failed(probed), ["preflight-allow-methods"]);
    assert.match(
      finding(probed, "preflight-allow-methods"),
      /refuses the method PUT, not the origin/,
    );
    const untrusted = explainCors(put(), null, {
      preflightResponse: refused,
      preflightProbe: refused,
    });
    assert.match(finding(untrusted, "preflight-allow-origin"), /does not grant/);
  });

  test("an origin not granted is not told to add Access-Control-Allow-Credentials", () => {
    for (const headers of [{}, { "access-control-allow-origin": "https://other.test" }]) {
      const r = explainCors(request(), response(headers));
      const message = finding(r, "allow-credentials");
      assert.doesNotMatch(message, /Add Access-Control-Allow-Credentials/);
      assert.match(message, /matters only once https:\/\/www\.shop\.test is granted/);
    }
    // Once the origin is granted, the advice is given.
    const granted = explainCors(request(), response({ "access-control-allow-origin": PAGE }));
    assert.match(
      finding(granted, "allow-credentials"),
      /Add Access-Control-Allow-Credentials: true/,
    );
  });
});
