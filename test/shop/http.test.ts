// The shop's HTTP contract without a browser (../shared/spec/shop.md): sign-in and its
// failures, throttling, CSRF, orders, the API exchange and CORS, MFA rotation, revocation,
// the errors of bad input, and the HTTP port. Real servers on free ports, the memory store.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect } from "node:tls";
import { type RunningShop, startShop } from "../../examples/shop/server.js";
import { API_COOKIE, WWW_COOKIE } from "../../examples/shop/shop.js";
import { ShopClient, send, type Target } from "./client.js";

const WWW = "www.shop.test";
const API = "api.shop.test";
const EVIL = "evil.example";

let running: RunningShop;
let target: Target;
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "shop-http-"));
  running = await startShop({ port: 0, httpPort: 0, store: "memory", dataDir });
  target = { port: running.port, ca: running.certificate.cert };
});

after(async () => {
  await running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const www = (): ShopClient => new ShopClient(target, WWW);

/** The value of one sample of /metrics, 0 when absent. */
async function metric(selector: string): Promise<number> {
  const text = (await send(target, WWW, "/metrics")).body;
  const line = text.split("\n").find((l) => l.startsWith(`${selector} `));
  return line === undefined ? 0 : Number(line.slice(selector.length + 1));
}

async function signedIn(email: string, password: string): Promise<ShopClient> {
  const c = www();
  assert.equal((await c.login(email, password)).status, 200);
  return c;
}

function errorCode(body: string): string {
  return (JSON.parse(body) as { error: { code: string } }).error.code;
}

describe("shop over HTTP: sign-in", () => {
  test("success: a new __Host- session cookie with every attribute, no-store, the user", async () => {
    const c = www();
    const r = await c.login("alice@shop.test", "alice-password");
    assert.equal(r.status, 200);
    assert.deepEqual(r.json<{ user: unknown }>().user, {
      id: "alice",
      email: "alice@shop.test",
      name: "Alice",
      role: "customer",
    });
    const line = r.setCookie.find((l) => l.startsWith(`${WWW_COOKIE}=`));
    assert.ok(line !== undefined, `no session cookie in ${JSON.stringify(r.setCookie)}`);
    assert.match(
      line,
      /^__Host-shop_session=[^;]+; Max-Age=1800; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
    );
    assert.equal(r.headers["cache-control"], "private, no-store");
    const me = await c.get("/me");
    assert.equal(me.status, 200);
    const body = me.json<{ user: { id: string }; session: Record<string, unknown> }>();
    assert.equal(body.user.id, "alice");
    for (const k of [
      "id",
      "createdAt",
      "lastSeenAt",
      "idleExpiresAt",
      "absoluteExpiresAt",
      "elevated",
    ])
      assert.ok(k in body.session, `session.${k}`);
    assert.equal(body.session.elevated, false);
    assert.match(String(me.headers.vary), /Cookie/);
  });

  test("signing in again ends the session the request carried (no fixation)", async () => {
    const c = await signedIn("alice@shop.test", "alice-password");
    const before = c.cookies.get(WWW_COOKIE) as string;
    await c.login("alice@shop.test", "alice-password");
    assert.notEqual(c.cookies.get(WWW_COOKIE), before);
    const old = await send(target, WWW, "/me", { headers: { cookie: `${WWW_COOKIE}=${before}` } });
    assert.equal(old.status, 401);
    assert.equal(errorCode(old.body), "session_unknown");
  });

  test("failures: 401 without a session cookie; bad bodies are 4xx with a code", async () => {
    const c = www();
    const wrong = await c.login("alice@shop.test", "nope");
    assert.equal(wrong.status, 401);
    assert.equal(errorCode(wrong.body), "login_failed");
    assert.ok(!wrong.setCookie.some((l) => l.startsWith(WWW_COOKIE)));
    const unknown = await c.login("nobody@shop.test", "whatever");
    assert.equal(unknown.status, 401);
    assert.equal(errorCode(unknown.body), "login_failed");
    const missing = await c.post("/login", { email: "alice@shop.test" });
    assert.equal(missing.status, 400);
    assert.equal(errorCode(missing.body), "body_invalid");
    const token = (await c.get("/csrf")).json<{ token: string }>().token;
    const headers = { origin: c.origin, "sec-fetch-site": "same-origin", "x-csrf-token": token };
    const notJson = await c.request("/login", {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: "{nope",
    });
    assert.equal(notJson.status, 400);
    const text = await c.request("/login", {
      method: "POST",
      headers: { ...headers, "content-type": "text/plain" },
      body: "hi",
    });
    assert.equal(text.status, 415);
    assert.equal(errorCode(text.body), "unsupported_media_type");
    const huge = await c.request("/login", {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ email: "a@b.c", password: "x".repeat(20_000) }),
    });
    assert.equal(huge.status, 413);
    assert.equal(errorCode(huge.body), "body_too_large");
  });
});

