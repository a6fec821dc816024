import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { type CsrfEvent, createCsrf } from "./create-csrf.js";
import { CsrfError } from "./errors.js";
import { createOriginGuard, isSafeMethod } from "./origin-guard.js";

const ORIGIN = "https://www.shop.test:8443";
const keys = [{ id: "k1", secret: randomBytes(32) }];

function req(
  method: string,
  headers: Record<string, string> = {},
): { method: string; header: (n: string) => string | undefined } {
  return { method, header: (n) => headers[n] };
}

function setup(extra: Partial<Parameters<typeof createCsrf>[0]> = {}) {
  const csrf = createCsrf({ origin: ORIGIN, keys, ...extra });
  const events: CsrfEvent[] = [];
  csrf.on("*", (e) => events.push(e));
  const token = csrf.issue(req("GET"), "session-1").token;
  return { csrf, events, token };
}

describe("the origin guard, reason by reason", () => {
  test("safe methods always pass; TRACE is unsafe", () => {
    assert.deepEqual(["GET", "HEAD", "OPTIONS", "get"].map(isSafeMethod), [true, true, true, true]);
    assert.deepEqual(["POST", "PUT", "PATCH", "DELETE", "TRACE"].map(isSafeMethod), [
      false,
      false,
      false,
      false,
      false,
    ]);
    const { csrf } = setup();
    assert.deepEqual(
      csrf.check({
        request: req("GET", { "sec-fetch-site": "cross-site" }),
        binding: null,
        token: undefined,
      }),
      { ok: true },
    );
  });

  test("Sec-Fetch-Site: same-origin and none pass (with a valid token)", () => {
    const { csrf, token } = setup();
    for (const site of ["same-origin", "none"]) {
      assert.deepEqual(
        csrf.check({
          request: req("POST", { "sec-fetch-site": site }),
          binding: "session-1",
          token,
        }),
        { ok: true },
      );
    }
  });

  const refused = (headers: Record<string, string>, reason: string, extra = {}): void => {
    const { csrf, token } = setup(extra);
    const d = csrf.check({ request: req("POST", headers), binding: "session-1", token });
    assert.equal(d.ok, false, JSON.stringify(headers));
    if (!d.ok) {
      assert.equal(d.reason, reason);
      assert.equal(d.status, 403);
      assert.ok(d.message.length > 10);
    }
  };

  test("cross_site_request: Sec-Fetch-Site cross-site from an untrusted origin", () => {
    refused(
      { "sec-fetch-site": "cross-site", origin: "https://evil.example" },
      "cross_site_request",
    );
  });

  test("a trusted origin passes even cross-site; trust is exact", () => {
    const { csrf, token } = setup({ trustedOrigins: ["https://partner.example"] });
    const ok = csrf.check({
      request: req("POST", { "sec-fetch-site": "cross-site", origin: "https://partner.example" }),
      binding: "session-1",
      token,
    });
    assert.deepEqual(ok, { ok: true });
    refused(
      { "sec-fetch-site": "cross-site", origin: "https://partner.example.evil.example" },
      "cross_site_request",
      { trustedOrigins: ["https://partner.example"] },
    );
    refused(
      { "sec-fetch-site": "cross-site", origin: "http://partner.example" },
      "cross_site_request",
      { trustedOrigins: ["https://partner.example"] },
    );
  });

  test("same_site_request: a sibling subdomain, unless siblings are trusted", () => {
    refused(
      { "sec-fetch-site": "same-site", origin: "https://api.shop.test:8443" },
      "same_site_request",
    );
    // The usual cause is the application's own front end on a sibling: the message says what to do.
    const d = setup().csrf.check({
      request: req("POST", { "sec-fetch-site": "same-site", origin: "https://app.shop.test" }),
      binding: "session-1",
      token: undefined,
    });
    assert.equal(
      d.ok === false && d.message,
      "a request from a sibling subdomain cannot change state here (Origin \"https://app.shop.test\"); if that origin is this application's own front end, list it in createCsrf's trustedOrigins",
    );
    const { csrf, token } = setup({ trustSameSite: true });
    assert.deepEqual(
      csrf.check({
        request: req("POST", { "sec-fetch-site": "same-site" }),
        binding: "session-1",
        token,
      }),
      { ok: true },
    );
  });

  test("origin_mismatch: without Fetch Metadata, Origin compared in full", () => {
    for (const origin of [
      "https://www.shop.test",
      "http://www.shop.test:8443",
      "https://www.shop.test:8443.evil.example",
      "https://evil.example",
      "https://WWW.SHOP.TEST:8443",
    ]) {
      refused({ origin }, "origin_mismatch");
    }
    const { csrf, token } = setup();
    assert.deepEqual(
      csrf.check({ request: req("POST", { origin: ORIGIN }), binding: "session-1", token }),
      { ok: true },
    );
  });

  test("origin_mismatch also when Sec-Fetch-Site says same-origin or none but Origin disagrees", () => {
    refused({ "sec-fetch-site": "same-origin", origin: "https://evil.example" }, "origin_mismatch");
    refused({ "sec-fetch-site": "none", origin: "https://evil.example" }, "origin_mismatch");
  });

  test("null_origin, unless allowed", () => {
    refused({ origin: "null" }, "null_origin");
    refused({ "sec-fetch-site": "cross-site", origin: "null" }, "null_origin");
    const { csrf, token } = setup({ allowNullOrigin: true });
    assert.deepEqual(
      csrf.check({ request: req("POST", { origin: "null" }), binding: "session-1", token }),
      { ok: true },
    );
  });

  test("referer_mismatch: without Origin, the Referer's origin", () => {
    refused({ referer: "https://evil.example/page" }, "referer_mismatch");
    refused({ referer: "not a url" }, "referer_mismatch");
    const { csrf, token } = setup();
    assert.deepEqual(
      csrf.check({
        request: req("POST", { referer: `${ORIGIN}/checkout` }),
        binding: "session-1",
        token,
      }),
      { ok: true },
    );
  });

  test("origin_missing in strict mode; the token decides in compatible mode", () => {
    refused({}, "origin_missing");
    const { csrf, token } = setup({ mode: "compatible" });
    assert.deepEqual(csrf.check({ request: req("POST"), binding: "session-1", token }), {
      ok: true,
    });
    const d = csrf.check({ request: req("POST"), binding: "session-1", token: undefined });
    assert.equal(d.ok === false && d.reason, "csrf_token_missing");
  });

  test("origins in options must be serialized origins", () => {
    for (const origin of [
      "https://www.shop.test/",
      "https://WWW.shop.test",
      "https://www.shop.test:443",
      "www.shop.test",
    ]) {
      assert.throws(
        () => createCsrf({ origin, keys }),
        (e: unknown) => e instanceof CsrfError && e.code === "ERR_CSRF_OPTIONS_INVALID",
      );
    }
  });

  test("a mistyped option is refused, never read as a weaker one", () => {
    const origin = "https://www.shop.test";
    for (const [bad, said] of [
      [{ mode: "Strict" }, /mode must be "strict" or "compatible", not "Strict"/],
      [{ mode: "lax" }, /mode must be/],
      // From an environment variable: "false" is a truthy string.
      [{ reportOnly: "false" }, /reportOnly must be true or false, not "false"/],
      [{ requireToken: "true" }, /requireToken must be true or false/],
      [{ trustSameSite: 1 }, /trustSameSite must be true or false/],
      [{ allowNullOrigin: "yes" }, /allowNullOrigin must be true or false/],
      [{ trustedOrigins: ["https://*.shop.test"] }, /has a wildcard.*list each one/],
      [{ trustedOrigins: "https://partner.test" }, /trustedOrigins must be a list of origins/],
      // A misspelt key left the list empty, and the page's own front end got same_site_request.
      [
        { trustedOrigin: ["https://app.shop.test"] },
        /unknown option trustedOrigin: did you mean trustedOrigins\?/,
      ],
      [{ requiretoken: false }, /did you mean requireToken\?/],
      [
        { preSession: { maxage: 60 } },
        /unknown option preSession\.maxage: did you mean preSession\.maxAge\?/,
      ],
      [{ preSession: "csrf" }, /preSession must be an object/],
    ] as const) {
      assert.throws(
        () => createCsrf({ origin, keys, ...(bad as object) }),
        (e: unknown) =>
          e instanceof CsrfError && e.code === "ERR_CSRF_OPTIONS_INVALID" && said.test(e.message),
        JSON.stringify(bad),
      );
    }
    assert.throws(
      () => createOriginGuard({ origin, trustSameSites: true } as never),
      /unknown option trustSameSites: did you mean trustSameSite\?/,
    );
    assert.throws(() => createCsrf(null as never), /createCsrf's options must be an object/);
  });
});

describe("session-bound tokens", () => {
  test("csrf_token_missing and csrf_token_invalid", () => {
    const { csrf, token } = setup();
    const sameOrigin = req("POST", { "sec-fetch-site": "same-origin" });
    const missing = csrf.check({ request: sameOrigin, binding: "session-1", token: undefined });
    assert.equal(missing.ok === false && missing.reason, "csrf_token_missing");
    const other = csrf.check({ request: sameOrigin, binding: "session-2", token });
    assert.equal(other.ok === false && other.reason, "csrf_token_invalid");
    assert.match(other.ok === false ? other.message : "", /made for another one/);
    // Nothing to bind to: the message says which cookies the request lacked, the code is the same.
    const none = csrf.check({ request: sameOrigin, binding: null, token });
    assert.equal(none.ok === false && none.reason, "csrf_token_invalid");
    assert.match(
      none.ok === false ? none.message : "",
      /the request has no session .* and no __Host-csrf cookie.*must keep the cookies/,
    );
  });

  test("an anonymous session takes tokens of the __Host- pre-session cookie, never of one a sibling could plant", () => {
    for (const [name, taken] of [
      [undefined, true],
      ["csrf_pre", false],
    ] as const) {
      const { csrf } = setup(name === undefined ? {} : { preSession: { name } });
      const issued = csrf.issue(req("GET"), null);
      const cookie = (issued.setCookie ?? "").split(";")[0] as string;
      const check = (anonymous: boolean) =>
        csrf.check({
          request: req("POST", { "sec-fetch-site": "same-origin", cookie }),
          binding: "anon-session",
          anonymous,
          token: issued.token,
        });
      assert.deepEqual(check(true).ok, taken, String(name));
      // A session with a user never takes them.
      assert.equal(check(false).ok, false, String(name));
    }
  });

  test("sign-in forms: a pre-session cookie binds the token (login CSRF)", () => {
    const { csrf } = setup();
    const issued = csrf.issue(req("GET"), null);
    assert.match(
      issued.setCookie ?? "",
      /^__Host-csrf=[A-Za-z0-9_-]{43}; Max-Age=7200; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
    );
    const cookie = (issued.setCookie ?? "").split(";")[0] as string;
    const login = (token: string | undefined, c = cookie) =>
      csrf.check({
        request: req("POST", { "sec-fetch-site": "same-origin", cookie: c }),
        binding: null,
        token,
      });
    assert.deepEqual(login(issued.token), { ok: true });
    // The attacker's own pre-session token does not fit the victim's pre-session cookie.
    const attacker = csrf.issue(req("GET"), null);
    const victimCookie = `__Host-csrf=${randomBytes(32).toString("base64url")}`;
    const d = login(attacker.token, victimCookie);
    assert.equal(d.ok === false && d.reason, "csrf_token_invalid");
    // A later token for the same pre-session reuses the cookie.
    assert.equal(csrf.issue(req("GET", { cookie }), null).setCookie, undefined);
    // Once signed in, a token for the session also clears the pre-session cookie.
    assert.equal(
      csrf.issue(req("GET", { cookie }), "session-1").setCookie,
      "__Host-csrf=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax",
    );
    assert.equal(csrf.issue(req("GET"), "session-1").setCookie, undefined);
  });

  test("requireToken: false leaves the guard alone, and refuses to combine with compatible mode", () => {
    const csrf = createCsrf({ origin: ORIGIN, keys, requireToken: false });
    assert.deepEqual(
      csrf.check({ request: req("POST", { origin: ORIGIN }), binding: null, token: undefined }),
      { ok: true },
    );
    assert.throws(
      () => createCsrf({ origin: ORIGIN, keys, requireToken: false, mode: "compatible" }),
      CsrfError,
    );
  });
});

describe("events and report-only", () => {
  test("a refusal emits csrf-rejected with the origin's site; cross-site unsafe requests are counted", () => {
    const { csrf, events, token } = setup();
    csrf.check({
      request: req("POST", { "sec-fetch-site": "cross-site", origin: "https://a.evil.example" }),
      binding: "session-1",
      token,
    });
    assert.deepEqual(events, [
      {
        type: "cross-site-unsafe",
        method: "POST",
        origin: "https://a.evil.example",
        site: "https://evil.example",
        allowed: false,
      },
      {
        type: "csrf-rejected",
        reason: "cross_site_request",
        method: "POST",
        origin: "https://a.evil.example",
        site: "https://evil.example",
        reportOnly: false,
      },
    ]);
  });

  test("a refusal by the Referer reports the Referer's origin and site", () => {
    const { csrf, events, token } = setup();
    csrf.check({
      request: req("POST", { referer: "https://a.evil.example/page?x=1" }),
      binding: "session-1",
      token,
    });
    assert.deepEqual(events.at(-1), {
      type: "csrf-rejected",
      reason: "referer_mismatch",
      method: "POST",
      origin: "https://a.evil.example",
      site: "https://evil.example",
      reportOnly: false,
    });
  });

  test("report-only lets the request through and still reports it", () => {
    const { csrf, events, token } = setup({ reportOnly: true });
    const d = csrf.check({
      request: req("POST", { origin: "https://evil.example" }),
      binding: "session-1",
      token,
    });
    assert.deepEqual(d, { ok: true });
    assert.ok(
      events.some(
        (e) => e.type === "csrf-rejected" && e.reportOnly && e.reason === "origin_mismatch",
      ),
    );
  });
});
