import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { createCorsPolicy } from "../cors/index.js";
import { createCsrf } from "../csrf/index.js";
import { createSessions } from "../session/index.js";
import { memoryStore } from "../stores/index.js";
import {
  createMetrics,
  EXPOSITION_CONTENT_TYPE,
  MetricsError,
  OVERFLOW_LABEL_VALUE,
} from "./index.js";

const WWW = "https://www.shop.test:8443";

function request(headers: Record<string, string>, method = "GET") {
  return {
    method,
    encrypted: true,
    header: (name: string): string | undefined => headers[name],
  };
}

/** The value of one sample line of an exposition, or undefined when it is absent. */
function sample(text: string, selector: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${selector} `));
  return line === undefined ? undefined : Number(line.slice(selector.length + 1));
}

describe("metrics: counters and the text format", () => {
  test("HELP, TYPE and one line per series, label values escaped", () => {
    const m = createMetrics();
    const c = m.counter({
      name: "logins_total",
      help: "Sign-ins\nby result \\ kind",
      labelNames: ["result"],
    });
    c.inc({ result: "ok" });
    c.inc({ result: "ok" }, 2);
    c.inc({ result: 'say "hi"\n\\' });
    assert.equal(
      m.render(),
      [
        "# HELP sessionjar_logins_total Sign-ins\\nby result \\\\ kind",
        "# TYPE sessionjar_logins_total counter",
        'sessionjar_logins_total{result="ok"} 3',
        'sessionjar_logins_total{result="say \\"hi\\"\\n\\\\"} 1',
        "",
      ].join("\n"),
    );
    assert.equal(m.contentType, EXPOSITION_CONTENT_TYPE);
  });

  test("a count past the largest double is written as +Inf", () => {
    const m = createMetrics();
    const c = m.counter({ name: "huge_total", help: "h" });
    c.inc({}, 1e308);
    c.inc({}, 1e308);
    assert.match(m.render(), /^sessionjar_huge_total \+Inf$/m);
  });

  test("a counter without labels starts at 0; one with labels has no series yet", () => {
    const m = createMetrics({ prefix: "shop_" });
    m.counter({ name: "a_total", help: "a" });
    m.counter({ name: "b_total", help: "b", labelNames: ["x"] });
    const text = m.render();
    assert.equal(sample(text, "shop_a_total"), 0);
    assert.ok(text.includes("# TYPE shop_b_total counter"));
    assert.ok(!/^shop_b_total/m.test(text));
  });

  test("asking twice gives the same counter; other labels for one name are refused", () => {
    const m = createMetrics();
    const a = m.counter({ name: "x_total", help: "x", labelNames: ["l"] });
    assert.equal(m.counter({ name: "x_total", help: "x", labelNames: ["l"] }), a);
    assert.throws(
      () => m.counter({ name: "x_total", help: "x", labelNames: ["other"] }),
      (e: unknown) => e instanceof MetricsError && e.code === "ERR_METRICS_LABELS_INVALID",
    );
  });

  test("invalid names, labels and amounts are refused with codes", () => {
    const m = createMetrics();
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        assert.ok(e instanceof MetricsError);
        return e.code;
      }
      assert.fail("no error");
    };
    assert.equal(
      code(() => m.counter({ name: "bad-name", help: "" })),
      "ERR_METRICS_NAME_INVALID",
    );
    assert.equal(
      code(() => m.counter({ name: "ok_total", help: "", labelNames: ["__x"] })),
      "ERR_METRICS_LABELS_INVALID",
    );
    assert.equal(
      code(() => m.counter({ name: "ok2_total", help: "", labelNames: ["a", "a"] })),
      "ERR_METRICS_LABELS_INVALID",
    );
    const c = m.counter({ name: "ok3_total", help: "", labelNames: ["a"] });
    assert.equal(
      code(() => c.inc({ a: "1" }, -1)),
      "ERR_METRICS_VALUE_INVALID",
    );
    assert.equal(
      code(() => c.inc({ a: "1" }, Number.NaN)),
      "ERR_METRICS_VALUE_INVALID",
    );
    assert.equal(
      code(() => c.inc({ b: "1" })),
      "ERR_METRICS_LABELS_INVALID",
    );
    assert.equal(
      code(() => c.inc({})),
      "ERR_METRICS_LABELS_INVALID",
    );
    // Refused by createMetrics itself, before any counter exists.
    for (const bad of [{ maxSeries: 0 }, { maxSeries: 1.5 }, { prefix: "9x_" }, { prefix: "a-b" }])
      assert.equal(
        code(() => createMetrics(bad)),
        "ERR_METRICS_OPTIONS_INVALID",
        JSON.stringify(bad),
      );
    assert.doesNotThrow(() => createMetrics({ prefix: "" }).counter({ name: "z", help: "" }));
    assert.equal(c.get({ a: "1" }), 0, "a refused increment changes nothing");
  });

  test("past maxSeries, new label sets fold into one _overflow series", () => {
    const m = createMetrics({ maxSeries: 3 });
    const c = m.counter({ name: "by_site_total", help: "", labelNames: ["site"] });
    for (let i = 0; i < 10; i++) c.inc({ site: `https://s${i}.example` });
    c.inc({ site: "https://s0.example" });
    assert.equal(c.series().length, 4, "three series and the overflow one");
    assert.equal(c.get({ site: "https://s0.example" }), 2);
    assert.equal(c.get({ site: OVERFLOW_LABEL_VALUE }), 7);
  });
});