describe("shop over HTTP: the audit page", () => {
  test("GET /audit serves the self-contained cookie audit page", async () => {
    const r = await send(target, WWW, "/audit", { headers: { accept: "text/html" } });
    assert.equal(r.status, 200);
    assert.match(String(r.headers["content-type"]), /^text\/html/);
    assert.match(r.body, /<title>sessionjar — cookie audit<\/title>/);
    // One document: the audit rules are bundled in, nothing is fetched.
    assert.doesNotMatch(r.body, /<script[^>]+src=/);
    assert.ok(r.body.length > 50_000);
  });
});

describe("shop over HTTP: preferences (session data)", () => {
  test("parallel changes of different preferences all land; bad names and too many are 400", async () => {
    const c = await signedIn("bob@shop.test", "bob-password");
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        c.post("/preferences", { name: `p${i}`, value: `v${i}` }),
      ),
    );
    for (const a of answers) assert.equal(a.status, 200);
    const prefs = (await c.get("/preferences")).json<{ preferences: Record<string, string> }>();
    assert.deepEqual(
      prefs.preferences,
      Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`p${i}`, `v${i}`])),
    );
    const bad = await c.post("/preferences", { name: "Not OK", value: "x" });
    assert.equal(bad.status, 400);
    assert.equal(errorCode(bad.body), "body_invalid");
    for (let i = 20; i < 50; i++) await c.post("/preferences", { name: `p${i}`, value: "x" });
    const full = await c.post("/preferences", { name: "one-more", value: "x" });
    assert.equal(errorCode(full.body), "too_many_preferences");
    assert.equal((await c.post("/preferences", { name: "p0", value: "changed" })).status, 200);
    const noToken = await c.postWithoutToken("/preferences", { name: "p1", value: "forged" });
    assert.equal(noToken.status, 403);
    assert.equal((await www().get("/preferences")).status, 401);
  });
});

describe("shop over HTTP: CSRF, orders", () => {
  test("an unsafe request needs the token and the same origin; refusals are counted", async () => {
    const c = await signedIn("alice@shop.test", "alice-password");
    const missingBefore = await metric(
      'sessionjar_csrf_rejections_total{app="www",reason="csrf_token_missing",report_only="false"}',
    );
    const noToken = await c.request("/orders/843/cancel", {
      method: "POST",
      headers: { origin: c.origin, "sec-fetch-site": "same-origin" },
    });
    assert.equal(noToken.status, 403);
    assert.equal(errorCode(noToken.body), "csrf_token_missing");
    const cross = await c.request("/orders/843/cancel", {
      method: "POST",
      headers: { origin: `https://${EVIL}:${target.port}`, "sec-fetch-site": "cross-site" },
    });
    assert.equal(cross.status, 403);
    assert.equal(errorCode(cross.body), "cross_site_request");
    assert.equal(
      await metric(
        'sessionjar_csrf_rejections_total{app="www",reason="csrf_token_missing",report_only="false"}',
      ),
      missingBefore + 1,
    );
    assert.ok(
      (await metric(
        `sessionjar_cross_site_unsafe_requests_total{app="www",site="https://${EVIL}",allowed="false"}`,
      )) >= 1,
    );
    assert.equal(running.shop.orders.get("843")?.status, "active");
  });

  test("someone else's order is a 404 and stays as it was; one's own is cancelled", async () => {
    const bob = await signedIn("bob@shop.test", "bob-password");
    const r = await bob.post("/orders/842/cancel");
    assert.equal(r.status, 404);
    assert.equal(errorCode(r.body), "order_not_found");
    assert.equal(running.shop.orders.get("842")?.status, "active");
    assert.equal((await bob.post("/orders/999/cancel")).status, 404);
    const own = await bob.post("/orders/901/cancel");
    assert.equal(own.status, 200);
    assert.equal(running.shop.orders.get("901")?.status, "cancelled");
  });

  test("without a session: 401 on what needs one, a redirect for the checkout page", async () => {
    const c = www();
    const r = await c.post("/orders/842/cancel");
    assert.equal(r.status, 401);
    assert.equal(errorCode(r.body), "session_required");
    const page = await c.get("/checkout", { accept: "text/html" });
    assert.equal(page.status, 303);
    assert.equal(page.headers.location, "/");
  });
});

