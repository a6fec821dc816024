// The CSRF behavioural suite every adapter passes over real HTTP: the same app (app.ts), the same
// requests, the same expectations, every reason code. An adapter's test file calls
// testCsrfAdapter with a function that serves the app through that adapter. Browsers' headers
// (Origin, Sec-Fetch-Site, Referer, Cookie) are set by hand: Node's fetch lets us.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { parseSetCookie } from "../../src/cookie/index.js";
import { type Csrf, type CsrfEvent, type CsrfOptions, createCsrf } from "../../src/csrf/index.js";
import { createSessions, type Sessions } from "../../src/session/index.js";
import { memoryStore } from "../../src/stores/index.js";
import type { RunningServer } from "../sessions/behaviour.js";
import { CsrfApp } from "./app.js";

export { CsrfApp } from "./app.js";

// biome-ignore lint/suspicious/noExplicitAny: the suite reads JSON bodies loosely
type JsonBody = any;

/** What a server needs, made once its origin is known (the CSRF defence names it). */
export interface CsrfSetup {
  sessions: Sessions<Record<string, unknown>>;
  csrf: Csrf;
  app: CsrfApp;
}

/**
 * Starts a server that routes every request to `app.handle` through the adapter, with the
 * adapter's CSRF defence. The server listens first, then calls `setup` with its origin
 * (`http://127.0.0.1:<port>`) to get the sessions, the defence and the app.
 */
export type StartCsrfServer = (setup: (origin: string) => CsrfSetup) => Promise<RunningServer>;

const keys = [{ id: "k1", secret: randomBytes(32) }];
const EVIL = "https://www.evil.example";
const PARTNER = "https://partner.example";
const LIMIT = 1024 * 1024;

interface Harness {
  origin: string;
  app: CsrfApp;
  events: CsrfEvent[];
  close(): Promise<void>;
}

async function harness(
  start: StartCsrfServer,
  options: Partial<CsrfOptions> = {},
  session: { insecureLocalhost: boolean } = { insecureLocalhost: true },
): Promise<Harness> {
  let made: CsrfSetup | undefined;
  const events: CsrfEvent[] = [];
  const server = await start((origin) => {
    const sessions = createSessions({ store: memoryStore(), ...session });
    const csrf = createCsrf({ origin, keys, ...options });
    csrf.on("*", (e) => events.push(e));
    made = { sessions, csrf, app: new CsrfApp() };
    return made;
  });
  assert.ok(made, "the server did not call setup");
  return { origin: server.origin, app: made.app, events, close: () => server.close() };
}

interface Sent {
  status: number;
  body: JsonBody;
  res: Response;
}

interface SendInit {
  headers?: Record<string, string>;
  body?: RequestInit["body"];
  /** Leave out the cookie jar. */
  noCookies?: boolean;
}

/** One browser: a cookie jar for the origin (session and pre-session cookies). */
class Client {
  readonly jar = new Map<string, string>();
  constructor(readonly origin: string) {}

  /** The headers a browser sends on a same-origin unsafe request. */
  get sameOrigin(): Record<string, string> {
    return { "sec-fetch-site": "same-origin", origin: this.origin };
  }

