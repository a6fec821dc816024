// CSRF in a real browser: a small shop on https://www.shop.test, a sibling on api.shop.test and
// an attacker on evil.example, all served by one HTTPS server to a headless Chromium that treats
// them as the distinct sites they are. Every test asserts what the server actually received
// (Fetch Metadata, Origin, whether the session cookie came) and what happened to the order.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { withSessions } from "../../src/adapters/node/index.js";
import { type Csrf, type CsrfEvent, createCsrf } from "../../src/csrf/index.js";
import { createSessions, type RequestSession } from "../../src/session/index.js";
import { memoryStore } from "../../src/stores/index.js";
import {
  ACTION_TIMEOUT_MS,
  type BrowserHarness,
  exactlyOne,
  readBody,
  startBrowserHarness,
  withTimeout,
} from "./harness.js";

const WWW = "www.shop.test";
const API = "api.shop.test";
const EVIL = "evil.example";
const SESSION_COOKIE = "__Host-session";
const CANCEL = "/orders/842/cancel";
// Page actions time out after 10 s (the harness's bound); a test after 20 s; the suite after 60 s.
const TEST_TIMEOUT_MS = 20_000;

/** What the server saw of one request. */
interface Seen {
  host: string;
  method: string;
  path: string;
  secFetchSite: string | undefined;
  secFetchMode: string | undefined;
  secFetchDest: string | undefined;
  origin: string | undefined;
  referer: string | undefined;
  contentType: string | undefined;
  /** The request carried the session cookie. */
  sessionCookie: boolean;
  /** Names of every cookie it carried. */
  cookies: string[];
  /** The CSRF decision on it, when the app made one: "allowed" or the refusal's reason. */
  csrf?: string;
}

const seen: Seen[] = [];
const bySeen = new WeakMap<IncomingMessage, Seen>();
const csrfEvents: CsrfEvent[] = [];
let order: { id: number; status: "active" | "cancelled"; cancelledBy: string | null } = {
  id: 842,
  status: "active",
  cancelledBy: null,
};

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

function cookieNames(req: IncomingMessage): string[] {
  const raw = header(req, "cookie");
  if (raw === undefined) return [];
  return raw
    .split(";")
    .map((c) => c.trim().split("=")[0] ?? "")
    .filter((n) => n !== "");
}

/** Wraps a host's handler so that every request it gets is recorded before it runs. */
function recorded(
  host: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
) {
  return (req: IncomingMessage, res: ServerResponse): void | Promise<void> => {
    const cookies = cookieNames(req);
    const entry: Seen = {
      host,
      method: req.method ?? "GET",
      path: new URL(req.url ?? "/", "https://x").pathname,
      secFetchSite: header(req, "sec-fetch-site"),
      secFetchMode: header(req, "sec-fetch-mode"),
      secFetchDest: header(req, "sec-fetch-dest"),
      origin: header(req, "origin"),
      referer: header(req, "referer"),
      contentType: header(req, "content-type"),
      sessionCookie: cookies.includes(SESSION_COOKIE),
      cookies,
    };
    seen.push(entry);
    bySeen.set(req, entry);
    return handler(req, res);
  };
}

/** The requests the server saw for `method path` on www, oldest first. */
function seenAt(method: string, path: string): Seen[] {
  return seen.filter((s) => s.host === WWW && s.method === method && s.path === path);
}

function only(method: string, path: string): Seen {
  return exactlyOne(seenAt(method, path), `${method} ${path}`, seen);
}

/** The urlencoded form of a request, or an empty one for any other body. */
async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const body = await readBody(req);
  const type = (header(req, "content-type") ?? "").split(";")[0]?.trim().toLowerCase();
  return type === "application/x-www-form-urlencoded"
    ? new URLSearchParams(body)
    : new URLSearchParams();
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
  res.end(
    `<!doctype html><html><head><meta charset="utf-8"><title>shop</title></head><body>${body}</body></html>`,
  );
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

