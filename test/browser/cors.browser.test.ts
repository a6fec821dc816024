// CORS in a real browser: an API on https://api.shop.test with its own cookie session, read by
// pages on its same-site sibling www.shop.test (granted) and on evil.example (not granted), all
// served by one HTTPS server to a headless Chromium. The API applies `createCorsPolicy`'s
// decision by hand (no adapter glue), and every test asserts both sides: what the page's script
// could see, and what the server actually received and answered (Origin, preflight headers,
// whether the API's session cookie came, the CORS headers it sent back).
import assert from "node:assert/strict";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { withSessions } from "../../src/adapters/node/index.js";
import { type CorsPolicy, createCorsPolicy, explainCors } from "../../src/cors/index.js";
import { createSessions } from "../../src/session/index.js";
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
const API_COOKIE = "__Host-api_session";
const SUMMARY = "/cart/summary";
const ITEMS = "/cart/items";
// Page actions time out after 10 s (the harness's bound); a test after 15 s; the suite after 45 s.
const TEST_TIMEOUT_MS = 15_000;

type Headers = Record<string, string | string[]>;

/** What the server saw of one request, and what it answered. */
interface Exchange {
  host: string;
  method: string;
  path: string;
  origin: string | undefined;
  secFetchSite: string | undefined;
  secFetchMode: string | undefined;
  accessControlRequestMethod: string | undefined;
  accessControlRequestHeaders: string | undefined;
  contentType: string | undefined;
  csrfToken: string | undefined;
  /** Names of every cookie the request carried. */
  cookies: string[];
  /** The request carried the API's session cookie. */
  apiCookie: boolean;
  /** The status and headers (lower-case names) as they were written, once they were. */
  status?: number;
  headers?: Headers;
}

const seen: Exchange[] = [];

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

function lowerHeaders(h: OutgoingHttpHeaders): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.map(String) : String(v);
  }
  return out;
}

/**
 * Wraps a host's handler so that every request is recorded before it runs, and its status and
 * headers when they are written. Node writes the head through `writeHead` in every case (an
 * implicit head too), so the snapshot is taken before a byte reaches the browser.
 */
function recorded(
  host: string,
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
) {
  return (req: IncomingMessage, res: ServerResponse): void | Promise<void> => {
    const cookies = cookieNames(req);
    const entry: Exchange = {
      host,
      method: req.method ?? "GET",
      path: new URL(req.url ?? "/", "https://x").pathname,
      origin: header(req, "origin"),
      secFetchSite: header(req, "sec-fetch-site"),
      secFetchMode: header(req, "sec-fetch-mode"),
      accessControlRequestMethod: header(req, "access-control-request-method"),
      accessControlRequestHeaders: header(req, "access-control-request-headers"),
      contentType: header(req, "content-type"),
      csrfToken: header(req, "x-csrf-token"),
      cookies,
      apiCookie: cookies.includes(API_COOKIE),
    };
    seen.push(entry);
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      const [status, ...rest] = args;
      const extra = rest.find((a) => typeof a === "object" && a !== null && !Array.isArray(a)) as
        | OutgoingHttpHeaders
        | undefined;
      entry.status = status as number;
      entry.headers = lowerHeaders({ ...res.getHeaders(), ...lowerHeaders(extra ?? {}) });
      return (writeHead as (...a: unknown[]) => ServerResponse).apply(res, args);
    } as typeof res.writeHead;
    return handler(req, res);
  };
}

/** The exchanges the API saw for `method path`, oldest first. */
function apiSaw(method: string, path: string): Exchange[] {
  return seen.filter((s) => s.host === API && s.method === method && s.path === path);
}

function onlyApi(method: string, path: string): Exchange {
  return exactlyOne(apiSaw(method, path), `${method} ${path}`, seen);
}

// Headers go through setHeader, never writeHead's argument: the session wrapper merges its own
// (Vary: Cookie, Cache-Control) into them.
function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.setHeader("content-type", type);
  res.statusCode = status;
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(body));
}

