import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type AuditOptions,
  type AuditResponse,
  auditResponse,
  auditResponses,
  failsOn,
  type HeaderPair,
  RULES,
  type RuleId,
} from "./index.js";

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const TOKEN = "Q2hhbmdlIHRoaXMgdG8gYSByZWFsbHkgcmFuZG9tIHZhbHVl"; // 48 base64 characters
const GOOD = `__Host-sid=${TOKEN}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=1800`;

interface Case {
  readonly url?: string;
  readonly headers: readonly HeaderPair[];
  readonly request?: AuditResponse["request"];
  readonly options?: AuditOptions;
}

function run(c: Case): ReturnType<typeof auditResponse> {
  return auditResponse(
    {
      url: c.url ?? "https://www.shop.test/account",
      status: 200,
      headers: c.headers,
      ...(c.request === undefined ? {} : { request: c.request }),
    },
    { now: NOW, ...c.options },
  );
}

const sc = (line: string, cache = "no-store"): HeaderPair[] => [
  ["set-cookie", line],
  ["cache-control", cache],
];

// Each rule: cases that must fire it, and cases that must not.
const CASES: Record<RuleId, { fires: Case[]; silent: Case[] }> = {
  "session-no-secure": {
    fires: [
      { headers: sc(`sid=${TOKEN}; Path=/; HttpOnly; SameSite=Lax`) },
      { url: "http://www.shop.test/", headers: sc(`session=${TOKEN}; HttpOnly; SameSite=Lax`) },
    ],
    silent: [{ headers: sc(GOOD) }, { headers: sc(`theme=dark; Path=/`) }],
  },
  "cookie-no-secure": {
    fires: [{ headers: sc("theme=dark; Path=/; HttpOnly; SameSite=Lax") }],
    silent: [
      { headers: sc("theme=dark; Path=/; Secure") },
      { url: "http://www.shop.test/", headers: sc("theme=dark; Path=/") },
      // A deletion: nothing is stored, nothing to protect.
      { headers: sc("theme=; Path=/; Max-Age=0") },
    ],
  },
  "session-no-httponly": {
    fires: [{ headers: sc(`__Host-sid=${TOKEN}; Path=/; Secure; SameSite=Lax`) }],
    silent: [{ headers: sc(GOOD) }, { headers: sc("theme=dark; Secure") }],
  },
  "cookie-no-httponly": {
    fires: [{ headers: sc("theme=dark; Path=/; Secure; SameSite=Lax") }],
    silent: [
      { headers: sc("theme=dark; Path=/; Secure; HttpOnly") },
      // A double-submit CSRF cookie must be readable by the page's script.
      { headers: sc(`__Host-XSRF-TOKEN=${TOKEN}; Path=/; Secure; SameSite=Lax`) },
    ],
  },
  "samesite-missing": {
    fires: [{ headers: sc(`__Host-sid=${TOKEN}; Path=/; Secure; HttpOnly`) }],
    silent: [{ headers: sc(GOOD) }, { headers: sc(`${GOOD}; SameSite=Bogus`) }],
  },
  "samesite-invalid": {
    fires: [
      { headers: sc(`__Host-sid=${TOKEN}; Path=/; Secure; HttpOnly; SameSite=Nonee`) },
      { headers: sc(`__Host-sid=${TOKEN}; Path=/; Secure; HttpOnly; SameSite=`) },
    ],
    silent: [
      { headers: sc(GOOD) },
      { headers: sc(`__Host-sid=${TOKEN}; Path=/; Secure; HttpOnly`) },
    ],
  },
  "samesite-none": {
    fires: [{ headers: sc(`__Host-sid=${TOKEN}; Path=/; Secure; HttpOnly; SameSite=None`) }],
    silent: [{ headers: sc(GOOD) }],
  },
  "samesite-none-insecure": {
    fires: [{ headers: sc(`widget=1; Path=/; HttpOnly; SameSite=None`) }],
    silent: [{ headers: sc(`widget=1; Path=/; HttpOnly; Secure; SameSite=None`) }],
  },
  "prefix-violation": {
    fires: [
      { headers: sc(`__Host-sid=${TOKEN}; Path=/; Domain=shop.test; Secure; HttpOnly`) },
      { headers: sc(`__Host-sid=${TOKEN}; Path=/app; Secure; HttpOnly`) },
      { headers: sc(`__Host-sid=${TOKEN}; Path=/; HttpOnly`) },
      { headers: sc(`__Secure-sid=${TOKEN}; Path=/; HttpOnly`) },
      { headers: sc(`__Http-sid=${TOKEN}; Path=/; Secure`) },
      // A refused deletion leaves the cookie in place: still reported.
      { headers: sc(`__Host-sid=; Max-Age=0`) },
    ],
    silent: [
      { headers: sc(GOOD) },
      { headers: sc(`__Secure-sid=${TOKEN}; Domain=shop.test; Path=/a; Secure; HttpOnly`) },
      { headers: sc(`__host-sid=${TOKEN}; Path=/; Secure; HttpOnly`) },
    ],
  },
  "host-prefix-missing": {
    fires: [{ headers: sc(`sid=${TOKEN}; Path=/; Secure; HttpOnly; SameSite=Lax`) }],
    silent: [{ headers: sc(GOOD) }, { headers: sc("theme=dark; Path=/; Secure") }],
  },
  "loose-domain": {
    fires: [
      { headers: sc(`sid=${TOKEN}; Domain=shop.test; Path=/; Secure; HttpOnly; SameSite=Lax`) },
      { url: "https://a.b.shop.test/", headers: sc("theme=1; Domain=b.shop.test; Secure") },
    ],
    silent: [
      { headers: sc(GOOD) },
      // Domain equal to the host itself: no sibling gets it.
      { url: "https://shop.test/", headers: sc("theme=1; Domain=shop.test; Secure") },
      // Refused by the browser, reported as domain-mismatch instead.
      { headers: sc("theme=1; Domain=other.test; Secure") },
    ],
  },
  "path-not-root": {
    fires: [
      { headers: sc(`__Secure-sid=${TOKEN}; Path=/app; Secure; HttpOnly; SameSite=Lax`) },
      // No Path: the default path of /app/login is /app.
      {
        url: "https://www.shop.test/app/login",
        headers: sc(`__Secure-sid=${TOKEN}; Secure; HttpOnly; SameSite=Lax`),
      },
    ],
    silent: [
      { headers: sc(GOOD) },
      {
        url: "https://www.shop.test/login",
        headers: sc(`__Secure-sid=${TOKEN}; Secure; HttpOnly`),
      },
      { headers: sc("theme=dark; Path=/app; Secure") },
    ],
  },
  "secure-over-http": {
    fires: [
      { url: "http://www.shop.test/", headers: sc(`theme=1; Secure`) },
      { url: "http://localhost:3000/", headers: sc(`theme=1; Secure`) },
    ],
    silent: [
      { headers: sc(`theme=1; Secure`) },
      { url: "http://www.shop.test/", headers: sc("theme=1") },
    ],
  },
  "long-lifetime": {
    fires: [
      { headers: sc(`${GOOD.replace("Max-Age=1800", "Max-Age=31536000")}`) },
      {
        headers: sc(`${GOOD.replace("; Max-Age=1800", "")}; Expires=Fri, 01 Jan 2027 12:00:00 GMT`),
        options: { maxLifetime: 86_400 },
      },
    ],
    silent: [
      { headers: sc(GOOD) },
      { headers: sc(GOOD.replace("; Max-Age=1800", "")) },
      { headers: sc("theme=dark; Secure; HttpOnly; Max-Age=31536000") },
    ],
  },
  "cookie-too-large": {
    fires: [{ headers: sc(`big=${"x".repeat(4094)}`) }],
    silent: [{ headers: sc(`big=${"x".repeat(4092)}; Secure; HttpOnly; SameSite=Lax`) }],
  },
  "low-entropy-id": {
    fires: [
      { headers: sc("__Host-sid=12345; Path=/; Secure; HttpOnly; SameSite=Lax") },
      {
        headers: sc(
          "__Host-sid=4f9c2d1e-8b7a-4c3d-9e8f-1a2b3c4d5e6f; Path=/; Secure; HttpOnly; SameSite=Lax",
        ),
      },
      { headers: sc("__Host-sid=0123456789abcdef; Path=/; Secure; HttpOnly; SameSite=Lax") },
    ],
    silent: [
      { headers: sc(GOOD) },
      { headers: sc(`__Host-sid=${"0123456789abcdef".repeat(2)}; Path=/; Secure; HttpOnly`) },
      {
        headers: sc(
          "__Host-jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl; Path=/; Secure; HttpOnly",
        ),
      },
      { headers: sc("theme=12; Secure") },
    ],
  },
  "set-cookie-cacheable": {
    fires: [
      { headers: [["set-cookie", GOOD]] },
      { headers: sc(GOOD, "no-cache") },
      { headers: sc(GOOD, "max-age=600") },
    ],
    silent: [
      { headers: sc(GOOD) },
      { headers: sc(GOOD, "private, max-age=60") },
      { headers: [["cache-control", "public, max-age=60"]] },
      { headers: sc(GOOD, "public, max-age=60") },
    ],
  },
  "set-cookie-public-cache": {
    fires: [{ headers: sc(GOOD, "public, max-age=60") }, { headers: sc(GOOD, "s-maxage=60") }],
    silent: [
      { headers: sc(GOOD) },
      { headers: sc(GOOD, "public, no-store") },
      { headers: [["cache-control", "public, max-age=60"]] },
    ],
  },
  "id-in-url": {
    fires: [
      { url: "https://www.shop.test/cart;jsessionid=0A1B2C3D4E5F", headers: [] },
      { url: "https://www.shop.test/?PHPSESSID=abcdef0123456789", headers: [] },
      { headers: [...sc(GOOD), ["location", `/home?s=${TOKEN}`]] },
      { headers: [["location", "https://www.shop.test/next?sessionid=abcdefghijkl"]] },
    ],
    silent: [
      { url: "https://www.shop.test/?page=2&sort=price", headers: [["location", "/home"]] },
      { url: "https://www.shop.test/?sid=1", headers: [] },
    ],
  },
  "cors-wildcard-credentials": {
    fires: [
      {
        headers: [
          ["access-control-allow-origin", "*"],
          ["access-control-allow-credentials", "true"],
        ],
      },
    ],
    silent: [
      { headers: [["access-control-allow-origin", "*"]] },
      {
        headers: [
          ["access-control-allow-origin", "https://www.shop.test"],
          ["access-control-allow-credentials", "true"],
          ["vary", "Origin"],
        ],
      },
    ],
  },
  "cors-reflect-credentials": {
    fires: [
      {
        headers: [
          ["access-control-allow-origin", "null"],
          ["access-control-allow-credentials", "true"],
          ["vary", "Origin"],
        ],
      },
      {
        headers: [
          ["access-control-allow-origin", "https://www.shop.test.probe1.example"],
          ["access-control-allow-credentials", "true"],
          ["vary", "Origin"],
        ],
        request: { headers: [["Origin", "https://www.shop.test.probe1.example"]], probe: "prefix" },
      },
    ],
    silent: [
      {
        headers: [
          ["access-control-allow-origin", "https://www.shop.test"],
          ["access-control-allow-credentials", "true"],
          ["vary", "Origin"],
        ],
        request: { headers: [["origin", "https://www.shop.test"]] },
      },
      {
        headers: [
          ["access-control-allow-origin", "null"],
          ["vary", "Origin"],
        ],
      },
    ],
  },
  "cors-reflect": {
    fires: [
      {
        headers: [
          ["access-control-allow-origin", "https://probe1.example"],
          ["vary", "Origin"],
        ],
        request: { headers: [["origin", "https://probe1.example"]], probe: "random" },
      },
    ],
    silent: [
      {
        headers: [
          ["access-control-allow-origin", "https://www.shop.test"],
          ["vary", "Origin"],
        ],
        request: { headers: [["origin", "https://probe1.example"]], probe: "random" },
      },
    ],
  },
  "cors-no-vary": {
    fires: [
      { headers: [["access-control-allow-origin", "https://www.shop.test"]] },
      {
        headers: [
          ["access-control-allow-origin", "https://www.shop.test"],
          ["vary", "Accept-Encoding"],
        ],
      },
    ],
    silent: [
      { headers: [["access-control-allow-origin", "*"]] },
      {
        headers: [
          ["access-control-allow-origin", "https://www.shop.test"],
          ["vary", "Accept-Encoding, origin"],
        ],
      },
      {
        headers: [
          ["access-control-allow-origin", "https://www.shop.test"],
          ["vary", "*"],
        ],
      },
    ],
  },
  "csrf-cookie-not-host": {
    fires: [
      { headers: sc(`XSRF-TOKEN=${TOKEN}; Path=/; Secure; SameSite=Lax`) },
      { headers: sc(`__Secure-csrf=${TOKEN}; Path=/; Secure; SameSite=Lax`) },
    ],
    silent: [{ headers: sc(`__Host-csrf=${TOKEN}; Path=/; Secure; HttpOnly; SameSite=Lax`) }],
  },
  "cookie-ignored": {
    fires: [
      { headers: sc("a=1\u0000; Secure") },
      { headers: sc("=") },
      { headers: sc("a=1; Domain=bücher.test; Secure") },
    ],
    silent: [{ headers: sc("a=1; Secure; HttpOnly; SameSite=Lax") }],
  },
  "domain-mismatch": {
    fires: [
      { headers: sc("theme=1; Domain=other.test; Secure") },
      { url: "https://alice.github.io/", headers: sc("theme=1; Domain=github.io; Secure") },
    ],
    silent: [
      { headers: sc("theme=1; Domain=shop.test; Secure") },
      { headers: sc("theme=1; Domain=www.shop.test; Secure") },
    ],
  },
  "partitioned-no-secure": {
    fires: [{ headers: sc("w=1; Partitioned; SameSite=None; HttpOnly") }],
    silent: [{ headers: sc("w=1; Partitioned; Secure; SameSite=None; HttpOnly") }],
  },
  "attribute-invalid": {
    fires: [
      { headers: sc("theme=1; Secure; Max-Age=1h") },
      { headers: sc("theme=1; Secure; Expires=tomorrow") },
    ],
    silent: [{ headers: sc("theme=1; Secure; Max-Age=3600") }],
  },
  "attribute-unknown": {
    fires: [{ headers: sc("theme=1; Secure; HttpOnl") }],
    silent: [{ headers: sc("theme=1; Secure; HttpOnly; Priority=High; Partitioned") }],
  },
  "lifetime-capped": {
    fires: [{ headers: sc("theme=1; Secure; Max-Age=63072000") }],
    silent: [{ headers: sc("theme=1; Secure; Max-Age=31536000") }],
  },
  "cookie-duplicate": {
    fires: [
      {
        headers: [
          ["set-cookie", `sid=${TOKEN}; Path=/; Secure; HttpOnly`],
          ["set-cookie", `sid=${TOKEN}; Path=/account; Secure; HttpOnly`],
        ],
      },
      {
        headers: [
          ["set-cookie", "a=1; Secure"],
          ["set-cookie", "a=2; Domain=shop.test; Secure"],
        ],
      },
    ],
    silent: [
      // The later line replaces the earlier one: same name, domain and path.
      {
        headers: [
          ["set-cookie", "a=1; Path=/; Secure"],
          ["set-cookie", "a=2; Path=/; Secure"],
        ],
      },
      // Clearing an old path while setting the new one is the cure, not the disease.
      {
        headers: [
          ["set-cookie", "a=; Path=/app; Max-Age=0"],
          ["set-cookie", "a=2; Path=/; Secure"],
        ],
      },
    ],
  },
  "hsts-missing": {
    fires: [{ headers: sc(GOOD) }],
    silent: [
      { headers: [...sc(GOOD), ["strict-transport-security", "max-age=31536000"]] },
      {
        headers: sc(GOOD),
        options: { hsts: new Map([["shop.test", { includeSubDomains: true }]]) },
      },
      { headers: sc("theme=1; Secure") },
    ],
  },
};