/** The shop on www.shop.test: sessions from the node adapter, CSRF checked by hand. */
function shop(getCsrf: () => Csrf) {
  const sessions = createSessions({ store: memoryStore() });

  const guardRequest = (req: IncomingMessage) => ({
    method: req.method ?? "GET",
    header: (name: string) => header(req, name),
  });

  /** Runs the CSRF check, records its outcome, and answers 403 when refused. */
  const checked = (
    req: IncomingMessage,
    res: ServerResponse,
    session: RequestSession,
    token: string | undefined,
  ): boolean => {
    const decision = getCsrf().check({
      request: guardRequest(req),
      binding: session.binding,
      token,
    });
    const entry = bySeen.get(req);
    if (entry !== undefined) entry.csrf = decision.ok ? "allowed" : decision.reason;
    if (decision.ok) return true;
    json(res, decision.status, { error: { code: decision.reason, message: decision.message } });
    return false;
  };

  return withSessions(
    sessions,
    async (req, res, session) => {
      const path = new URL(req.url ?? "/", "https://x").pathname;
      const route = `${req.method ?? "GET"} ${path}`;
      switch (route) {
        case "GET /login": {
          // No session yet: the token is bound to the __Host-csrf pre-session cookie.
          const issued = getCsrf().issue(guardRequest(req), session.binding);
          if (issued.setCookie !== undefined) res.appendHeader("set-cookie", issued.setCookie);
          html(
            res,
            200,
            `<form id="login" method="POST" action="/login">
            <input type="hidden" name="csrf_token" value="${escapeHtml(issued.token)}">
            <input name="user" autocomplete="off">
            <button type="submit" id="sign-in">Sign in</button>
          </form>`,
          );
          return;
        }
        case "POST /login": {
          const form = await readForm(req);
          if (!checked(req, res, session, form.get("csrf_token") ?? undefined)) return;
          await session.signIn(form.get("user") || "alice");
          res.writeHead(303, { location: "/checkout" }).end();
          return;
        }
        case "GET /checkout": {
          if (session.userId === null) {
            html(res, 200, `<p id="who">not signed in</p><a href="/login">sign in</a>`);
            return;
          }
          const { token } = getCsrf().issue(guardRequest(req), session.binding);
          const t = escapeHtml(token);
          html(
            res,
            200,
            `<meta name="csrf-token" content="${t}">
          <p>Signed in as <span id="who">${escapeHtml(session.userId)}</span></p>
          <p>Order 842: <span id="status">${order.status}</span></p>
          <form id="cancel-form" method="POST" action="${CANCEL}">
            <input type="hidden" name="csrf_token" value="${t}">
            <button type="submit" id="cancel-submit">Cancel (form)</button>
          </form>
          <button id="cancel-fetch">Cancel (fetch)</button>
          <button id="cancel-fetch-no-token">Cancel (fetch, no token)</button>
          <output id="result"></output>
          <script>
            const token = document.querySelector('meta[name="csrf-token"]').content;
            const show = async (p) => {
              const r = await p;
              document.getElementById("result").textContent =
                JSON.stringify({ status: r.status, body: await r.json() });
            };
            document.getElementById("cancel-fetch").onclick = () =>
              show(fetch("${CANCEL}", { method: "POST", headers: { "X-CSRF-Token": token } }));
            document.getElementById("cancel-fetch-no-token").onclick = () =>
              show(fetch("${CANCEL}", { method: "POST" }));
          </script>`,
          );
          return;
        }
        case `POST ${CANCEL}`: {
          const form = await readForm(req);
          const token = header(req, "x-csrf-token") ?? form.get("csrf_token") ?? undefined;
          if (!checked(req, res, session, token)) return;
          if (session.userId === null) {
            json(res, 401, { error: { code: "session_required" } });
            return;
          }
          order = { ...order, status: "cancelled", cancelledBy: session.userId };
          json(res, 200, { order });
          return;
        }
        case "GET /orders/842":
          json(res, 200, { order });
          return;
        default:
          json(res, 404, { error: { code: "not_found" } });
      }
    },
    { csrf: false },
  );
}

/** The sibling on api.shop.test: a form that posts to www, carrying whatever token it is given. */
function sibling(h: () => BrowserHarness) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "https://x");
    if (url.pathname !== "/sibling") {
      json(res, 404, { error: { code: "not_found" } });
      return;
    }
    html(
      res,
      200,
      `<form id="f" method="POST" action="${h().url(WWW, CANCEL)}">
        <input type="hidden" name="csrf_token" value="${escapeHtml(url.searchParams.get("token") ?? "")}">
        <button type="submit" id="go">Go</button>
      </form>`,
    );
  };
}