  async send(method: string, path: string, init: SendInit = {}): Promise<Sent> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await fetch(this.origin + path, {
      method,
      redirect: "manual",
      headers: {
        ...(cookie === "" || init.noCookies === true ? {} : { cookie }),
        ...(init.headers ?? {}),
      },
      ...(init.body === undefined ? {} : { body: init.body }),
      ...(init.body instanceof ReadableStream ? { duplex: "half" as const } : {}),
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

  async token(query = ""): Promise<string> {
    const r = await this.send("GET", `/token${query}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(typeof r.body.token, "string");
    return r.body.token;
  }

  /** Signs in through the sign-in form flow: a pre-session token, then the POST. */
  async signIn(user: string): Promise<void> {
    const token = await this.token();
    const r = await this.send("POST", `/login?user=${user}`, {
      headers: { ...this.sameOrigin, "x-csrf-token": token },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(this.jar.has("__Host-session"));
  }
}

function varyOf(res: Response): Set<string> {
  return new Set(
    (res.headers.get("vary") ?? "")
      .split(",")
      .map((v) => v.trim().toLowerCase())
      .filter((v) => v !== ""),
  );
}

function form(fields: Record<string, string>): URLSearchParams {
  return new URLSearchParams(fields);
}

/** A token with one character changed in its middle. */
function tamper(token: string): string {
  const i = Math.floor(token.length / 2);
  return token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1);
}

/** Options of {@link testCsrfAdapter}. */
export interface CsrfSuiteOptions {
  /**
   * The app's own URL-encoded parser (with a 1 MiB limit) reads those forms before the CSRF
   * defence: its 413 for one over the limit is its own, not `csrf_body_too_large`.
   */
  urlencodedParsedByApp?: boolean;
}

export function testCsrfAdapter(
  name: string,
  start: StartCsrfServer,
  options: CsrfSuiteOptions = {},
): void {
  const ownTooLarge = (body: JsonBody): void => {
    if (options.urlencodedParsedByApp !== true)
      assert.equal(body?.error?.code, "csrf_body_too_large");
  };
  describe(`CSRF over real HTTP: ${name}`, () => {
    let h: Harness;
    before(async () => {
      h = await harness(start, { trustedOrigins: [PARTNER] });
    });
    after(async () => h.close());

    /** Sends, expects the refusal with `reason`, and that no handler ran. */
    async function refused(
      c: Client,
      method: string,
      path: string,
      init: SendInit,
      reason: string,
    ): Promise<Sent> {
      const before = h.app.count;
      const r = await c.send(method, path, init);
      assert.equal(r.status, 403, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body?.error?.code, reason);
      assert.equal(typeof r.body.error.message, "string");
      assert.ok(r.body.error.message.length > 10);
      assert.match(r.res.headers.get("content-type") ?? "", /^application\/json/);
      assert.equal(r.res.headers.get("cache-control"), "no-store");
      const vary = varyOf(r.res);
      for (const v of ["origin", "sec-fetch-site", "cookie"])
        assert.ok(vary.has(v), `Vary ${r.res.headers.get("vary")} lacks ${v}`);
      assert.equal(h.app.count, before, "the handler ran for a refused request");
      return r;
    }

    /** Sends and expects the handler to have run. */
    async function passed(c: Client, method: string, path: string, init: SendInit): Promise<Sent> {
      const before = h.app.count;
      const r = await c.send(method, path, init);
      assert.equal(r.status, 200, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.equal(h.app.count, before + 1, "the handler did not run");
      return r;
    }

    const lastRejection = (): CsrfEvent | undefined =>
      h.events.filter((e) => e.type === "csrf-rejected").at(-1);

    test("safe methods pass untouched, even cross-site and without a token", async () => {
      const c = new Client(h.origin);
      const crossSite = { "sec-fetch-site": "cross-site", origin: EVIL };
      const before = h.app.count;
      for (const method of ["GET", "HEAD", "OPTIONS"]) {
        const r = await c.send(method, "/count", { headers: crossSite });
        assert.equal(r.status, 200, method);
        assert.equal(r.res.headers.get("cache-control"), null, method);
      }
      assert.equal(h.app.count, before);
      assert.equal(lastRejection(), undefined);
    });

    test("a token from the X-CSRF-Token header is accepted; the response varies on what was read", async () => {
      const c = new Client(h.origin);
      await c.signIn("header");
      const token = await c.token();
      for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
        const r = await passed(c, method, "/count", {
          headers: { ...c.sameOrigin, "x-csrf-token": token },
        });
        const vary = varyOf(r.res);
        for (const v of ["origin", "sec-fetch-site", "cookie"])
          assert.ok(vary.has(v), `${method}: Vary ${r.res.headers.get("vary")} lacks ${v}`);
      }
      // A handler that sets its own Vary keeps it, and the guard's is merged in.
      const own = await passed(c, "POST", "/own-vary", {
        headers: { ...c.sameOrigin, "x-csrf-token": token },
      });
      const vary = varyOf(own.res);
      for (const v of ["accept-language", "origin", "sec-fetch-site", "cookie"])
        assert.ok(vary.has(v), `own Vary: ${own.res.headers.get("vary")} lacks ${v}`);
      // Every method that is not GET, HEAD or OPTIONS is checked.
      for (const method of ["POST", "PUT", "PATCH", "DELETE"])
        await refused(c, method, "/count", { headers: c.sameOrigin }, "csrf_token_missing");
    });

    test("a token from a URL-encoded form field is accepted, and the handler still sees the form", async () => {
      const c = new Client(h.origin);
      await c.signIn("urlencoded");
      const token = await c.token();
      const r = await passed(c, "POST", "/echo", {
        headers: c.sameOrigin,
        body: form({ name: "Zoë & co", csrf_token: token }),
      });
      assert.deepEqual(r.body, { name: "Zoë & co", file: null });
      await refused(
        c,
        "POST",
        "/echo",
        { headers: c.sameOrigin, body: form({ name: "x" }) },
        "csrf_token_missing",
      );
    });

    test("a token from a multipart form field is accepted, and the handler still sees fields and files", async () => {
      const c = new Client(h.origin);
      await c.signIn("multipart");
      const token = await c.token();
      const body = new FormData();
      body.append("name", "multi");
      body.append("csrf_token", token);
      body.append("file", new Blob(["file body"], { type: "text/plain" }), "a.txt");
      const r = await passed(c, "POST", "/echo", { headers: c.sameOrigin, body });
      assert.deepEqual(r.body, {
        name: "multi",
        file: { name: "a.txt", type: "text/plain", text: "file body" },
      });
      const without = new FormData();
      without.append("name", "multi");
      await refused(
        c,
        "POST",
        "/echo",
        { headers: c.sameOrigin, body: without },
        "csrf_token_missing",
      );
    });

    test("the header comes first: a bad header token is not saved by a good form field", async () => {
      const c = new Client(h.origin);
      await c.signIn("first");
      const token = await c.token();
      await refused(
        c,
        "POST",
        "/echo",
        {
          headers: { ...c.sameOrigin, "x-csrf-token": tamper(token) },
          body: form({ csrf_token: token }),
        },
        "csrf_token_invalid",
      );
    });

    test("a token in the query string is never taken", async () => {
      const c = new Client(h.origin);
      await c.signIn("query");
      const token = await c.token();
      await refused(
        c,
        "POST",
        `/count?csrf_token=${token}`,
        { headers: c.sameOrigin },
        "csrf_token_missing",
      );
      await refused(
        c,
        "POST",
        `/echo?csrf_token=${token}`,
        { headers: c.sameOrigin, body: form({ name: "q" }) },
        "csrf_token_missing",
      );
    });

    test("csrf_token_invalid: another session's token, a tampered token, a repeated field", async () => {
      const alice = new Client(h.origin);
      const bob = new Client(h.origin);
      await alice.signIn("alice");
      await bob.signIn("bob");
      const bobs = await bob.token();
      await refused(
        alice,
        "POST",
        "/count",
        { headers: { ...alice.sameOrigin, "x-csrf-token": bobs } },
        "csrf_token_invalid",
      );
      const alices = await alice.token();
      await refused(
        alice,
        "POST",
        "/count",
        { headers: { ...alice.sameOrigin, "x-csrf-token": tamper(alices) } },
        "csrf_token_invalid",
      );
      await refused(
        alice,
        "POST",
        "/count",
        { headers: { ...alice.sameOrigin, "x-csrf-token": "not-a-token" } },
        "csrf_token_invalid",
      );
      const twice = new URLSearchParams([
        ["csrf_token", alices],
        ["csrf_token", alices],
      ]);
      await refused(
        alice,
        "POST",
        "/echo",
        { headers: alice.sameOrigin, body: twice },
        "csrf_token_invalid",
      );
      // The untampered token still works.
      await passed(alice, "POST", "/count", {
        headers: { ...alice.sameOrigin, "x-csrf-token": alices },
      });
    });

    test("cross_site_request: refused even with a valid token, with events naming the site", async () => {
      const c = new Client(h.origin);
      await c.signIn("crosssite");
      const token = await c.token();
      const from = h.events.length;
      await refused(
        c,
        "POST",
        "/count",
        { headers: { "sec-fetch-site": "cross-site", origin: EVIL, "x-csrf-token": token } },
        "cross_site_request",
      );
      assert.deepEqual(h.events.slice(from), [
        {
          type: "cross-site-unsafe",
          method: "POST",
          origin: EVIL,
          site: "https://evil.example",
          allowed: false,
        },
        {
          type: "csrf-rejected",
          reason: "cross_site_request",
          method: "POST",
          origin: EVIL,
          site: "https://evil.example",
          reportOnly: false,
        },
      ]);
    });

    test("a trusted origin passes cross-site (with its token); trust is exact", async () => {
      const c = new Client(h.origin);
      await c.signIn("partner");
      const token = await c.token();
      const from = h.events.length;
      await passed(c, "POST", "/count", {
        headers: { "sec-fetch-site": "cross-site", origin: PARTNER, "x-csrf-token": token },
      });
      assert.deepEqual(h.events.slice(from), [
        {
          type: "cross-site-unsafe",
          method: "POST",
          origin: PARTNER,
          site: "https://partner.example",
          allowed: true,
        },
      ]);
      await refused(
        c,
        "POST",
        "/count",
        {
          headers: {
            "sec-fetch-site": "cross-site",
            origin: `${PARTNER}.evil.example`,
            "x-csrf-token": token,
          },
        },
        "cross_site_request",
      );
    });

    test("same_site_request: a sibling of the same site", async () => {
      const c = new Client(h.origin);
      await c.signIn("sibling");
      const token = await c.token();
      await refused(
        c,
        "POST",
        "/count",
        {
          headers: {
            "sec-fetch-site": "same-site",
            origin: "http://127.0.0.1:1",
            "x-csrf-token": token,
          },
        },
        "same_site_request",
      );
    });

    test("origin_mismatch: another Origin without Fetch Metadata, or contradicting it", async () => {
      const c = new Client(h.origin);
      await c.signIn("mismatch");
      const token = await c.token();
      const port = Number(new URL(h.origin).port);
      for (const origin of [EVIL, `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`]) {
        await refused(
          c,
          "POST",
          "/count",
          { headers: { origin, "x-csrf-token": token } },
          "origin_mismatch",
        );
      }
      await refused(
        c,
        "POST",
        "/count",
        { headers: { "sec-fetch-site": "same-origin", origin: EVIL, "x-csrf-token": token } },
        "origin_mismatch",
      );
      // The server's own Origin, without Fetch Metadata, passes.
      await passed(c, "POST", "/count", { headers: { origin: h.origin, "x-csrf-token": token } });
    });

    test("referer_mismatch: no Origin, and a Referer of another origin", async () => {
      const c = new Client(h.origin);
      await c.signIn("referer");
      const token = await c.token();
      await refused(
        c,
        "POST",
        "/count",
        { headers: { referer: `${EVIL}/page`, "x-csrf-token": token } },
        "referer_mismatch",
      );
      await passed(c, "POST", "/count", {
        headers: { referer: `${h.origin}/page`, "x-csrf-token": token },
      });
    });

    test("null_origin: Origin: null", async () => {
      const c = new Client(h.origin);
      await c.signIn("null");
      const token = await c.token();
      await refused(
        c,
        "POST",
        "/count",
        { headers: { origin: "null", "x-csrf-token": token } },
        "null_origin",
      );
    });

    test("origin_missing (strict mode): no Sec-Fetch-Site, Origin nor Referer", async () => {
      const c = new Client(h.origin);
      await c.signIn("missing");
      const token = await c.token();
      await refused(c, "POST", "/count", { headers: { "x-csrf-token": token } }, "origin_missing");
    });

    test("a form over the limit is answered 413 without running the handler", async () => {
      const c = new Client(h.origin);
      await c.signIn("large");
      const token = await c.token();
      const before = h.app.count;
      const prefix = `csrf_token=${token}&pad=`;
      // Exactly at the limit: read, and accepted.
      const exact = prefix + "x".repeat(LIMIT - prefix.length);
      const ok = await c.send("POST", "/echo", {
        headers: { ...c.sameOrigin, "content-type": "application/x-www-form-urlencoded" },
        body: exact,
      });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      // One byte over, with a Content-Length.
      const r = await c.send("POST", "/echo", {
        headers: { ...c.sameOrigin, "content-type": "application/x-www-form-urlencoded" },
        body: `${exact}x`,
      });
      assert.equal(r.status, 413);
      ownTooLarge(r.body);
      if (options.urlencodedParsedByApp !== true)
        assert.equal(r.res.headers.get("cache-control"), "no-store");
      // Over the limit without a Content-Length (chunked): counted while read.
      const chunk = new TextEncoder().encode(prefix + "x".repeat(64 * 1024));
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 20; i++) controller.enqueue(chunk);
          controller.close();
        },
      });
      const chunked = await c.send("POST", "/echo", {
        headers: { ...c.sameOrigin, "content-type": "application/x-www-form-urlencoded" },
        body: stream,
      });
      assert.equal(chunked.status, 413);
      ownTooLarge(chunked.body);
      // A multipart form too.
      const big = new FormData();
      big.append("csrf_token", token);
      big.append("file", new Blob([new Uint8Array(LIMIT)]), "big.bin");
      const multipart = await c.send("POST", "/echo", { headers: c.sameOrigin, body: big });
      assert.equal(multipart.status, 413);
      assert.equal(multipart.body.error.code, "csrf_body_too_large");
      // With the token in the header, the form is not the CSRF check's to read or to limit.
      const headed = await c.send("POST", "/echo", {
        headers: {
          ...c.sameOrigin,
          "x-csrf-token": token,
          "content-type": "application/x-www-form-urlencoded",
        },
        body: `name=big&pad=${"x".repeat(LIMIT)}`,
      });
      if (options.urlencodedParsedByApp === true) assert.equal(headed.status, 413);
      else assert.equal(headed.status, 200, JSON.stringify(headed.body));
      assert.equal(h.app.count, before + (options.urlencodedParsedByApp === true ? 1 : 2));
      // The server still serves.
      await passed(c, "POST", "/count", { headers: { ...c.sameOrigin, "x-csrf-token": token } });
    });

    test("a malformed multipart form is a 400, not a crash", async () => {
      const c = new Client(h.origin);
      await c.signIn("malformed");
      const before = h.app.count;
      const r = await c.send("POST", "/echo", {
        headers: { ...c.sameOrigin, "content-type": "multipart/form-data; boundary=zzz" },
        body: "this is not multipart",
      });
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "csrf_form_invalid");
      assert.equal(h.app.count, before);
    });

    test("the token lives with the session: it survives a rotation, and is refused after an elevation", async () => {
      const c = new Client(h.origin);
      await c.signIn("rotor");
      const old = await c.token();
      const cookie = c.jar.get("__Host-session");
      await passed(c, "POST", "/rotate", { headers: { ...c.sameOrigin, "x-csrf-token": old } });
      assert.notEqual(c.jar.get("__Host-session"), cookie);
      // A page's token keeps working when its session cookie is renewed.
      await passed(c, "POST", "/count", { headers: { ...c.sameOrigin, "x-csrf-token": old } });
      await passed(c, "POST", "/rotate?elevate", {
        headers: { ...c.sameOrigin, "x-csrf-token": old },
      });
      await refused(
        c,
        "POST",
        "/count",
        { headers: { ...c.sameOrigin, "x-csrf-token": old } },
        "csrf_token_invalid",
      );
      const fresh = await c.token();
      await passed(c, "POST", "/count", { headers: { ...c.sameOrigin, "x-csrf-token": fresh } });
    });

    test("a cart before sign-in: the page's token outlives the anonymous session its first change makes, not the sign-in", async () => {
      const c = new Client(h.origin);
      const page = await c.token();
      const withToken = { headers: { ...c.sameOrigin, "x-csrf-token": page } };
      await passed(c, "POST", "/cart?item=tea", withToken);
      assert.ok(c.jar.has("__Host-session"), "the first change made an anonymous session");
      const second = await passed(c, "POST", "/cart?item=jam", withToken);
      assert.deepEqual(second.body.cart, ["tea", "jam"]);
      // Another browser's pre-session token does not fit this browser's cookie.
      const stranger = await new Client(h.origin).token();
      await refused(
        c,
        "POST",
        "/cart?item=x",
        { headers: { ...c.sameOrigin, "x-csrf-token": stranger } },
        "csrf_token_invalid",
      );
      await passed(c, "POST", "/login?user=shopper", withToken);
      await refused(c, "POST", "/cart?item=mug", withToken, "csrf_token_invalid");
    });

    test("login CSRF: a sign-in needs a token bound to the browser's own pre-session cookie", async () => {
      const victim = new Client(h.origin);
      // No token at all.
      await refused(
        victim,
        "POST",
        "/login?user=mallory",
        { headers: victim.sameOrigin },
        "csrf_token_missing",
      );
      // The attacker's own pre-session token, without (then with) the victim's own cookie.
      const attacker = new Client(h.origin);
      const planted = await attacker.token();
      await refused(
        victim,
        "POST",
        "/login?user=mallory",
        { headers: { ...victim.sameOrigin, "x-csrf-token": planted } },
        "csrf_token_invalid",
      );
      // The sign-in form: a token and the pre-session cookie, not stored by caches.
      const page = await victim.send("GET", "/token?twice=1");
      const setCookies = page.res.headers.getSetCookie();
      assert.equal(setCookies.length, 1, "one pre-session cookie for two tokens");
      assert.match(
        setCookies[0] ?? "",
        /^__Host-csrf=[A-Za-z0-9_-]{43}; Max-Age=7200; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
      );
      assert.equal(page.res.headers.get("cache-control"), "no-store");
      assert.ok(varyOf(page.res).has("cookie"));
      await refused(
        victim,
        "POST",
        "/login?user=mallory",
        { headers: { ...victim.sameOrigin, "x-csrf-token": planted } },
        "csrf_token_invalid",
      );
      // A later page reuses the cookie.
      const again = await victim.send("GET", "/token");
      assert.deepEqual(again.res.headers.getSetCookie(), []);
      // Both tokens of the page work; the first signs in, from the form.
      const r = await passed(victim, "POST", "/login?user=victim", {
        headers: victim.sameOrigin,
        body: form({ csrf_token: page.body.token }),
      });
      assert.equal(r.body.userId, "victim");
      assert.ok(victim.jar.has("__Host-session"));
      // Signed in, the pre-session token is no longer the session's.
      await refused(
        victim,
        "POST",
        "/count",
        { headers: { ...victim.sameOrigin, "x-csrf-token": page.body.second } },
        "csrf_token_invalid",
      );
      // A token asked for after a sign-in, in the same request, is bound to the new session.
      const other = new Client(h.origin);
      const pre = await other.token();
      const signedIn = await passed(other, "POST", "/login-and-token?user=other", {
        headers: { ...other.sameOrigin, "x-csrf-token": pre },
      });
      await passed(other, "POST", "/count", {
        headers: { ...other.sameOrigin, "x-csrf-token": signedIn.body.token },
      });
      // The pre-session token without its cookie is refused.
      const bare = new Client(h.origin);
      await refused(
        bare,
        "POST",
        "/login?user=x",
        { headers: { ...bare.sameOrigin, "x-csrf-token": pre } },
        "csrf_token_invalid",
      );
    });
  });

  describe(`CSRF over plain HTTP without the localhost opt-in: ${name}`, () => {
    let h: Harness;
    before(async () => {
      h = await harness(start, {}, { insecureLocalhost: false });
    });
    after(async () => h.close());

    test("a token without a session says why its Secure pre-session cookie cannot be set", async () => {
      const r = await new Client(h.origin).send("GET", "/token");
      assert.equal(r.status, 400);
      assert.equal(r.body?.error?.code, "session_insecure_transport");
      assert.match(r.body.error.message, /insecureLocalhost: true/);
      assert.deepEqual(r.res.headers.getSetCookie(), []);
    });
  });

  describe(`CSRF compatible mode and report-only: ${name}`, () => {
    test("compatible: without any origin header, the token decides alone", async () => {
      const h = await harness(start, { mode: "compatible" });
      try {
        const c = new Client(h.origin);
        await c.signIn("compat");
        const token = await c.token();
        const before = h.app.count;
        const ok = await c.send("POST", "/count", { headers: { "x-csrf-token": token } });
        assert.equal(ok.status, 200);
        const missing = await c.send("POST", "/count");
        assert.equal(missing.status, 403);
        assert.equal(missing.body.error.code, "csrf_token_missing");
        const bad = await c.send("POST", "/count", { headers: { "x-csrf-token": tamper(token) } });
        assert.equal(bad.body.error.code, "csrf_token_invalid");
        // The origin headers are still checked when sent.
        const cross = await c.send("POST", "/count", {
          headers: { origin: EVIL, "x-csrf-token": token },
        });
        assert.equal(cross.body.error.code, "origin_mismatch");
        assert.equal(h.app.count, before + 1);
      } finally {
        await h.close();
      }
    });

    test("report-only: refusals are reported and let through", async () => {
      const h = await harness(start, { reportOnly: true });
      try {
        const c = new Client(h.origin);
        const before = h.app.count;
        const r = await c.send("POST", "/count", {
          headers: { "sec-fetch-site": "cross-site", origin: EVIL },
        });
        assert.equal(r.status, 200);
        assert.equal(h.app.count, before + 1);
        const noToken = await c.send("POST", "/count", { headers: c.sameOrigin });
        assert.equal(noToken.status, 200);
        assert.deepEqual(
          h.events.filter((e) => e.type === "csrf-rejected"),
          [
            {
              type: "csrf-rejected",
              reason: "cross_site_request",
              method: "POST",
              origin: EVIL,
              site: "https://evil.example",
              reportOnly: true,
            },
            {
              type: "csrf-rejected",
              reason: "csrf_token_missing",
              method: "POST",
              origin: h.origin,
              site: "http://127.0.0.1",
              reportOnly: true,
            },
          ],
        );
      } finally {
        await h.close();
      }
    });
  });
}