describe("audit rules: each fires where it must and only there", () => {
  test("every rule of the catalogue has cases", () => {
    assert.deepEqual(Object.keys(CASES).sort(), Object.keys(RULES).sort());
  });
  for (const [id, { fires, silent }] of Object.entries(CASES) as [
    RuleId,
    (typeof CASES)[RuleId],
  ][]) {
    test(id, () => {
      for (const c of fires) {
        const found = run(c).filter((f) => f.id === id);
        assert.equal(
          found.length,
          1,
          `${id} should fire once on ${JSON.stringify(c.headers)}, got ${JSON.stringify(found)}`,
        );
        const f = found[0];
        assert.ok(f !== undefined);
        assert.equal(f.why, RULES[id].why);
        assert.ok(f.evidence.length > 0 && f.fix.length > 0);
      }
      for (const c of silent) {
        const found = run(c).filter((f) => f.id === id);
        assert.deepEqual(found, [], `${id} must not fire on ${JSON.stringify(c.headers)}`);
      }
    });
  }
});

describe("audit rules: severities, evidence and fixes", () => {
  test("a well-set session cookie has nothing above info", () => {
    const findings = run({
      headers: [...sc(GOOD), ["strict-transport-security", "max-age=63072000"]],
    });
    assert.deepEqual(findings, []);
  });

  test("the fix of a cookie finding is the corrected Set-Cookie line", () => {
    const [f] = run({ headers: sc(`__Host-sid=${TOKEN}; Path=/; HttpOnly; SameSite=Lax`) }).filter(
      (x) => x.id === "session-no-secure",
    );
    assert.equal(f?.fix, `Set-Cookie: __Host-sid=${TOKEN}; Path=/; Secure; HttpOnly; SameSite=Lax`);
    assert.equal(f?.cookie, "__Host-sid");
    assert.equal(f?.severity, "high");
    assert.match(f?.evidence ?? "", /^Set-Cookie: __Host-sid=/);
  });

  test("every cookie finding carries the line with all of the cookie's fixes applied", () => {
    const findings = run({
      url: "https://www.shop.test/app/login",
      headers: sc("sid=12345; Domain=shop.test; SameSite=None; Max-Age=99999999; HttpOnl; Foo=bar"),
    });
    const corrected = new Set(findings.filter((f) => f.cookie === "sid").map((f) => f.corrected));
    assert.deepEqual(
      [...corrected],
      ["Set-Cookie: __Host-sid=12345; Path=/; Max-Age=2592000; Secure; HttpOnly; SameSite=Lax"],
    );
    assert.equal(findings.find((f) => f.id === "hsts-missing")?.corrected, undefined);
  });

  test("redact: session values shortened to four characters in evidence, fix and corrected line", () => {
    const line = `sid=${TOKEN}; Path=/; Secure; SameSite=Lax`;
    const [f] = run({ headers: sc(line), options: { redact: true } }).filter(
      (x) => x.id === "session-no-httponly",
    );
    assert.equal(
      f?.evidence,
      `Set-Cookie: sid=${TOKEN.slice(0, 4)}…; Path=/; Secure; SameSite=Lax — no HttpOnly (a session cookie by its name)`,
    );
    assert.equal(
      f?.fix,
      `Set-Cookie: sid=${TOKEN.slice(0, 4)}…; Path=/; Secure; HttpOnly; SameSite=Lax`,
    );
    assert.ok(
      !JSON.stringify(run({ headers: sc(line), options: { redact: true } })).includes(TOKEN),
    );
    assert.ok(JSON.stringify(run({ headers: sc(line) })).includes(TOKEN));
    // Spaces around "=" do not let the value through, nor two scopes of the same cookie.
    for (const spaced of [
      [`sid = ${TOKEN}; Path=/`],
      [`sid= ${TOKEN}; Path=/`],
      [`sid=${TOKEN}; Path=/`, `sid=${TOKEN}; Path=/app`],
    ]) {
      const headers: HeaderPair[] = [
        ...spaced.map((l): HeaderPair => ["set-cookie", l]),
        ["cache-control", "no-store"],
      ];
      const all = JSON.stringify(run({ headers, options: { redact: true } }));
      assert.ok(!all.includes(TOKEN), spaced.join(" | "));
    }
    // Other cookies are shown as they are.
    const theme = run({ headers: sc("theme=dark-and-long; Secure"), options: { redact: true } });
    assert.match(theme[0]?.evidence ?? "", /theme=dark-and-long/);
  });

  test("redact: session ids in the URL, the Location and repeated lines are shortened too", () => {
    const leaks = (c: Case): string[] =>
      run({ ...c, options: { redact: true } })
        .filter((f) => JSON.stringify(f).includes(TOKEN))
        .map((f) => f.id);
    const location: Case = {
      headers: [...sc(GOOD), ["location", `/welcome?token=${TOKEN}`]],
    };
    assert.deepEqual(leaks(location), []);
    assert.equal(
      run({ ...location, options: { redact: true } }).find((f) => f.id === "id-in-url")?.evidence,
      `Location: /welcome?token=${TOKEN.slice(0, 4)}… carries token=… (the session cookie's value)`,
    );
    const matrix: Case = { url: `https://www.shop.test/cart;jsessionid=${TOKEN}`, headers: [] };
    assert.deepEqual(leaks(matrix), []);
    const [f] = run({ ...matrix, options: { redact: true } });
    assert.equal(f?.url, `https://www.shop.test/cart;jsessionid=${TOKEN.slice(0, 4)}…`);
    // The value of the session cookie under any parameter name, and in a fragment.
    assert.deepEqual(
      leaks({
        headers: [...sc(GOOD), ["location", `/next?x=1&ref=${TOKEN}#access_token=${TOKEN}`]],
      }),
      [],
    );
    assert.deepEqual(
      leaks({
        headers: [
          ["set-cookie", `sid=${TOKEN}`],
          ["set-cookie", `sid=${TOKEN}; Path=/a`],
        ],
      }),
      [],
    );
    assert.deepEqual(leaks({ headers: [["set-cookie", `sid=${TOKEN}\u0001`]] }), []);
    // Without redact, the evidence quotes the response as it is.
    assert.match(
      run(location).find((f) => f.id === "id-in-url")?.evidence ?? "",
      new RegExp(TOKEN),
    );
  });

  test("cookie-no-secure is low when HSTS covers the host, medium when a Domain cookie escapes it", () => {
    const sev = (line: string, sts: string): string | undefined =>
      run({ headers: [...sc(line), ["strict-transport-security", sts]] }).find(
        (f) => f.id === "cookie-no-secure",
      )?.severity;
    assert.equal(sev("theme=1", "max-age=600"), "low");
    assert.equal(sev("theme=1; Domain=shop.test", "max-age=600"), "medium");
    assert.equal(sev("theme=1; Domain=shop.test", "max-age=600; includeSubDomains"), "low");
    assert.equal(sev("theme=1", "max-age=0"), "medium");
  });

  test("secure-over-http is only info on localhost, where Chromium and Firefox accept it", () => {
    const sev = (url: string): string | undefined =>
      run({ url, headers: sc("a=1; Secure") }).find((f) => f.id === "secure-over-http")?.severity;
    assert.equal(sev("http://localhost:8080/"), "info");
    assert.equal(sev("http://127.0.0.1/"), "info");
    assert.equal(sev("http://shop.test/"), "medium");
    const fix = run({ url: "http://www.shop.test/", headers: sc("a=1; Secure") }).find(
      (f) => f.id === "secure-over-http",
    )?.fix;
    assert.match(
      fix ?? "",
      /^Serve http:\/\/www\.shop\.test over https \(https:\/\/www\.shop\.test\)/,
    );
  });

  test("a session cookie can be named; then other names are not sessions", () => {
    const line = "app=12; Path=/; Secure; HttpOnly; SameSite=Lax";
    assert.ok(
      run({ headers: sc(line), options: { sessionCookies: ["app"] } }).some(
        (f) => f.id === "low-entropy-id",
      ),
    );
    const sid = `sid=${TOKEN}; Path=/; HttpOnly; SameSite=Lax`;
    const named = run({ headers: sc(sid), options: { sessionCookies: ["app"] } });
    assert.ok(!named.some((f) => f.id === "session-no-secure"));
    assert.ok(named.some((f) => f.id === "cookie-no-secure"));
  });

  test("a random-looking value makes a session cookie, an analytics cookie does not", () => {
    const random = run({ headers: sc(`x=${TOKEN}; Path=/; Secure; HttpOnly; SameSite=Lax`) });
    assert.ok(random.some((f) => f.id === "host-prefix-missing"));
    assert.match(
      random.find((f) => f.id === "host-prefix-missing")?.evidence ?? "",
      /no __Host- prefix/,
    );
    const ga = run({ headers: sc(`_ga=GA1.1.${TOKEN}; Secure; HttpOnly; SameSite=Lax`) });
    assert.ok(!ga.some((f) => f.id === "host-prefix-missing"));
  });

  test("low-entropy-id is high under 64 bits and medium for a UUID v4", () => {
    const sev = (v: string): string | undefined =>
      run({ headers: sc(`__Host-sid=${v}; Path=/; Secure; HttpOnly; SameSite=Lax`) }).find(
        (f) => f.id === "low-entropy-id",
      )?.severity;
    assert.equal(sev("1234567"), "high");
    assert.equal(sev("4f9c2d1e-8b7a-4c3d-9e8f-1a2b3c4d5e6f"), "medium");
    const one = run({ headers: sc("__Host-sid=1; Path=/; Secure; HttpOnly; SameSite=Lax") });
    assert.match(
      one.find((f) => f.id === "low-entropy-id")?.evidence ?? "",
      / — the value holds at most 1 bit of randomness$/,
    );
  });

  test("headers as pairs, a Web Headers or a record give the same findings", () => {
    const pairs = sc(`sid=${TOKEN}; Path=/`, "public");
    const web = new Headers();
    for (const [n, v] of pairs) web.append(n, v);
    web.append("set-cookie", "theme=1; Secure; HttpOnly; SameSite=Lax");
    const ids = (headers: AuditResponse["headers"]): string[] =>
      auditResponse({ url: "https://www.shop.test/", status: 200, headers }, { now: NOW })
        .map((f) => `${f.id}:${f.cookie ?? ""}`)
        .sort();
    const expected = ids([...pairs, ["set-cookie", "theme=1; Secure; HttpOnly; SameSite=Lax"]]);
    assert.deepEqual(ids(web), expected);
    assert.deepEqual(
      ids({
        "set-cookie": [`sid=${TOKEN}; Path=/`, "theme=1; Secure; HttpOnly; SameSite=Lax"],
        "cache-control": "public",
        "content-length": 0,
      }),
      expected,
    );
    assert.ok(expected.includes("set-cookie-public-cache:"));
  });

  test("bad options are typed errors; odd responses are not", () => {
    assert.throws(
      () =>
        auditResponse({ url: "https://a.test/", status: 200, headers: [] }, { maxLifetime: -1 }),
      { code: "ERR_AUDIT_OPTIONS_INVALID" },
    );
    assert.throws(() => auditResponse({ url: "ftp://a.test/", status: 200, headers: [] }), {
      code: "ERR_AUDIT_INPUT_INVALID",
    });
    assert.deepEqual(
      auditResponse({ url: "https://a.test/", status: 200, headers: [["set-cookie", ""]] }),
      [],
    );
  });
});