/**
 * Every page on www and evil.example: an empty document with `window.probe(url, init)`, a fetch
 * that reports what the script could see instead of throwing.
 */
const PROBE_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>probe</title></head><body>
<script>
  window.probe = async (url, init) => {
    try {
      const r = await fetch(url, init);
      let body;
      try { body = await r.text(); } catch (e) { body = "unreadable: " + e; }
      return { resolved: true, type: r.type, status: r.status, body, acao: r.headers.get("access-control-allow-origin") };
    } catch (e) {
      return { resolved: false, name: e && e.name, error: String(e) };
    }
  };
</script></body></html>`;

function probePage(_req: IncomingMessage, res: ServerResponse): void {
  send(res, 200, "text/html; charset=utf-8", PROBE_PAGE);
}

interface CartItem {
  sku: string;
  qty: number;
}
type ApiData = { cart: CartItem[] };

/**
 * The API on api.shop.test: CORS decided by hand before anything else (a preflight is answered
 * 204 without running the route or loading the session), then sessions from the node adapter.
 */
function api(getPolicy: () => CorsPolicy) {
  const sessions = createSessions<ApiData>({
    store: memoryStore(),
    cookie: { name: API_COOKIE },
  });
  const routes = withSessions(
    sessions,
    async (req, res, session) => {
      const route = `${req.method ?? "GET"} ${new URL(req.url ?? "/", "https://x").pathname}`;
      switch (route) {
        case "GET /session/start":
          await session.signIn("alice", { data: { cart: [{ sku: "tea", qty: 2 }] } });
          send(res, 200, "text/html; charset=utf-8", '<p id="started">api session started</p>');
          return;
        case `GET ${SUMMARY}`: {
          const cart = session.get("cart") ?? [];
          json(res, 200, {
            user: session.userId,
            items: cart.reduce((n, i) => n + i.qty, 0),
          });
          return;
        }
        case `POST ${ITEMS}`: {
          const item = JSON.parse(await readBody(req)) as CartItem;
          if (session.userId === null) {
            json(res, 401, { error: { code: "session_required" } });
            return;
          }
          const cart = [...(session.get("cart") ?? []), item];
          session.set("cart", cart);
          json(res, 201, { user: session.userId, lines: cart.length });
          return;
        }
        default:
          json(res, 404, { error: { code: "not_found" } });
      }
    },
    { csrf: false },
  );
  return (req: IncomingMessage, res: ServerResponse): void | Promise<void> => {
    const decision = getPolicy().decide({
      method: req.method ?? "GET",
      header: (name) => header(req, name),
    });
    for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
    if (decision.kind === "preflight") {
      res.statusCode = decision.status;
      res.end();
      return;
    }
    return routes(req, res);
  };
}

/** What `window.probe` gives back. */
interface ProbeResult {
  resolved: boolean;
  type?: string;
  status?: number;
  body?: string;
  acao?: string | null;
  name?: string;
  error?: string;
}

/** Runs `window.probe(url, init)` in the page; page.evaluate has no timeout of its own. */
async function probe(page: Page, url: string, init: Record<string, unknown>): Promise<ProbeResult> {
  // A string expression: the project's TypeScript has no DOM lib, and tsx may rewrite functions.
  const expression = `window.probe(${JSON.stringify(url)}, ${JSON.stringify(init)})`;
  return (await withTimeout(
    expression,
    ACTION_TIMEOUT_MS,
    page.evaluate(expression),
  )) as ProbeResult;
}

/** The value of one recorded response header as a single string (lists joined). */
function got(e: Exchange, name: string): string | undefined {
  const v = e.headers?.[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

function varyList(e: Exchange): string[] {
  return (got(e, "vary") ?? "").split(",").map((v) => v.trim().toLowerCase());
}

const ACCESS_CONTROL = /^access-control-/;

function accessControlHeaders(e: Exchange): string[] {
  return Object.keys(e.headers ?? {}).filter((k) => ACCESS_CONTROL.test(k));
}

describe("CORS in real Chromium", { timeout: 45_000 }, () => {
  let harness: BrowserHarness | undefined;
  let policy: CorsPolicy | undefined;
  let startedAt = 0;
  const consoleLines: string[] = [];
  // Test 5 explains what tests 1 and 3 recorded.
  let grantedRead: Exchange | undefined;
  let refusedRead: Exchange | undefined;
  let preflightedPost: Exchange | undefined;

  const h = (): BrowserHarness => {
    if (harness === undefined) throw new Error("the harness did not start");
    return harness;
  };
  const getPolicy = (): CorsPolicy => {
    if (policy === undefined) throw new Error("the policy is made once the port is known");
    return policy;
  };

  before(async () => {
    startedAt = Date.now();
    harness = await startBrowserHarness({
      hosts: {
        [WWW]: recorded(WWW, probePage),
        [API]: recorded(API, api(getPolicy)),
        [EVIL]: recorded(EVIL, probePage),
      },
    });
    policy = createCorsPolicy({
      origins: [harness.origin(WWW)],
      credentials: true,
      methods: ["GET", "POST"],
      allowedHeaders: ["Content-Type", "X-CSRF-Token"],
    });
  });

  after(async () => {
    await harness?.close();
    console.log(`browser CORS suite: ${Date.now() - startedAt} ms including Chromium start/stop`);
  });

  beforeEach(() => {
    seen.length = 0;
    consoleLines.length = 0;
  });

  afterEach((t) => {
    // BROWSER_DEBUG=1 prints what the server saw and what Chromium logged in each test.
    if (process.env.BROWSER_DEBUG) {
      console.log(t.name, JSON.stringify(seen, null, 1), consoleLines);
    }
  });

  /**
   * A fresh context (own cookie jar, own preflight cache) that visited api's /session/start
   * top-level, so it holds the API's host-only Lax session cookie; then a page on `host`.
   */
  async function pageOn(host: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await h().newContext();
    try {
      const page = await context.newPage();
      page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
      await page.goto(h().url(API, "/session/start"));
      assert.equal(await page.textContent("#started"), "api session started");
      const cookie = (await context.cookies(h().url(API, "/"))).find((c) => c.name === API_COOKIE);
      assert.ok(cookie, "the API session cookie was not stored");
      // Host-only on api (Playwright would show a domain cookie with a leading dot), Lax.
      assert.deepEqual(
        [cookie.domain, cookie.path, cookie.secure, cookie.httpOnly, cookie.sameSite],
        [API, "/", true, true, "Lax"],
      );
      assert.equal((await context.cookies(h().url(WWW, "/"))).length, 0);
      await page.goto(h().url(host, "/"));
      seen.length = 0;
      return { context, page };
    } catch (error) {
      await context.close();
      throw error;
    }
  }

  test("www reads /cart/summary with credentials: readable, cookie sent, exact grant", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const { context, page } = await pageOn(WWW);
    try {
      const r = await probe(page, h().url(API, SUMMARY), { credentials: "include" });
      assert.equal(r.resolved, true, JSON.stringify(r));
      assert.equal(r.type, "cors");
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body ?? ""), { user: "alice", items: 2 });
      // The grant opens the body and safelisted headers, not Access-Control-Allow-Origin itself.
      assert.equal(r.acao, null);

      const get = onlyApi("GET", SUMMARY);
      assert.equal(get.origin, h().origin(WWW));
      assert.equal(get.secFetchSite, "same-site");
      assert.equal(get.secFetchMode, "cors");
      assert.equal(get.apiCookie, true, JSON.stringify(get));
      assert.equal(get.status, 200);
      assert.equal(got(get, "access-control-allow-origin"), h().origin(WWW));
      assert.equal(got(get, "access-control-allow-credentials"), "true");
      assert.ok(varyList(get).includes("origin"), `Vary: ${got(get, "vary")}`);
      // The session wrapper merged its own Vary: Cookie into the policy's Vary: Origin.
      assert.ok(varyList(get).includes("cookie"), `Vary: ${got(get, "vary")}`);
      // A simple GET: no preflight.
      assert.equal(apiSaw("OPTIONS", SUMMARY).length, 0);
      grantedRead = get;
    } finally {
      await context.close();
    }
  });

  test("evil.example reads /cart/summary with credentials: TypeError, no grant, no cookie", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const { context, page } = await pageOn(EVIL);
    try {
      const r = await probe(page, h().url(API, SUMMARY), { credentials: "include" });
      assert.equal(r.resolved, false, JSON.stringify(r));
      assert.equal(r.name, "TypeError");
      assert.match(r.error ?? "", /^TypeError: Failed to fetch/);

      // The request did reach the API, which answered it: CORS hides, it does not block.
      const get = onlyApi("GET", SUMMARY);
      assert.equal(get.origin, h().origin(EVIL));
      assert.equal(get.secFetchSite, "cross-site");
      assert.equal(get.secFetchMode, "cors");
      // SameSite=Lax: the API's cookie stays home on a cross-site fetch, credentials or not.
      assert.equal(get.apiCookie, false, JSON.stringify(get));
      assert.deepEqual(get.cookies, []);
      assert.equal(get.status, 200);
      assert.deepEqual(accessControlHeaders(get), []);
      assert.ok(varyList(get).includes("origin"), `Vary: ${got(get, "vary")}`);
      refusedRead = get;
    } finally {
      await context.close();
    }
  });

  test("a preflighted JSON POST: granted from www, never sent from evil.example", {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const init = {
      method: "POST",
      credentials: "include",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": "t0k3n" },
      body: JSON.stringify({ sku: "cups", qty: 1 }),
    };

    const www = await pageOn(WWW);
    try {
      const r = await probe(www.page, h().url(API, ITEMS), init);
      assert.equal(r.resolved, true, JSON.stringify(r));
      assert.equal(r.status, 201);
      assert.deepEqual(JSON.parse(r.body ?? ""), { user: "alice", lines: 2 });

      const preflight = onlyApi("OPTIONS", ITEMS);
      assert.equal(preflight.origin, h().origin(WWW));
      assert.equal(preflight.accessControlRequestMethod, "POST");
      // Chromium lists the unsafe headers lower-case, sorted, comma-separated without spaces.
      assert.equal(preflight.accessControlRequestHeaders, "content-type,x-csrf-token");
      assert.equal(preflight.secFetchMode, "cors");
      // A preflight never carries cookies, whatever the credentials mode.
      assert.deepEqual(preflight.cookies, []);
      assert.equal(preflight.status, 204);
      assert.equal(got(preflight, "access-control-allow-origin"), h().origin(WWW));
      assert.equal(got(preflight, "access-control-allow-credentials"), "true");
      assert.equal(got(preflight, "access-control-allow-methods"), "GET, POST");
      assert.equal(got(preflight, "access-control-allow-headers"), "content-type, x-csrf-token");
      assert.equal(got(preflight, "access-control-max-age"), "600");
      assert.deepEqual(varyList(preflight), [
        "origin",
        "access-control-request-method",
        "access-control-request-headers",
      ]);

      const post = onlyApi("POST", ITEMS);
      assert.ok(seen.indexOf(preflight) < seen.indexOf(post), "the preflight came before the POST");
      assert.equal(post.origin, h().origin(WWW));
      assert.equal(post.apiCookie, true);
      assert.equal(post.contentType, "application/json");
      assert.equal(post.csrfToken, "t0k3n");
      assert.equal(post.status, 201);
      assert.equal(got(post, "access-control-allow-origin"), h().origin(WWW));
      assert.equal(got(post, "access-control-allow-credentials"), "true");
      preflightedPost = post;
    } finally {
      await www.context.close();
    }

    seen.length = 0;
    const evil = await pageOn(EVIL);
    try {
      const r = await probe(evil.page, h().url(API, ITEMS), init);
      assert.equal(r.resolved, false, JSON.stringify(r));
      assert.equal(r.name, "TypeError");

      const preflight = onlyApi("OPTIONS", ITEMS);
      assert.equal(preflight.origin, h().origin(EVIL));
      assert.equal(preflight.secFetchSite, "cross-site");
      assert.equal(preflight.accessControlRequestMethod, "POST");
      assert.equal(preflight.accessControlRequestHeaders, "content-type,x-csrf-token");
      assert.deepEqual(preflight.cookies, []);
      assert.equal(preflight.status, 204);
      assert.deepEqual(accessControlHeaders(preflight), []);
      // The refused preflight stopped it: the POST itself never reached the API.
      assert.equal(apiSaw("POST", ITEMS).length, 0, JSON.stringify(seen));
    } finally {
      await evil.context.close();
    }
  });

  test('credentials "omit" from www: readable, but no cookie sent', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const { context, page } = await pageOn(WWW);
    try {
      const r = await probe(page, h().url(API, SUMMARY), { credentials: "omit" });
      assert.equal(r.resolved, true, JSON.stringify(r));
      assert.equal(r.status, 200);
      // No cookie, so the API saw no session.
      assert.deepEqual(JSON.parse(r.body ?? ""), { user: null, items: 0 });

      const get = onlyApi("GET", SUMMARY);
      assert.equal(get.origin, h().origin(WWW));
      assert.deepEqual(get.cookies, []);
      // The grant is the same; an uncredentialed request just does not need its ACAC.
      assert.equal(got(get, "access-control-allow-origin"), h().origin(WWW));
      assert.equal(got(get, "access-control-allow-credentials"), "true");
    } finally {
      await context.close();
    }
  });

  test("explainCors agrees with Chromium on the recorded exchanges", {
    timeout: TEST_TIMEOUT_MS,
  }, () => {
    assert.ok(grantedRead?.headers && grantedRead.status !== undefined, "test 1 recorded nothing");
    assert.ok(refusedRead?.headers && refusedRead.status !== undefined, "test 2 recorded nothing");
    assert.ok(preflightedPost?.headers !== undefined, "test 3 recorded nothing");
    const explain = (e: Exchange, headers?: Record<string, string>) =>
      explainCors(
        {
          url: h().url(API, e.path),
          method: e.method,
          origin: e.origin ?? "",
          credentials: "include",
          ...(headers === undefined ? {} : { headers }),
        },
        { status: e.status ?? 0, headers: e.headers ?? {} },
      );

    const granted = explain(grantedRead);
    assert.equal(granted.exposed, true);
    assert.equal(granted.cookiesSent, true);
    assert.equal(granted.sameSite, true);
    assert.equal(granted.preflight, false);
    assert.deepEqual(
      granted.findings.filter((f) => !f.ok),
      [],
    );

    const refused = explain(refusedRead);
    assert.equal(refused.exposed, false);
    assert.equal(refused.sameSite, false);
    const acao = refused.findings.find((f) => f.rule === "allow-origin");
    assert.ok(acao, JSON.stringify(refused.findings));
    assert.equal(acao.ok, false);
    assert.match(acao.message, /no Access-Control-Allow-Origin/);
    assert.match(acao.message, new RegExp(`Access-Control-Allow-Origin: ${h().origin(EVIL)}`));
    // cookiesSent means "credentials mode lets cookies go", which "include" does; which ones go
    // is the cross-site finding: only SameSite=None, so not the API's Lax cookie (as observed).
    assert.equal(refused.cookiesSent, true);
    assert.match(
      refused.findings.find((f) => f.rule === "cross-site")?.message ?? "",
      /only cookies marked SameSite=None; Secure travel/,
    );
    assert.equal(refusedRead.apiCookie, false);

    // Test 3's POST, with the headers the script set: preflighted, and readable.
    const post = explain(preflightedPost, {
      "Content-Type": "application/json",
      "X-CSRF-Token": "t0k3n",
    });
    assert.equal(post.preflight, true);
    assert.equal(post.exposed, true);
  });
});
