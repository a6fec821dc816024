import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { CorsError, type CorsErrorCode } from "./errors.js";
import { originMatcher } from "./origin.js";
import {
  type CorsDecision,
  type CorsPolicyOptions,
  type CorsRequest,
  type CorsWarning,
  createCorsPolicy,
} from "./policy.js";

const SHOP = "https://www.shop.test";
const PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

function req(method: string, headers: Record<string, string> = {}): CorsRequest {
  return { method, header: (n) => headers[n] };
}

/** Makes a policy, collecting warnings instead of printing them. */
function policy(options: Omit<CorsPolicyOptions, "onWarning">) {
  const warnings: CorsWarning[] = [];
  const p = createCorsPolicy({ ...options, onWarning: (w) => warnings.push(w) });
  return { p, warnings };
}

function refused(options: CorsPolicyOptions, code: CorsErrorCode, pattern: RegExp): void {
  assert.throws(
    () => createCorsPolicy({ onWarning: () => assert.fail("no warning expected"), ...options }),
    (e: unknown) => {
      assert.ok(e instanceof CorsError, String(e));
      assert.equal(e.code, code);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

function preflight(
  origin: string,
  method: string,
  headers?: string,
): { method: string; header: (n: string) => string | undefined } {
  const h: Record<string, string> = { origin, "access-control-request-method": method };
  if (headers !== undefined) h["access-control-request-headers"] = headers;
  return req("OPTIONS", h);
}

describe("createCorsPolicy: unsafe or broken configurations are refused when made", () => {
  const credentials = true;

  test("credentials with a wildcard origin, method or header", () => {
    refused({ origins: "*", credentials }, "ERR_CORS_CREDENTIALS_WILDCARD", /List the origins/);
    refused({ origins: ["*"], credentials }, "ERR_CORS_CREDENTIALS_WILDCARD", /wildcard/);
    refused(
      { origins: [SHOP], credentials, methods: ["*"] },
      "ERR_CORS_CREDENTIALS_WILDCARD",
      /list the methods/,
    );
    refused(
      { origins: [SHOP], credentials, allowedHeaders: ["*"] },
      "ERR_CORS_CREDENTIALS_WILDCARD",
      /list the headers/,
    );
    refused(
      { origins: [SHOP], credentials, exposedHeaders: ["*"] },
      "ERR_CORS_CREDENTIALS_WILDCARD",
      /list the headers/,
    );
  });

  test("reflecting any origin with credentials: origins true, or a home-made function", () => {
    refused({ origins: true, credentials }, "ERR_CORS_REFLECT_ANY_ORIGIN", /reflects every origin/);
    refused(
      { origins: (o) => o.endsWith("shop.test"), credentials },
      "ERR_CORS_REFLECT_ANY_ORIGIN",
      /originMatcher/,
    );
    refused(
      { origins: [SHOP, ((o: string) => o === SHOP) as never], credentials },
      "ERR_CORS_REFLECT_ANY_ORIGIN",
      /originMatcher/,
    );
    // Built from parts, it is accepted, alone or in a list.
    const m = originMatcher({ scheme: "https", host: "shop.test", subdomains: true });
    assert.equal(policy({ origins: m, credentials }).p.credentials, true);
    assert.equal(
      policy({ origins: ["https://partner.example", m], credentials }).warnings.length,
      0,
    );
  });

  test("an origin that is not serialized is refused with the form to write", () => {
    for (const [entry, fix] of [
      ["https://www.shop.test/", "https://www.shop.test"],
      ["https://www.shop.test/app", "https://www.shop.test"],
      ["https://me@www.shop.test", "https://www.shop.test"],
      ["https://www.shop.test?x=1", "https://www.shop.test"],
      ["https://WWW.Shop.test", "https://www.shop.test"],
      ["https://www.shop.test:443", "https://www.shop.test"],
    ] as const) {
      refused(
        { origins: [entry], credentials },
        "ERR_CORS_ORIGIN_INVALID",
        new RegExp(`write "${fix.replaceAll(".", "\\.")}"`),
      );
    }
    refused({ origins: ["https://*.shop.test"] }, "ERR_CORS_ORIGIN_INVALID", /originMatcher/);
    refused({ origins: ["*"] }, "ERR_CORS_ORIGIN_INVALID", /origins: "\*" on its own/);
    refused({ origins: [] }, "ERR_CORS_ORIGIN_INVALID", /empty/);
    refused(
      { origins: [(o: string) => o === SHOP] as never },
      "ERR_CORS_ORIGIN_INVALID",
      /originMatcher/,
    );
  });

  test('"null" with credentials is refused; without, it is a warning', () => {
    refused({ origins: [SHOP, "null"], credentials }, "ERR_CORS_NULL_ORIGIN", /sandboxed iframe/);
    const { warnings } = policy({ origins: ["null"] });
    assert.deepEqual(
      warnings.map((w) => w.code),
      ["WARN_CORS_NULL_ORIGIN"],
    );
  });

  test("maxAge: refused above 7200, warned above 3600, whole seconds only", () => {
    refused({ origins: [SHOP], maxAge: 7201 }, "ERR_CORS_MAX_AGE_TOO_LONG", /7200/);
    refused({ origins: [SHOP], maxAge: 86400 }, "ERR_CORS_MAX_AGE_TOO_LONG", /2 hours/);
    refused({ origins: [SHOP], maxAge: -1 }, "ERR_CORS_MAX_AGE_INVALID", /whole number/);
    refused({ origins: [SHOP], maxAge: 1.5 }, "ERR_CORS_MAX_AGE_INVALID", /whole number/);
    refused({ origins: [SHOP], maxAge: Number.NaN }, "ERR_CORS_MAX_AGE_INVALID", /whole number/);
    assert.deepEqual(
      policy({ origins: [SHOP], maxAge: 3601 }).warnings.map((w) => w.code),
      ["WARN_CORS_MAX_AGE_LONG"],
    );
    const at7200 = policy({ origins: [SHOP], maxAge: 7200 });
    assert.equal(at7200.p.maxAge, 7200);
    assert.equal(at7200.warnings.length, 1);
    const at3600 = policy({ origins: [SHOP], maxAge: 3600 });
    assert.equal(at3600.warnings.length, 0);
    assert.equal(policy({ origins: [SHOP] }).p.maxAge, 600);
    assert.equal(policy({ origins: [SHOP], maxAge: 0 }).p.maxAge, 0);
  });

  test("methods: upper-case tokens browsers can send", () => {
    refused({ origins: [SHOP], methods: ["patch"] }, "ERR_CORS_METHOD_INVALID", /"PATCH"/);
    refused({ origins: [SHOP], methods: ["GET POST"] }, "ERR_CORS_METHOD_INVALID", /token/);
    refused({ origins: [SHOP], methods: ["TRACE"] }, "ERR_CORS_METHOD_INVALID", /never send/);
    refused({ origins: [SHOP], methods: ["CONNECT"] }, "ERR_CORS_METHOD_INVALID", /never send/);
    refused({ origins: [SHOP], methods: [] }, "ERR_CORS_METHOD_INVALID", /empty/);
    refused({ origins: [SHOP], methods: ["*"] }, "ERR_CORS_METHOD_INVALID", /list the methods/);
    assert.deepEqual(policy({ origins: [SHOP] }).p.methods, ["GET", "HEAD", "POST"]);
  });

  test("headers: tokens, lower-cased; ones browsers never let through are warned about", () => {
    refused(
      { origins: [SHOP], allowedHeaders: ["x csrf"] },
      "ERR_CORS_HEADER_INVALID",
      /not a header name/,
    );
    refused({ origins: [SHOP], allowedHeaders: ["*"] }, "ERR_CORS_HEADER_INVALID", /list/);
    refused({ origins: [SHOP], exposedHeaders: ["*"] }, "ERR_CORS_HEADER_INVALID", /list/);
    const { p, warnings } = policy({
      origins: [SHOP],
      allowedHeaders: ["Content-Type", "X-CSRF-Token", "Cookie"],
      exposedHeaders: ["X-Request-Id", "Set-Cookie"],
    });
    assert.deepEqual(p.allowedHeaders, ["content-type", "x-csrf-token", "cookie"]);
    assert.deepEqual(p.exposedHeaders, ["x-request-id", "set-cookie"]);
    assert.deepEqual(
      warnings.map((w) => [w.code, /cookie/.test(w.message)]),
      [
        ["WARN_CORS_HEADER_IGNORED", true],
        ["WARN_CORS_HEADER_IGNORED", true],
      ],
    );
  });

  test("options must be an object with origins; callbacks must be functions", () => {
    assert.throws(
      () => createCorsPolicy(undefined as never),
      (e: unknown) => e instanceof CorsError && e.code === "ERR_CORS_OPTIONS_INVALID",
    );
    refused({} as never, "ERR_CORS_OPTIONS_INVALID", /origins is required/);
    refused(
      { origins: [SHOP], onWarning: "log" as never },
      "ERR_CORS_OPTIONS_INVALID",
      /onWarning/,
    );
    refused(
      { origins: [SHOP], credentials: "yes" as never },
      "ERR_CORS_OPTIONS_INVALID",
      /credentials must be true or false, not "yes"/,
    );
    // A misspelt key left credentials off without a word.
    refused(
      { origins: [SHOP], allowCredentials: true } as never,
      "ERR_CORS_OPTIONS_INVALID",
      /unknown option allowCredentials: the options are origins, methods/,
    );
    refused(
      { origins: [SHOP], exposeHeaders: ["x-request-id"] } as never,
      "ERR_CORS_OPTIONS_INVALID",
      /did you mean exposedHeaders\?/,
    );
    refused({ origins: [SHOP], maxAge: "600" as never }, "ERR_CORS_MAX_AGE_INVALID", /not "600"/);
  });

  test("an https list that also trusts an http: origin is warned about, once", () => {
    const { warnings } = policy({
      origins: [SHOP, "http://www.shop.test", "http://localhost:3000"],
      credentials,
    });
    assert.deepEqual(
      warnings.map((w) => w.code),
      ["WARN_CORS_INSECURE_ORIGIN"],
    );
    assert.match(warnings[0]?.message ?? "", /http: origin/);
    const viaMatcher = policy({
      origins: originMatcher([
        { scheme: "https", host: "shop.test", subdomains: true },
        { scheme: "http", host: "shop.test", subdomains: true },
      ]),
      credentials,
    });
    assert.deepEqual(
      viaMatcher.warnings.map((w) => w.code),
      ["WARN_CORS_INSECURE_ORIGIN"],
    );
    assert.equal(policy({ origins: ["http://localhost:3000"] }).warnings.length, 0);
    assert.equal(policy({ origins: [SHOP, "https://shop.test"] }).warnings.length, 0);
  });

  test("warnings go to console.warn by default, and only for a valid policy", (t) => {
    const warn = t.mock.method(console, "warn", () => {});
    createCorsPolicy({ origins: [SHOP], maxAge: 4000 });
    assert.equal(warn.mock.callCount(), 1);
    assert.match(String(warn.mock.calls[0]?.arguments[0]), /WARN_CORS_MAX_AGE_LONG/);
    assert.throws(() => createCorsPolicy({ origins: [SHOP], maxAge: 4000, methods: ["get"] }));
    assert.equal(warn.mock.callCount(), 1);
  });
});

describe("decide: actual requests", () => {
  const { p } = policy({
    origins: [SHOP, "https://partner.example"],
    methods: ["GET", "POST", "PUT"],
    exposedHeaders: ["X-Request-Id", "ETag"],
    credentials: true,
  });

  test("an allowed origin is echoed, with credentials and exposed headers, and Vary: Origin", () => {
    assert.deepEqual(p.decide(req("GET", { origin: SHOP })), {
      kind: "actual",
      allowed: true,
      headers: {
        vary: "Origin",
        "access-control-allow-origin": SHOP,
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": "x-request-id, etag",
      },
    } satisfies CorsDecision);
    const partner = p.decide(req("PUT", { origin: "https://partner.example" }));
    assert.equal(partner.headers["access-control-allow-origin"], "https://partner.example");
  });

  test("a disallowed origin gets no grant at all, only Vary, and a reason for the logs", () => {
    for (const origin of [
      "https://evil.example",
      "https://evil-shop.test",
      "https://www.shop.test.evil.example",
      "http://www.shop.test",
      "https://www.shop.test:8443",
      "https://www.shop.test/",
      "null",
      "",
    ]) {
      const d = p.decide(req("POST", { origin }));
      assert.equal(d.kind, "actual");
      assert.equal(d.allowed, false, origin);
      assert.deepEqual(d.headers, { vary: "Origin" }, origin);
      assert.ok(d.kind === "actual" && d.reason !== undefined && d.reason.length > 0);
    }
  });

  test("a method outside the list gets no grant", () => {
    const d = p.decide(req("DELETE", { origin: SHOP }));
    assert.deepEqual([d.allowed, d.headers], [false, { vary: "Origin" }]);
    assert.match((d as { reason: string }).reason, /DELETE/);
  });

  test("no Origin: not CORS, nothing granted, still Vary: Origin", () => {
    assert.deepEqual(p.decide(req("GET")), {
      kind: "not-cors",
      allowed: true,
      headers: { vary: "Origin" },
    });
    // An OPTIONS without Origin is not a preflight.
    assert.equal(
      p.decide(req("OPTIONS", { "access-control-request-method": "PUT" })).kind,
      "not-cors",
    );
  });

  test("without credentials there is no Access-Control-Allow-Credentials", () => {
    const open = policy({ origins: [SHOP] }).p;
    assert.deepEqual(open.decide(req("GET", { origin: SHOP })).headers, {
      vary: "Origin",
      "access-control-allow-origin": SHOP,
    });
  });

  test('origins "*" answers "*", never an echo; origins true echoes only real origins', () => {
    const any = policy({ origins: "*" }).p;
    assert.deepEqual(any.decide(req("GET", { origin: "https://anyone.example" })).headers, {
      vary: "Origin",
      "access-control-allow-origin": "*",
    });
    const reflect = policy({ origins: true }).p;
    assert.equal(
      reflect.decide(req("GET", { origin: "https://anyone.example" })).headers[
        "access-control-allow-origin"
      ],
      "https://anyone.example",
    );
    assert.equal(reflect.decide(req("GET", { origin: "https://a.example/x" })).allowed, false);
  });

  test("originMatcher policies: subdomains, and look-alikes refused", () => {
    const m = policy({
      origins: originMatcher({ scheme: "https", host: "shop.test", subdomains: true }),
      credentials: true,
    }).p;
    assert.equal(m.decide(req("GET", { origin: "https://www.shop.test" })).allowed, true);
    assert.equal(m.decide(req("GET", { origin: "https://shop.test" })).allowed, true);
    for (const origin of [
      "https://evil-shop.test",
      "https://shop.test.evil.example",
      "http://shop.test",
      "https://shop.test:8443",
    ]) {
      assert.deepEqual(m.decide(req("GET", { origin })).headers, { vary: "Origin" }, origin);
    }
  });

  test("a custom predicate without credentials is used; if it throws, no grant", () => {
    const f = policy({ origins: (o) => o === SHOP }).p;
    assert.equal(f.decide(req("GET", { origin: SHOP })).allowed, true);
    const boom = policy({
      origins: () => {
        throw new Error("boom");
      },
    }).p;
    const d = boom.decide(req("GET", { origin: SHOP }));
    assert.equal(d.allowed, false);
    assert.match((d as { reason: string }).reason, /threw/);
  });
});

describe("decide: preflights", () => {
  const { p } = policy({
    origins: [SHOP],
    methods: ["GET", "POST", "PUT", "DELETE"],
    allowedHeaders: ["Content-Type", "X-CSRF-Token"],
    exposedHeaders: ["X-Request-Id"],
    maxAge: 900,
    credentials: true,
  });

  test("an allowed preflight: 204, exact methods, headers, max-age, credentials, full Vary", () => {
    assert.deepEqual(p.decide(preflight(SHOP, "PUT", "content-type,x-csrf-token")), {
      kind: "preflight",
      allowed: true,
      status: 204,
      headers: {
        vary: PREFLIGHT_VARY,
        "access-control-allow-origin": SHOP,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET, POST, PUT, DELETE",
        "access-control-allow-headers": "content-type, x-csrf-token",
        "access-control-max-age": "900",
      },
    } satisfies CorsDecision);
  });

  test("requested headers: case-insensitive, spaces and empty items ignored", () => {
    for (const h of ["Content-Type", " X-CSRF-TOKEN , content-type ", "content-type,,", ""]) {
      assert.equal(p.decide(preflight(SHOP, "DELETE", h)).allowed, true, h);
    }
  });

  test("an unlisted method or header refuses the preflight: 204, no grant, full Vary", () => {
    const byMethod = p.decide(preflight(SHOP, "PATCH"));
    assert.deepEqual(
      { ...byMethod, reason: undefined },
      {
        kind: "preflight",
        allowed: false,
        status: 204,
        headers: { vary: PREFLIGHT_VARY },
        reason: undefined,
      },
    );
    assert.match((byMethod as { reason: string }).reason, /PATCH/);
    // Methods are case-sensitive: "put" is not "PUT".
    assert.equal(p.decide(preflight(SHOP, "put")).allowed, false);
    const byHeader = p.decide(preflight(SHOP, "PUT", "content-type, x-api-key, authorization"));
    assert.equal(byHeader.allowed, false);
    assert.deepEqual(byHeader.headers, { vary: PREFLIGHT_VARY });
    assert.match((byHeader as { reason: string }).reason, /x-api-key, authorization/);
  });

  test("a preflight from a disallowed origin gets no grant", () => {
    const d = p.decide(preflight("https://evil.example", "PUT", "content-type"));
    assert.deepEqual(
      [d.kind, d.allowed, d.headers],
      ["preflight", false, { vary: PREFLIGHT_VARY }],
    );
  });

  test("with no allowed headers, any requested header is refused and none is listed", () => {
    const bare = policy({ origins: [SHOP], methods: ["GET", "PUT"] }).p;
    const ok = bare.decide(preflight(SHOP, "PUT"));
    assert.deepEqual(ok.headers, {
      vary: PREFLIGHT_VARY,
      "access-control-allow-origin": SHOP,
      "access-control-allow-methods": "GET, PUT",
      "access-control-max-age": "600",
    });
    const refusedHeader = bare.decide(preflight(SHOP, "PUT", "content-type"));
    assert.equal(refusedHeader.allowed, false);
    assert.match((refusedHeader as { reason: string }).reason, /CORS-safelisted/);
  });

  test("preflight answers never carry Expose-Headers; actual answers never carry Max-Age", () => {
    const pre = p.decide(preflight(SHOP, "PUT"));
    assert.equal(pre.headers["access-control-expose-headers"], undefined);
    const actual = p.decide(req("PUT", { origin: SHOP }));
    assert.equal(actual.headers["access-control-max-age"], undefined);
    assert.equal(actual.headers["access-control-allow-methods"], undefined);
  });
});
