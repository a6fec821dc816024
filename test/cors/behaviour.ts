// The CORS behavioural suite every adapter passes over real HTTP: the same app (app.ts) behind
// the adapter's CORS glue, sessions and CSRF defence, the same requests, the same expectations.
// An adapter's test file calls testCorsAdapter with a function that serves the app through that
// adapter, CORS first. Browsers' headers (Origin, Sec-Fetch-*, Access-Control-Request-*,
// Cookie) are set by hand: Node's fetch lets us.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { parseSetCookie } from "../../src/cookie/index.js";
import { type CorsPolicy, createCorsPolicy } from "../../src/cors/index.js";
import { type Csrf, createCsrf } from "../../src/csrf/index.js";
import { createSessions, type Sessions } from "../../src/session/index.js";
import { memoryStore } from "../../src/stores/index.js";
import { CountingStore, type RunningServer } from "../sessions/behaviour.js";
import { CorsApp } from "./app.js";

export { CorsApp } from "./app.js";

// biome-ignore lint/suspicious/noExplicitAny: the suite reads JSON bodies loosely
type JsonBody = any;

/** What a server needs, made once its origin is known (the CSRF defence names it). */
export interface CorsSetup {
  sessions: Sessions<Record<string, unknown>>;
  csrf: Csrf;
  cors: CorsPolicy;
  app: CorsApp;
}

/**
 * Starts a server that routes every request to `app.handle` through the adapter: its CORS glue
 * first, then sessions, then the CSRF defence. The server listens first, then calls `setup` with
 * its origin (`http://127.0.0.1:<port>`).
 */
export type StartCorsServer = (setup: (origin: string) => CorsSetup) => Promise<RunningServer>;

/** The page the policy grants: a same-site sibling of the API, as deployed. */
const PAGE = "https://www.shop.test";
const EVIL = "https://www.evil.example";
const keys = [{ id: "k1", secret: randomBytes(32) }];
const METHODS = ["GET", "POST", "PUT"];
const ALLOWED_HEADERS = ["content-type", "x-csrf-token"];

interface Harness {
  origin: string;
  app: CorsApp;
  store: CountingStore;
  /** Calls the CSRF defence received, by method. */
  csrfCalls: { check: number; issue: number };
  policy: CorsPolicy;
  close(): Promise<void>;
}

async function harness(start: StartCorsServer): Promise<Harness> {
  let made: CorsSetup | undefined;
  const store = new CountingStore(memoryStore());
  const csrfCalls = { check: 0, issue: 0 };
  const server = await start((origin) => {
    const sessions = createSessions({ store, insecureLocalhost: true });
    // The page the CORS policy grants may also send unsafe requests: CSRF trusts it by name.
    const real = createCsrf({ origin, keys, trustedOrigins: [PAGE] });
    const csrf: Csrf = {
      check: (input) => {
        csrfCalls.check++;
        return real.check(input);
      },
      issue: (request, binding) => {
        csrfCalls.issue++;
        return real.issue(request, binding);
      },
      on: real.on,
    };
    const cors = createCorsPolicy({
      origins: [PAGE],
      methods: METHODS,
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: ["X-Request-Id"],
      credentials: true,
      maxAge: 600,
    });
    made = { sessions, csrf, cors, app: new CorsApp() };
    return made;
  });
  assert.ok(made, "the server did not call setup");
  return {
    origin: server.origin,
    app: made.app,
    store,
    csrfCalls,
    policy: made.cors,
    close: () => server.close(),
  };
}

interface Sent {
  status: number;
  body: JsonBody;
  res: Response;
}

interface SendInit {
  headers?: Record<string, string>;
  body?: string;
}

/** One browser: a cookie jar for the API's origin. */
class Client {
  readonly jar = new Map<string, string>();
  constructor(readonly origin: string) {}

  /** What a page on `page` makes its browser send with a credentialed fetch to the API. */
  static from(page: string): Record<string, string> {
    return { origin: page, "sec-fetch-site": "cross-site", "sec-fetch-mode": "cors" };
  }

  async send(method: string, path: string, init: SendInit = {}): Promise<Sent> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await fetch(this.origin + path, {
      method,
      redirect: "manual",
      headers: { ...(cookie === "" ? {} : { cookie }), ...(init.headers ?? {}) },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    for (const line of res.headers.getSetCookie()) {
      const r = parseSetCookie(line);
      if (r.type !== "cookie") continue;
      if ((r.cookie.maxAge ?? 1) <= 0) this.jar.delete(r.cookie.name);
      else this.jar.set(r.cookie.name, r.cookie.value);
    }
    const text = await res.text();
    const json = /^application\/json/.test(res.headers.get("content-type") ?? "");
    return { status: res.status, body: text === "" ? null : json ? JSON.parse(text) : text, res };
  }

  async token(): Promise<string> {
    const r = await this.send("GET", "/token");
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(typeof r.body.token, "string");
    return r.body.token;
  }

  /** Signs in same-origin: a pre-session token, then the POST. */
  async signIn(user: string): Promise<void> {
    const token = await this.token();
    const r = await this.send("POST", `/login?user=${user}`, {
      headers: { origin: this.origin, "sec-fetch-site": "same-origin", "x-csrf-token": token },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(this.jar.has("__Host-session"), "no session cookie after signing in");
  }
}

/** The `Vary` names, lower-case, in order; asserts none is listed twice. */
function varyOf(res: Response): string[] {
  const list = (res.headers.get("vary") ?? "")
    .split(",")
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== "");
  assert.equal(new Set(list).size, list.length, `Vary lists a name twice: ${list.join(", ")}`);
  return list;
}

function assertVary(res: Response, has: readonly string[], lacks: readonly string[] = []): void {
  const vary = varyOf(res);
  for (const v of has) assert.ok(vary.includes(v), `Vary "${vary.join(", ")}" lacks ${v}`);
  for (const v of lacks) assert.ok(!vary.includes(v), `Vary "${vary.join(", ")}" has ${v}`);
}

/** Every Access-Control-* header of the response, lower-case names. */
function accessControl(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (k.startsWith("access-control-")) out[k] = v;
  });
  return out;
}