describe("auditResponses", () => {
  test("a session value set by an earlier response is found and hidden in a later URL", () => {
    const { findings } = auditResponses(
      [
        {
          url: "https://www.shop.test/login",
          status: 302,
          headers: [...sc(GOOD), ["location", "/home"]],
        },
        { url: `https://www.shop.test/home?x=${TOKEN}`, status: 200, headers: [] },
      ],
      { now: NOW, redact: true },
    );
    const idInUrl = findings.find((f) => f.id === "id-in-url");
    assert.equal(idInUrl?.url, `https://www.shop.test/home?x=${TOKEN.slice(0, 4)}…`);
    assert.doesNotMatch(JSON.stringify(findings), new RegExp(TOKEN));
  });

  test("HSTS of an earlier hop covers later hops; repeated findings are counted", () => {
    const hop = (url: string, headers: HeaderPair[]): AuditResponse => ({
      url,
      status: 302,
      headers,
    });
    const result = auditResponses(
      [
        hop("https://www.shop.test/a", [["strict-transport-security", "max-age=600"]]),
        hop("https://www.shop.test/b", sc("theme=1; Secure")),
        hop("https://www.shop.test/c", sc("theme=1; Secure")),
      ],
      { now: NOW },
    );
    const f = result.findings.filter((x) => x.id === "cookie-no-httponly");
    assert.equal(f.length, 1);
    assert.equal(f[0]?.count, 2);
    assert.deepEqual(result.hsts, ["www.shop.test"]);
    assert.equal(result.setCookies, 2);
    assert.equal(result.responses, 3);
  });

  test("failsOn compares with the threshold", () => {
    const findings = run({ headers: sc("theme=1; Secure; HttpOnly; SameSite=Lax; HttpOnl") });
    assert.deepEqual(
      findings.map((f) => f.severity),
      ["info"],
    );
    assert.equal(failsOn(findings, "low"), false);
    assert.equal(failsOn(run({ headers: sc("theme=1; Secure; SameSite=Lax") }), "low"), true);
    assert.equal(failsOn(run({ headers: sc("theme=1; Secure; SameSite=Lax") }), "medium"), false);
  });
});