describe("metrics: fed by sessions, CSRF and CORS", () => {
  test("session events: created, rotated, revoked, suspicious, by reason and app", async () => {
    const m = createMetrics();
    const sessions = createSessions({ store: memoryStore(), cookie: { name: "__Host-s" } });
    const stop = m.observeSessions(sessions, { labels: { app: "www" } });
    const s = await sessions.load(request({}));
    await s.signIn("alice");
    const { setCookie } = await s.commit();
    const cookie = (setCookie[0] as string).split(";")[0] as string;
    const again = await sessions.load(request({ cookie }));
    await again.rotate({ elevate: true });
    await again.signOut();
    await sessions.load(request({ cookie: `${cookie}; ${cookie}` }));
    await sessions.load(request({ cookie: "__Host-s=not-a-token" }));
    const text = m.render();
    assert.equal(sample(text, 'sessionjar_sessions_created_total{app="www"}'), 1);
    assert.equal(sample(text, 'sessionjar_sessions_rotated_total{app="www",reason="elevate"}'), 1);
    assert.equal(sample(text, 'sessionjar_sessions_revoked_total{app="www",reason="sign-out"}'), 1);
    assert.equal(
      sample(text, 'sessionjar_sessions_suspicious_total{app="www",reason="duplicate-cookie"}'),
      1,
    );
    assert.equal(
      sample(text, 'sessionjar_sessions_suspicious_total{app="www",reason="malformed-token"}'),
      1,
    );
    stop();
    await (await sessions.load(request({}))).signIn("bob");
    assert.equal(sample(m.render(), 'sessionjar_sessions_created_total{app="www"}'), 1, "stopped");
  });

  test("two managers with the same constant labels in another order share the counters", async () => {
    const m = createMetrics();
    const www = createSessions({ store: memoryStore() });
    const admin = createSessions({ store: memoryStore() });
    m.observeSessions(www, { labels: { app: "www", env: "prod" } });
    m.observeSessions(admin, { labels: { env: "prod", app: "admin" } });
    await (await www.load(request({}))).signIn("alice");
    await (await admin.load(request({}))).signIn("root");
    const text = m.render();
    assert.equal(sample(text, 'sessionjar_sessions_created_total{app="www",env="prod"}'), 1);
    assert.equal(sample(text, 'sessionjar_sessions_created_total{app="admin",env="prod"}'), 1);
    // Other names are still refused.
    assert.throws(
      () => m.observeSessions(admin, { labels: { app: "x" } }),
      (e: unknown) => e instanceof MetricsError && e.code === "ERR_METRICS_LABELS_INVALID",
    );
  });

  test("a store that fails is counted by operation and code", async () => {
    const m = createMetrics();
    const broken = memoryStore();
    broken.create = () => Promise.reject(new Error("down"));
    const sessions = createSessions({ store: broken });
    m.observeSessions(sessions);
    await assert.rejects((await sessions.load(request({}))).signIn("alice"));
    assert.equal(
      sample(
        m.render(),
        'sessionjar_session_store_errors_total{operation="create",code="ERR_STORE_UNAVAILABLE"}',
      ),
      1,
    );
  });

  test("CSRF refusals by reason, cross-site unsafe requests by site", () => {
    const m = createMetrics();
    const csrf = createCsrf({ origin: WWW, keys: [{ id: "k1", secret: randomBytes(32) }] });
    m.observeCsrf(csrf);
    const evil = request(
      { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
      "POST",
    );
    for (let i = 0; i < 2; i++) csrf.check({ request: evil, binding: null, token: undefined });
    csrf.check({
      request: request({ origin: WWW, "sec-fetch-site": "same-origin" }, "POST"),
      binding: "b",
      token: undefined,
    });
    const text = m.render();
    assert.equal(
      sample(
        text,
        'sessionjar_csrf_rejections_total{reason="cross_site_request",report_only="false"}',
      ),
      2,
    );
    assert.equal(
      sample(
        text,
        'sessionjar_csrf_rejections_total{reason="csrf_token_missing",report_only="false"}',
      ),
      1,
    );
    assert.equal(
      sample(
        text,
        'sessionjar_cross_site_unsafe_requests_total{site="https://evil.example",allowed="false"}',
      ),
      2,
    );
  });

  test("an instrumented CORS policy decides as the policy and counts grants and refusals", () => {
    const m = createMetrics();
    const policy = createCorsPolicy({ origins: [WWW], credentials: true });
    const cors = m.instrumentCors(policy, { labels: { app: "api" } });
    const www = request({ origin: WWW });
    const evil = request({ origin: "https://evil.example" });
    assert.deepEqual(cors.decide(www), policy.decide(www));
    assert.deepEqual(cors.decide(evil), policy.decide(evil));
    cors.decide(request({}));
    const pre = request(
      { origin: "https://evil.example", "access-control-request-method": "POST" },
      "OPTIONS",
    );
    assert.equal(cors.decide(pre).kind, "preflight");
    assert.equal(cors.credentials, true);
    const text = m.render();
    assert.equal(
      sample(
        text,
        'sessionjar_cors_requests_total{app="api",kind="actual",allowed="true",site="https://shop.test"}',
      ),
      1,
    );
    assert.equal(
      sample(
        text,
        'sessionjar_cors_requests_total{app="api",kind="actual",allowed="false",site="https://evil.example"}',
      ),
      1,
    );
    assert.equal(
      sample(
        text,
        'sessionjar_cors_requests_total{app="api",kind="preflight",allowed="false",site="https://evil.example"}',
      ),
      1,
    );
  });
});