/** The attacker's pages on evil.example, by path. */
function attackerPage(path: string, h: BrowserHarness): string | undefined {
  const target = JSON.stringify(h.url(WWW, CANCEL));
  switch (path) {
    case "/autosubmit":
      // Submitted after load, without any user gesture: the classic CSRF page.
      return `<form id="f" method="POST" action=${target}>
          <input type="hidden" name="csrf_token" value="forged">
        </form>
        <script>addEventListener("load", () => setTimeout(() => document.getElementById("f").submit(), 0));</script>`;
    case "/fetch":
      return `<script>
          const attempt = async (init) => {
            try {
              const r = await fetch(${target}, { method: "POST", credentials: "include", ...init });
              let body = null;
              try { body = await r.text(); } catch (e) { body = "unreadable: " + e; }
              return { resolved: true, type: r.type, status: r.status, body };
            } catch (e) {
              return { resolved: false, error: String(e) };
            }
          };
          const form = { "content-type": "application/x-www-form-urlencoded" };
          window.attacks = {
            cors: () => attempt({ headers: form, body: "csrf_token=forged" }),
            noCors: () => attempt({ mode: "no-cors", headers: form, body: "csrf_token=forged" }),
            withHeader: () => attempt({ headers: { "X-CSRF-Token": "forged" } }),
          };
        </script>`;
    case "/link":
      return `<a id="go" href="${h.url(WWW, "/checkout")}">a great deal</a>`;
    default:
      return undefined;
  }
}

/** The attacker on evil.example. */
function attacker(h: () => BrowserHarness) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const page = attackerPage(new URL(req.url ?? "/", "https://x").pathname, h());
    if (page === undefined) json(res, 404, { error: { code: "not_found" } });
    else html(res, 200, page);
  };
}

// Page-side expressions as strings: the project's TypeScript has no DOM lib.
const RESULT_SHOWN = 'document.getElementById("result").textContent !== ""';
const CLEAR_RESULT = 'document.getElementById("result").textContent = ""';

/** page.evaluate has no timeout of its own: bound it like every other page action. */
function evaluate(page: Page, expression: string): Promise<unknown> {
  return withTimeout(expression, ACTION_TIMEOUT_MS, page.evaluate(expression));
}

interface AttackResult {
  resolved: boolean;
  type?: string;
  status?: number;
  body?: string | null;
  error?: string;
}