describe("shop over HTTP: bad input", () => {
  test("the session cookie twice: 401, counted as suspicious, on every route", async () => {
    const c = await signedIn("alice@shop.test", "alice-password");
    const value = c.cookies.get(WWW_COOKIE) as string;
    const selector = 'sessionjar_sessions_suspicious_total{app="www",reason="duplicate-cookie"}';
    const before = await metric(selector);
    const cookie = `${WWW_COOKIE}=${value}; ${WWW_COOKIE}=${value}`;
    const r = await send(target, WWW, "/me", { headers: { cookie } });
    assert.equal(r.status, 401);
    assert.equal(errorCode(r.body), "session_cookie_duplicated");
    const post = await send(target, WWW, "/logout", {
      method: "POST",
      headers: { cookie, origin: c.origin, "sec-fetch-site": "same-origin" },
    });
    assert.equal(post.status, 401);
    assert.equal(await metric(selector), before + 2);
    // Nothing changed: the session still works with one cookie.
    assert.equal((await c.get("/me")).status, 200);
  });

  test("a malformed or tampered cookie: 401 with a code and the cookie cleared", async () => {
    const malformed = await send(target, WWW, "/me", {
      headers: { cookie: `${WWW_COOKIE}=%%not a token%%` },
    });
    assert.equal(malformed.status, 401);
    assert.equal(errorCode(malformed.body), "session_cookie_malformed");
    assert.ok(
      malformed.setCookie.some((l) => l.startsWith(`${WWW_COOKIE}=;`) && /Max-Age=0/.test(l)),
    );
    const c = await signedIn("alice@shop.test", "alice-password");
    const value = c.cookies.get(WWW_COOKIE) as string;
    const last = value.at(-1) === "A" ? "B" : "A";
    const tampered = await send(target, WWW, "/me", {
      headers: { cookie: `${WWW_COOKIE}=${value.slice(0, -1)}${last}` },
    });
    assert.equal(tampered.status, 401);
    assert.equal(errorCode(tampered.body), "session_unknown");
  });

  test("an oversized header: 431 with a code, never a crash", async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(
        { host: "127.0.0.1", port: target.port, servername: WWW, ca: target.ca },
        () => {
          socket.write(
            `GET /me HTTP/1.1\r\nhost: ${WWW}:${target.port}\r\ncookie: big=${"x".repeat(20_000)}\r\n\r\n`,
          );
        },
      );
      let text = "";
      socket.on("data", (d: Buffer) => {
        text += d.toString("utf8");
      });
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    assert.match(reply, /^HTTP\/1\.1 431 /);
    assert.match(reply, /"code":"header_too_large"/);
    assert.equal((await send(target, WWW, "/")).status, 200, "the server still answers");
  });

  test("unknown routes 404, wrong methods 405, unknown hosts 421, all with codes", async () => {
    const nope = await send(target, WWW, "/nope");
    assert.equal(nope.status, 404);
    assert.equal(errorCode(nope.body), "not_found");
    const apiNope = await send(target, API, "/nope", { method: "POST" });
    assert.equal(apiNope.status, 404);
    const evilNope = await send(target, EVIL, "/steal");
    assert.equal(evilNope.status, 404);
    const method = await send(target, WWW, "/orders/842/cancel");
    assert.equal(method.status, 405);
    assert.equal(method.headers.allow, "POST");
    const html = await send(target, WWW, "/nope", { headers: { accept: "text/html" } });
    assert.equal(html.status, 404);
    assert.match(String(html.headers["content-type"]), /^text\/html/);
    assert.match(html.body, /not_found/);
    const host = await send(target, WWW, "/", { headers: { host: "other.example" } });
    assert.equal(host.status, 421);
    assert.equal(errorCode(host.body), "unknown_host");
  });
});