/** The response grants `page` credentialed reading, and nothing a preflight answer would hold. */
function assertGranted(res: Response, page: string): void {
  assert.deepEqual(accessControl(res), {
    "access-control-allow-origin": page,
    "access-control-allow-credentials": "true",
    "access-control-expose-headers": "x-request-id",
  });
}

function assertNoGrant(res: Response): void {
  assert.deepEqual(accessControl(res), {}, "a refused origin got Access-Control-* headers");
}

export function testCorsAdapter(name: string, start: StartCorsServer): void {
  describe(`CORS over real HTTP: ${name}`, () => {
    let h: Harness;
    // One signed-in browser, whose cookie every cross-origin request carries (credentials).
    let alice: Client;
    before(async () => {
      h = await harness(start);
      alice = new Client(h.origin);
      await alice.signIn("alice");
    });
    after(async () => h.close());

    test("an allowed origin is echoed exactly, with credentials, exposed headers and Vary merged", async () => {
      const hits = h.app.hits;
      h.store.reset();
      const r = await alice.send("GET", "/me", { headers: Client.from(PAGE) });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body, { user: "alice" });
      assertGranted(r.res, PAGE);
      // Origin from CORS, Cookie from the session (it was read), Accept-Encoding from the handler.
      assertVary(r.res, ["origin", "cookie", "accept-encoding"]);
      assert.match(r.res.headers.get("x-request-id") ?? "", /^r-\d+$/);
      assert.equal(h.app.hits, hits + 1);
      assert.equal(h.store.reads, 1, "the session was not loaded for an actual request");
    });

    test("the handler's own Vary is kept and merged, never replaced", async () => {
      const r = await alice.send("GET", "/public", { headers: Client.from(PAGE) });
      assert.equal(r.status, 200);
      assertGranted(r.res, PAGE);
      // No session read here: the handler's Accept-Encoding and CORS's Origin, each once.
      assert.deepEqual(varyOf(r.res).sort(), ["accept-encoding", "origin"]);
      const read = await alice.send("GET", "/me", { headers: Client.from(PAGE) });
      assert.deepEqual(varyOf(read.res).sort(), ["accept-encoding", "cookie", "origin"]);
    });

    test("a disallowed origin gets no grant, Vary: Origin, and still reaches the handler", async () => {
      for (const origin of [
        EVIL,
        "http://www.shop.test",
        "https://shop.test",
        "https://www.shop.test.evil.example",
        "https://www.shop.test:8443",
        "null",
      ]) {
        const hits = h.app.hits;
        const r = await alice.send("GET", "/me", { headers: Client.from(origin) });
        assert.equal(r.status, 200, origin);
        assertNoGrant(r.res);
        assertVary(r.res, ["origin", "cookie", "accept-encoding"]);
        // CORS hides the answer from the page; it does not stop the request.
        assert.equal(h.app.hits, hits + 1, `${origin}: the handler did not run`);
      }
    });

    test("a preflight is answered 204 with exactly the allowed methods and headers, before sessions and CSRF", async () => {
      const hits = h.app.hits;
      const csrf = { ...h.csrfCalls };
      h.store.reset();
      // The cookie goes too (a browser would not send it): the session must not be loaded anyway.
      const r = await alice.send("OPTIONS", "/items", {
        headers: {
          ...Client.from(PAGE),
          "access-control-request-method": "PUT",
          "access-control-request-headers": "content-type,x-csrf-token",
        },
      });
      assert.equal(r.status, 204);
      assert.equal(r.body, null);
      assert.deepEqual(accessControl(r.res), {
        "access-control-allow-origin": PAGE,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": METHODS.join(", "),
        "access-control-allow-headers": ALLOWED_HEADERS.join(", "),
        "access-control-max-age": "600",
      });
      assert.equal(h.policy.methods.join(", "), METHODS.join(", "));
      assertVary(
        r.res,
        ["origin", "access-control-request-method", "access-control-request-headers"],
        ["cookie"],
      );
      assert.deepEqual(r.res.headers.getSetCookie(), []);
      assert.equal(r.res.headers.get("cache-control"), null);
      assert.deepEqual(h.store.calls, {}, "the session store was touched by a preflight");
      assert.deepEqual(h.csrfCalls, csrf, "the CSRF defence ran on a preflight");
      assert.equal(h.app.hits, hits, "a preflight reached the handler");
    });

    test("a refused preflight (origin, method or header not allowed) gets no grant", async () => {
      const hits = h.app.hits;
      h.store.reset();
      for (const [origin, method, headers] of [
        [PAGE, "DELETE", undefined],
        [PAGE, "PATCH", "content-type"],
        [PAGE, "PUT", "content-type, x-evil"],
        [PAGE, "put", undefined],
        [EVIL, "PUT", "content-type"],
        [EVIL, "GET", undefined],
      ] as const) {
        const r = await alice.send("OPTIONS", "/items", {
          headers: {
            ...Client.from(origin),
            "access-control-request-method": method,
            ...(headers === undefined ? {} : { "access-control-request-headers": headers }),
          },
        });
        const what = `${origin} ${method} ${headers ?? ""}`;
        assert.equal(r.status, 204, what);
        assert.deepEqual(accessControl(r.res), {}, what);
        assertVary(r.res, [
          "origin",
          "access-control-request-method",
          "access-control-request-headers",
        ]);
      }
      assert.deepEqual(h.store.calls, {});
      assert.equal(h.app.hits, hits);
    });

    test("a plain OPTIONS, without Access-Control-Request-Method, is no preflight: it reaches the handler", async () => {
      const hits = h.app.hits;
      const r = await alice.send("OPTIONS", "/items", { headers: Client.from(PAGE) });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { allow: "GET, POST, PUT" });
      // OPTIONS is not among the allowed methods of an actual request: no grant.
      assertNoGrant(r.res);
      assertVary(r.res, ["origin"]);
      assert.equal(h.app.hits, hits + 1);
    });

    test("preflight, then the actual request: the page's credentialed PUT goes through, granted", async () => {
      const token = await alice.token();
      const pre = await alice.send("OPTIONS", "/items", {
        headers: {
          ...Client.from(PAGE),
          "access-control-request-method": "PUT",
          "access-control-request-headers": "content-type, x-csrf-token",
        },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.res.headers.get("access-control-allow-origin"), PAGE);
      const count = h.app.count;
      const r = await alice.send("PUT", "/items", {
        headers: {
          ...Client.from(PAGE),
          "content-type": "application/json",
          "x-csrf-token": token,
        },
        body: JSON.stringify({ sku: "tea" }),
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body, { count: count + 1, user: "alice" });
      assertGranted(r.res, PAGE);
      // CSRF's Vary joins CORS's and the session's.
      assertVary(r.res, ["origin", "sec-fetch-site", "cookie"]);
    });

    test("CORS is no CSRF defence: an unsafe POST from a disallowed origin is refused by the CSRF guard", async () => {
      const token = await alice.token();
      const count = h.app.count;
      // A cross-site page's form or simple fetch: Fetch Metadata says cross-site.
      const crossSite = await alice.send("POST", "/items", {
        headers: { ...Client.from(EVIL), "x-csrf-token": token },
      });
      assert.equal(crossSite.status, 403, JSON.stringify(crossSite.body));
      assert.equal(crossSite.body?.error?.code, "cross_site_request");
      assertNoGrant(crossSite.res);
      assertVary(crossSite.res, ["origin", "sec-fetch-site", "cookie"]);
      // An older browser without Fetch Metadata: the Origin header alone decides.
      const noMetadata = await alice.send("POST", "/items", {
        headers: { origin: EVIL, "x-csrf-token": token },
      });
      assert.equal(noMetadata.status, 403, JSON.stringify(noMetadata.body));
      assert.equal(noMetadata.body?.error?.code, "origin_mismatch");
      assertNoGrant(noMetadata.res);
      assertVary(noMetadata.res, ["origin"]);
      assert.equal(h.app.count, count, "a refused POST reached the handler");

      // The allowed page: refused without its token, and the refusal is granted, so the page
      // can read why; with the token, it passes.
      const missing = await alice.send("POST", "/items", { headers: Client.from(PAGE) });
      assert.equal(missing.status, 403);
      assert.equal(missing.body?.error?.code, "csrf_token_missing");
      assertGranted(missing.res, PAGE);
      const ok = await alice.send("POST", "/items", {
        headers: { ...Client.from(PAGE), "x-csrf-token": token },
      });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assertGranted(ok.res, PAGE);
      assert.equal(h.app.count, count + 1);
    });

    test("a non-CORS request (no Origin) works and still gets Vary: Origin", async () => {
      const r = await alice.send("GET", "/me");
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { user: "alice" });
      assertNoGrant(r.res);
      assertVary(r.res, ["origin", "cookie", "accept-encoding"]);
      const anonymous = await new Client(h.origin).send("GET", "/public");
      assert.equal(anonymous.status, 200);
      assertNoGrant(anonymous.res);
      assert.deepEqual(varyOf(anonymous.res).sort(), ["accept-encoding", "origin"]);
    });
  });
}