describe("CSRF in real Chromium", { timeout: 60_000 }, () => {
  let harness: BrowserHarness | undefined;
  let csrf: Csrf | undefined;
  let startedAt = 0;
  const h = (): BrowserHarness => {
    if (harness === undefined) throw new Error("the harness did not start");
    return harness;
  };
  const getCsrf = (): Csrf => {
    if (csrf === undefined) throw new Error("csrf is created once the port is known");
    return csrf;
  };

  before(async () => {
    startedAt = Date.now();
    harness = await startBrowserHarness({
      hosts: {
        [WWW]: recorded(WWW, shop(getCsrf)),
        [API]: recorded(API, sibling(h)),
        [EVIL]: recorded(EVIL, attacker(h)),
      },
    });
    csrf = createCsrf({
      origin: harness.origin(WWW),
      keys: [{ id: "k1", secret: randomBytes(32) }],
    });
    csrf.on("*", (e) => csrfEvents.push(e));
  });

  after(async () => {
    await harness?.close();
    console.log(`browser CSRF suite: ${Date.now() - startedAt} ms including Chromium start/stop`);
  });

  afterEach((t) => {
    // BROWSER_DEBUG=1 prints what the server saw in each test.
    if (process.env.BROWSER_DEBUG) console.log(t.name, JSON.stringify(seen, null, 1));
  });

  beforeEach(() => {
    seen.length = 0;
    csrfEvents.length = 0;
    order = { id: 842, status: "active", cancelledBy: null };
  });

  /** A fresh context signed in as alice through the real login form, on /checkout. */
  async function signedIn(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await h().newContext();
    const page = await context.newPage();
    await page.goto(h().url(WWW, "/login"));
    await page.fill('input[name="user"]', "alice");
    await Promise.all([page.waitForURL((u) => u.pathname === "/checkout"), page.click("#sign-in")]);
    assert.equal(await page.textContent("#who"), "alice");
    return { context, page };
  }

  test("sign-in through the login form stores a __Host- session cookie", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const { context } = await signedIn();
    try {
      const login = only("POST", "/login");
      assert.equal(login.csrf, "allowed");
      assert.equal(login.secFetchSite, "same-origin");
      assert.equal(login.origin, h().origin(WWW));
      // The sign-in form's token was bound to the pre-session cookie set by GET /login.
      assert.ok(login.cookies.includes("__Host-csrf"), JSON.stringify(login));
      assert.equal(login.sessionCookie, false);
      assert.equal(only("GET", "/checkout").sessionCookie, true);

      const cookies = await context.cookies(h().url(WWW, "/"));
      const session = cookies.find((c) => c.name === SESSION_COOKIE);
      assert.ok(session, `no session cookie in ${JSON.stringify(cookies)}`);
      // Host-only: Playwright shows a domain cookie with a leading dot.
      assert.equal(session.domain, WWW);
      assert.equal(session.path, "/");
      assert.equal(session.secure, true);
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, "Lax");
      const inSeconds = session.expires - Date.now() / 1000;
      assert.ok(inSeconds > 1700 && inSeconds <= 1801, `expires in ${inSeconds} s`);
      // Nothing of it is visible to the other hosts.
      assert.equal((await context.cookies(h().url(API, "/"))).length, 0);
      assert.equal((await context.cookies(h().url(EVIL, "/"))).length, 0);
    } finally {
      await context.close();
    }
  });

  test("a same-origin form submit with the token cancels the order", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const { context, page } = await signedIn();
    try {
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url() === h().url(WWW, CANCEL)),
        page.click("#cancel-submit"),
      ]);
      assert.equal(response.status(), 200);
      const post = only("POST", CANCEL);
      assert.equal(post.csrf, "allowed");
      assert.equal(post.secFetchSite, "same-origin");
      assert.equal(post.secFetchMode, "navigate");
      assert.equal(post.origin, h().origin(WWW));
      assert.equal(post.sessionCookie, true);
      assert.deepEqual(order, { id: 842, status: "cancelled", cancelledBy: "alice" });
    } finally {
      await context.close();
    }
  });

  test("a same-origin fetch with X-CSRF-Token is allowed; without it, 403 csrf_token_missing", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const { context, page } = await signedIn();
    try {
      await page.click("#cancel-fetch-no-token");
      await page.waitForFunction(RESULT_SHOWN);
      const refused = JSON.parse((await page.textContent("#result")) ?? "") as {
        status: number;
        body: { error: { code: string } };
      };
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, "csrf_token_missing");
      assert.equal(order.status, "active");

      await evaluate(page, CLEAR_RESULT);
      await page.click("#cancel-fetch");
      await page.waitForFunction(RESULT_SHOWN);
      const allowed = JSON.parse((await page.textContent("#result")) ?? "") as { status: number };
      assert.equal(allowed.status, 200);

      const [first, second] = seenAt("POST", CANCEL);
      assert.ok(first !== undefined && second !== undefined);
      for (const s of [first, second]) {
        assert.equal(s.secFetchSite, "same-origin");
        assert.equal(s.secFetchMode, "cors");
        assert.equal(s.secFetchDest, "empty");
        assert.equal(s.origin, h().origin(WWW));
        assert.equal(s.sessionCookie, true);
      }
      assert.equal(first.csrf, "csrf_token_missing");
      assert.equal(second.csrf, "allowed");
      assert.deepEqual(order, { id: 842, status: "cancelled", cancelledBy: "alice" });
      // What the page itself reads back (the browser's own resolver; context.request would not
      // honour --host-resolver-rules).
      const state = (await evaluate(page, 'fetch("/orders/842").then((r) => r.json())')) as {
        order: { status: string };
      };
      assert.equal(state.order.status, "cancelled");
    } finally {
      await context.close();
    }
  });

  test("an auto-submitting cross-site form from evil.example is refused", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const { context, page } = await signedIn();
    try {
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url() === h().url(WWW, CANCEL)),
        page.goto(h().url(EVIL, "/autosubmit")),
      ]);
      assert.equal(response.status(), 403);
      const post = only("POST", CANCEL);
      assert.equal(post.secFetchSite, "cross-site");
      assert.equal(post.secFetchMode, "navigate");
      assert.equal(post.origin, h().origin(EVIL));
      // SameSite=Lax: no session cookie on a cross-site POST, even one minutes-old.
      assert.equal(post.sessionCookie, false);
      assert.equal(post.csrf, "cross_site_request");
      assert.ok(
        csrfEvents.some((e) => e.type === "cross-site-unsafe" && e.origin === h().origin(EVIL)),
      );
      assert.equal(order.status, "active");
    } finally {
      await context.close();
    }
  });

  test("a credentialed cross-site fetch from evil.example is refused and unreadable", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const { context, page } = await signedIn();
    try {
      await page.goto(h().url(EVIL, "/fetch"));
      const cors = (await evaluate(page, "window.attacks.cors()")) as AttackResult;
      assert.equal(cors.resolved, false, JSON.stringify(cors));
      assert.match(cors.error ?? "", /TypeError/);
      const noCors = (await evaluate(page, "window.attacks.noCors()")) as AttackResult;
      assert.deepEqual(
        { resolved: noCors.resolved, type: noCors.type, status: noCors.status, body: noCors.body },
        { resolved: true, type: "opaque", status: 0, body: "" },
      );

      // Both simple requests did reach the server; both were refused and came without cookie.
      const posts = seenAt("POST", CANCEL);
      assert.equal(posts.length, 2, JSON.stringify(seen));
      for (const s of posts) {
        assert.equal(s.secFetchSite, "cross-site");
        assert.equal(s.origin, h().origin(EVIL));
        assert.equal(s.sessionCookie, false);
        assert.equal(s.csrf, "cross_site_request");
      }
      assert.deepEqual(
        posts.map((s) => s.secFetchMode),
        ["cors", "no-cors"],
      );

      // A custom header makes it a preflighted request: only the OPTIONS reaches the server.
      const withHeader = (await evaluate(page, "window.attacks.withHeader()")) as AttackResult;
      assert.equal(withHeader.resolved, false);
      assert.equal(seenAt("POST", CANCEL).length, 2);
      const preflight = only("OPTIONS", CANCEL);
      assert.equal(preflight.sessionCookie, false);
      assert.equal(preflight.secFetchSite, "cross-site");
      assert.equal(order.status, "active");
    } finally {
      await context.close();
    }
  });

  test("a form POST from the same-site sibling api.shop.test is refused", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const { context, page } = await signedIn();
    try {
      // Give the sibling a genuine token: the guard must refuse it on its origin alone.
      const token = await page.getAttribute('meta[name="csrf-token"]', "content");
      assert.ok(token);
      await page.goto(`${h().url(API, "/sibling")}?token=${encodeURIComponent(token)}`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url() === h().url(WWW, CANCEL)),
        page.click("#go"),
      ]);
      assert.equal(response.status(), 403);
      const post = only("POST", CANCEL);
      assert.equal(post.secFetchSite, "same-site");
      assert.equal(post.origin, h().origin(API));
      // Same-site: SameSite=Lax does not stop this one, the cookie came.
      assert.equal(post.sessionCookie, true);
      assert.equal(post.csrf, "same_site_request");
      assert.equal(order.status, "active");
    } finally {
      await context.close();
    }
  });

  test("a top-level link from evil.example to /checkout loads signed in", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const { context, page } = await signedIn();
    try {
      await page.goto(h().url(EVIL, "/link"));
      seen.length = 0;
      await Promise.all([
        page.waitForURL((u) => u.host === new URL(h().url(WWW)).host && u.pathname === "/checkout"),
        page.click("#go"),
      ]);
      assert.equal(await page.textContent("#who"), "alice");
      const get = only("GET", "/checkout");
      assert.equal(get.secFetchSite, "cross-site");
      assert.equal(get.secFetchMode, "navigate");
      assert.equal(get.sessionCookie, true);
      assert.equal(get.origin, undefined);
      assert.equal(get.referer, `${h().origin(EVIL)}/`);
      assert.equal(order.status, "active");
    } finally {
      await context.close();
    }
  });
});