describe("shop over HTTP: the API", () => {
  async function exchanged(
    email: string,
    password: string,
  ): Promise<{ www: ShopClient; api: ShopClient }> {
    const c = await signedIn(email, password);
    const code = await c.post("/exchange-code");
    assert.equal(code.status, 200);
    const body = code.json<{ code: string; api: string }>();
    assert.equal(body.api, `https://${API}:${target.port}`);
    const api = new ShopClient(target, API);
    // What checkout's fetch sends: www's origin, a same-site request, a JSON body.
    const fromWww = {
      origin: c.origin,
      "sec-fetch-site": "same-site",
      "content-type": "application/json",
    };
    const x = await api.request("/session/exchange", {
      method: "POST",
      headers: fromWww,
      body: JSON.stringify({ code: body.code }),
    });
    assert.equal(x.status, 200, x.body);
    assert.ok(
      x.setCookie.some((l) =>
        /^__Host-shop_api=[^;]+; Max-Age=\d+; Path=\/; Secure; HttpOnly; SameSite=Lax$/.test(l),
      ),
    );
    // A code works once.
    const again = await send(target, API, "/session/exchange", {
      method: "POST",
      headers: fromWww,
      body: JSON.stringify({ code: body.code }),
    });
    assert.equal(again.status, 401);
    assert.equal(errorCode(again.body), "exchange_code_invalid");
    return { www: c, api };
  }

  test("exchange once, then the cart with a credentialed CORS grant for www only", async () => {
    const { www: c, api } = await exchanged("alice@shop.test", "alice-password");
    const cart = await api.get("/cart/summary", { origin: c.origin });
    assert.equal(cart.status, 200);
    assert.equal(cart.json<{ user: { id: string } }>().user.id, "alice");
    assert.equal(cart.headers["access-control-allow-origin"], c.origin);
    assert.equal(cart.headers["access-control-allow-credentials"], "true");
    assert.match(String(cart.headers.vary), /Origin/);
    assert.match(String(cart.headers.vary), /Cookie/);
    assert.match(String(cart.headers["cache-control"]), /no-store/);
    const evil = await api.get("/cart/summary", { origin: `https://${EVIL}:${target.port}` });
    assert.equal(evil.headers["access-control-allow-origin"], undefined);
    assert.equal(evil.headers["access-control-allow-credentials"], undefined);
    const preflight = await send(target, API, "/session/exchange", {
      method: "OPTIONS",
      headers: {
        origin: c.origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers["access-control-allow-origin"], c.origin);
    assert.ok(api.cookies.has(API_COOKIE) && !api.cookies.has(WWW_COOKIE));
  });

  test("the exchange refuses other sites and bad codes", async () => {
    const cross = await send(target, API, "/session/exchange", {
      method: "POST",
      headers: {
        origin: `https://${EVIL}:${target.port}`,
        "sec-fetch-site": "cross-site",
        "content-type": "application/json",
      },
      body: JSON.stringify({ code: "x".repeat(43) }),
    });
    assert.equal(cross.status, 403);
    assert.equal(errorCode(cross.body), "cross_site_request");
    const bad = await send(target, API, "/session/exchange", {
      method: "POST",
      headers: {
        origin: `https://${WWW}:${target.port}`,
        "sec-fetch-site": "same-site",
        "content-type": "application/json",
      },
      body: JSON.stringify({ code: 42 }),
    });
    assert.equal(bad.status, 401);
    assert.equal(errorCode(bad.body), "exchange_code_invalid");
    assert.equal((await send(target, API, "/cart/summary")).status, 401);
  });

  test("signing out of www ends the API session exchanged from it, not the others", async () => {
    const one = await exchanged("alice@shop.test", "alice-password");
    const two = await exchanged("alice@shop.test", "alice-password");
    const out = await one.www.post("/logout");
    assert.equal(out.status, 200);
    const cleared = out.setCookie.find((l) => l.startsWith(`${WWW_COOKIE}=`));
    assert.match(
      String(cleared),
      /^__Host-shop_session=; Max-Age=0; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
    );
    assert.equal((await one.www.get("/me")).status, 401);
    assert.equal((await one.api.get("/cart/summary")).status, 401);
    assert.equal((await two.api.get("/cart/summary")).status, 200);
  });
});

describe("shop over HTTP: MFA, devices, admin", () => {
  test("MFA elevates and rotates: the old token stops working at once", async () => {
    const c = await signedIn("alice@shop.test", "alice-password");
    const old = c.cookies.get(WWW_COOKIE) as string;
    const wrong = await c.post("/mfa", { code: "000000" });
    assert.equal(wrong.status, 400);
    assert.equal(errorCode(wrong.body), "mfa_code_invalid");
    const ok = await c.post("/mfa", { code: "123456" });
    assert.equal(ok.status, 200);
    assert.equal(ok.json<{ session: { elevated: boolean } }>().session.elevated, true);
    assert.notEqual(c.cookies.get(WWW_COOKIE), old);
    const replay = await send(target, WWW, "/me", { headers: { cookie: `${WWW_COOKIE}=${old}` } });
    assert.equal(replay.status, 401);
    assert.equal(
      (await c.get("/me")).json<{ session: { elevated: boolean } }>().session.elevated,
      true,
    );
  });

  test("devices: list, revoke one, revoke others, revoke all", async () => {
    const a = await signedIn("admin@shop.test", "admin-password");
    const b = await signedIn("admin@shop.test", "admin-password");
    const c = await signedIn("admin@shop.test", "admin-password");
    const list = (await a.get("/sessions")).json<{ sessions: { id: string; current: boolean }[] }>()
      .sessions;
    assert.ok(list.length >= 3);
    assert.equal(list.filter((s) => s.current).length, 1);
    const bId = (await b.get("/me")).json<{ session: { id: string } }>().session.id;
    assert.equal((await a.post(`/sessions/${bId}/revoke`)).status, 200);
    assert.equal((await b.get("/me")).status, 401);
    assert.equal((await a.post("/sessions/nope/revoke")).status, 404);
    assert.ok((await a.post("/sessions/revoke-others")).json<{ revoked: number }>().revoked >= 1);
    assert.equal((await c.get("/me")).status, 401);
    assert.equal((await a.get("/me")).status, 200);
    assert.equal((await a.post("/sessions/revoke-all")).json<{ revoked: number }>().revoked, 1);
    assert.equal((await a.get("/me")).status, 401);
  });

  test("admin forced sign-out: admins only, every session of the user", async () => {
    const alice1 = await signedIn("alice@shop.test", "alice-password");
    const alice2 = await signedIn("alice@shop.test", "alice-password");
    const bob = await signedIn("bob@shop.test", "bob-password");
    const refused = await bob.post("/admin/users/alice/revoke-all");
    assert.equal(refused.status, 403);
    assert.equal(errorCode(refused.body), "admin_required");
    assert.equal((await alice1.get("/me")).status, 200);
    const admin = await signedIn("admin@shop.test", "admin-password");
    assert.equal((await admin.post("/admin/users/nobody/revoke-all")).status, 404);
    const r = await admin.post("/admin/users/alice/revoke-all");
    assert.equal(r.status, 200);
    assert.ok(r.json<{ revoked: number }>().revoked >= 2);
    assert.equal((await alice1.get("/me")).status, 401);
    assert.equal((await alice2.get("/me")).status, 401);
    assert.equal((await bob.get("/me")).status, 200);
    assert.ok((await metric('sessionjar_sessions_revoked_total{app="www",reason="admin"}')) >= 2);
  });
});

describe("shop over HTTP: the plain HTTP port", () => {
  test("redirects to the HTTPS origin with the same path", async () => {
    const reply = await new Promise<{ status: number; location: string | undefined }>(
      (resolve, reject) => {
        httpRequest(
          {
            host: "127.0.0.1",
            port: running.httpPort,
            path: "/checkout?x=1",
            headers: { host: `${WWW}:${running.httpPort}` },
          },
          (res) => {
            res.resume();
            resolve({ status: res.statusCode ?? 0, location: res.headers.location });
          },
        )
          .on("error", reject)
          .end();
      },
    );
    assert.equal(reply.status, 301);
    assert.equal(reply.location, `https://${WWW}:${running.port}/checkout?x=1`);
  });
});

describe("shop over HTTP: throttled sign-in", () => {
  let own: RunningShop;
  let ownTarget: Target;
  before(async () => {
    own = await startShop({
      port: 0,
      httpPort: 0,
      store: "memory",
      dataDir,
      throttle: { maxFailures: 3 },
    });
    ownTarget = { port: own.port, ca: own.certificate.cert };
  });
  after(() => own.close());

  test("repeated failures for one account are refused with 429, even with the right password", async () => {
    const c = new ShopClient(ownTarget, WWW);
    for (let i = 0; i < 3; i++) assert.equal((await c.login("bob@shop.test", "guess")).status, 401);
    const locked = await c.login("bob@shop.test", "bob-password");
    assert.equal(locked.status, 429);
    assert.equal(errorCode(locked.body), "login_throttled");
    assert.ok(Number(locked.headers["retry-after"]) > 0);
    assert.ok(!locked.setCookie.some((l) => l.startsWith(WWW_COOKIE)));
    // Another account is not affected.
    assert.equal(
      (await new ShopClient(ownTarget, WWW).login("admin@shop.test", "admin-password")).status,
      200,
    );
  });
});
