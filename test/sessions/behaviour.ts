// The behavioural suite every adapter passes over real HTTP: the same app (app.ts), the same
// requests, the same expectations. An adapter's test file calls testAdapter with a function that
// serves `handle` through that adapter.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import { parseSetCookie } from "../../src/cookie/index.js";
import {
  createSessions,
  type SessionEvent,
  type Sessions,
  type SessionsOptions,
} from "../../src/session/index.js";
import { memoryStore, type SessionStore, StoreError } from "../../src/stores/index.js";
import { gates } from "./app.js";

// biome-ignore lint/suspicious/noExplicitAny: the suite reads JSON bodies loosely
type JsonBody = any;

export interface RunningServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  close(): Promise<void>;
}

/** Starts a server for `sessions` that routes every request to app.ts's `handle`. */
export type StartServer = (sessions: Sessions<Record<string, unknown>>) => Promise<RunningServer>;

/** A store wrapper that counts calls per method and can be switched "down". */
export class CountingStore implements SessionStore {
  calls: Record<string, number> = {};
  down = false;
  constructor(readonly inner: SessionStore) {}
  reset(): void {
    this.calls = {};
  }
  get reads(): number {
    return this.calls.get ?? 0;
  }
  get writes(): number {
    return Object.entries(this.calls).reduce((n, [k, v]) => (k === "get" ? n : n + v), 0);
  }
  #count<T>(name: string, f: () => Promise<T>): Promise<T> {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    if (this.down)
      return Promise.reject(new StoreError("ERR_STORE_UNAVAILABLE", "connection refused (test)"));
    return f();
  }
  get: SessionStore["get"] = (k) => this.#count("get", () => this.inner.get(k));
  create: SessionStore["create"] = (k, r, o) =>
    this.#count("create", () => this.inner.create(k, r, o));
  update: SessionStore["update"] = (k, p) => this.#count("update", () => this.inner.update(k, p));
  rename: SessionStore["rename"] = (a, b, p, o) =>
    this.#count("rename", () => this.inner.rename(a, b, p, o));
  get renameGrace(): boolean {
    return this.inner.renameGrace === true;
  }
  delete: SessionStore["delete"] = (k) => this.#count("delete", () => this.inner.delete(k));
  listByUser: SessionStore["listByUser"] = (u) =>
    this.#count("listByUser", () => this.inner.listByUser(u));
  deleteByUser: SessionStore["deleteByUser"] = (u, o) =>
    this.#count("deleteByUser", () => this.inner.deleteByUser(u, o));
}

/**
 * A transport the suite runs against: the options that select it, and what the expectations
 * depend on (how the credential travels, where the session lives).
 */
export interface Variant {
  readonly name: string;
  readonly carrier: "cookie" | "bearer";
  readonly state: "server" | "client";
  /** The sessions' options for this transport, given the suite's clock. */
  readonly options: (clock: { now: number }) => Partial<SessionsOptions<Record<string, unknown>>>;
}

/** The default transport: the opaque token in a cookie, the session in the store. */
export const OPAQUE_COOKIE: Variant = {
  name: "opaque cookie",
  carrier: "cookie",
  state: "server",
  options: () => ({}),
};

/**
 * One client's credential for one origin: a browser's cookie, or a bearer client's token (sent
 * in `Authorization`, replaced by `Set-Auth-Token`). Enough to follow a session through the suite.
 */
/** Waits until a request of the test app waits at `gate`; fails after 10 s instead of hanging. */
async function reachedGate(gate: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!gates.has(gate)) {
    if (Date.now() > deadline) assert.fail(`no request reached the gate ${gate}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export class Browser {
  /** The credential: the session cookie's value, or the bearer token. */
  cookie: string | undefined;
  constructor(
    readonly origin: string,
    readonly carrier: "cookie" | "bearer" = "cookie",
    readonly name = "__Host-session",
  ) {}

  /** A bearer-JWT client's refresh token (`Set-Refresh-Token`). */
  refreshToken: string | undefined;

  /**
   * Sends a request with the credential. A bearer client whose access token expired uses its
   * refresh token once (`POST /token`) and sends the request again, as client libraries do.
   */
  async request(
    method: string,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const res = await this.send(method, path, headers);
    if (
      res.status !== 401 ||
      this.refreshToken === undefined ||
      !/expired/.test(res.headers.get("www-authenticate") ?? "")
    )
      return res;
    const refreshed = await this.send("POST", `/token?token=${this.refreshToken}`, {});
    await refreshed.arrayBuffer();
    return refreshed.status === 200 ? this.send(method, path, headers) : res;
  }

  async send(method: string, path: string, headers: Record<string, string>): Promise<Response> {
    const res = await fetch(this.origin + path, {
      method,
      redirect: "manual",
      headers: {
        ...(this.cookie === undefined
          ? {}
          : this.carrier === "cookie"
            ? { cookie: `${this.name}=${this.cookie}` }
            : { authorization: `Bearer ${this.cookie}` }),
        ...headers,
      },
    });
    const token = res.headers.get("set-auth-token");
    if (this.carrier === "bearer" && token !== null) this.cookie = token === "" ? undefined : token;
    const refresh = res.headers.get("set-refresh-token");
    if (refresh !== null) this.refreshToken = refresh === "" ? undefined : refresh;
    // A bearer client drops a token the server refuses, as a browser drops a cleared cookie.
    if (
      this.carrier === "bearer" &&
      /invalid_token/.test(res.headers.get("www-authenticate") ?? "")
    )
      this.cookie = undefined;
    for (const line of res.headers.getSetCookie()) {
      const r = parseSetCookie(line);
      if (r.type !== "cookie" || r.cookie.name !== this.name) continue;
      this.cookie = (r.cookie.maxAge ?? 1) <= 0 ? undefined : r.cookie.value;
    }
    return res;
  }

  async json(
    method: string,
    path: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: JsonBody; res: Response }> {
    const res = await this.request(method, path, headers);
    const text = await res.text();
    return { status: res.status, body: text === "" ? null : JSON.parse(text), res };
  }
}

interface Harness {
  origin: string;
  store: CountingStore;
  events: SessionEvent[];
  clock: { now: number };
  close(): Promise<void>;
}

async function harness(
  start: StartServer,
  variant: Variant,
  options: Partial<SessionsOptions<Record<string, unknown>>> = {},
): Promise<Harness> {
  const store = new CountingStore(memoryStore());
  const clock = { now: Date.now() };
  const stateless = variant.state === "client";
  const sessions = createSessions({
    ...(stateless ? {} : { store }),
    insecureLocalhost: true,
    now: () => clock.now,
    ...variant.options(clock),
    ...(stateless ? { ...options, maxSessionsPerUser: undefined } : options),
  } as SessionsOptions<Record<string, unknown>>);
  const events: SessionEvent[] = [];
  sessions.on("*", (e) => events.push(e));
  const server = await start(sessions);
  return {
    origin: server.origin,
    store,
    events,
    clock,
    close: async () => {
      await server.close();
      await store.inner.close?.();
    },
  };
}

/**
 * The suite, over `start`'s adapter, for one transport (the opaque cookie by default). Steps that
 * only a store can do (counting its reads, a device list, a per-user cap, merging concurrent
 * changes) run where the session lives in a store; the others run for every transport.
 */
export function testAdapter(name: string, start: StartServer, variant = OPAQUE_COOKIE): void {
  const server = variant.state === "server";
  const cookie = variant.carrier === "cookie";
  // A step that does not apply to this transport is not registered (not skipped): nothing is
  // left out that could fail.
  const when = (applies: boolean): typeof test =>
    applies ? test : ((() => {}) as unknown as typeof test);
  const serverTest = when(server);
  const cookieTest = when(cookie);
  const vary = cookie ? "Cookie" : "Authorization";
  /** What carried the new credential of a response: its Set-Cookie line, or Set-Auth-Token. */
  const credentialOf = (res: Response): string | undefined =>
    cookie ? res.headers.getSetCookie()[0] : (res.headers.get("set-auth-token") ?? undefined);

  describe(`sessions over real HTTP: ${name}, ${variant.name}`, () => {
    let h: Harness;
    before(async () => {
      h = await harness(start, variant, { maxSessionsPerUser: 5 });
    });
    after(async () => h.close());

    /**
     * Sends `slowPath` with `b`'s credential; while it waits at its gate (having loaded the
     * session), `b` sends `winnerPath`. Gives the late request's answer.
     */
    const afterOther = async (
      b: Browser,
      slowPath: string,
      winnerPath: string,
    ): Promise<{ status: number; body: JsonBody; res: Response }> => {
      const slow = new Browser(h.origin, variant.carrier);
      slow.cookie = b.cookie;
      const gate = `${slowPath}-${name}-${variant.name}`.replace(/\W+/g, "-");
      const pending = slow.json(
        "POST",
        `${slowPath}${slowPath.includes("?") ? "&" : "?"}gate=${gate}`,
      );
      await reachedGate(gate);
      assert.equal((await b.json("POST", winnerPath)).status, 200);
      gates.get(gate)?.();
      gates.delete(gate);
      return pending;
    };

    /**
     * {@link afterOther}, and the late request must get 409 and set or clear nothing: a
     * clearing cookie would delete the new one the other response set, signing the user out.
     */
    const losesToOther = async (
      b: Browser,
      slowPath: string,
      winnerPath: string,
    ): Promise<void> => {
      const late = await afterOther(b, slowPath, winnerPath);
      assert.equal(late.status, 409);
      assert.equal(late.body.error.code, "session_conflict");
      assert.deepEqual(late.res.headers.getSetCookie(), []);
      assert.equal(credentialOf(late.res), undefined);
    };

    test("sign-in sets the credential (a __Host- cookie with the safe attributes), no-store", async () => {
      const b = new Browser(h.origin, variant.carrier);
      const { status, body, res } = await b.json("POST", "/login?user=alice");
      assert.equal(status, 200);
      assert.equal(body.userId, "alice");
      const [line, ...rest] = res.headers.getSetCookie();
      if (cookie) {
        assert.equal(rest.length, 0);
        assert.match(
          line ?? "",
          server
            ? /^__Host-session=[A-Za-z0-9_-]{4}\.[A-Za-z0-9_-]{43}; Max-Age=1800; Path=\/; Secure; HttpOnly; SameSite=Lax$/
            : /^__Host-session=[A-Za-z0-9_.-]+; Max-Age=1800; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
        );
      } else {
        assert.equal(line, undefined);
        assert.match(res.headers.get("set-auth-token") ?? "", /^[A-Za-z0-9_.-]+$/);
      }
      assert.equal(res.headers.get("cache-control"), "no-store");
    });

    test("a read-only request costs one store read (none when stateless) and no write", async () => {
      const b = new Browser(h.origin, variant.carrier);
      await b.json("POST", "/login?user=reader");
      h.store.reset();
      for (let i = 0; i < 5; i++) {
        const { status, body, res } = await b.json("GET", "/me");
        assert.equal(status, 200);
        assert.equal(body.userId, "reader");
        assert.equal(credentialOf(res), undefined);
        assert.equal(res.headers.get("cache-control"), "private");
        assert.equal(res.headers.get("vary"), vary);
      }
      assert.deepEqual(h.store.calls, server ? { get: 5 } : {});
    });

    test("the idle expiry is extended once a touch interval has passed, with a fresh credential", async () => {
      const b = new Browser(h.origin, variant.carrier);
      await b.json("POST", "/login?user=toucher");
      const before = b.cookie;
      h.clock.now += 61_000;
      h.store.reset();
      const { res } = await b.json("GET", "/me");
      assert.deepEqual(h.store.calls, server ? { get: 1, update: 1 } : {});
      if (cookie) assert.match(res.headers.getSetCookie()[0] ?? "", /Max-Age=1800;/);
      if (!server) assert.notEqual(b.cookie, before);
      assert.equal(res.headers.get("cache-control"), "no-store");
      h.store.reset();
      const again = await b.json("GET", "/me");
      assert.equal(credentialOf(again.res), undefined);
      assert.deepEqual(h.store.calls, server ? { get: 1 } : {});
    });

    cookieTest(
      "no cookie, a malformed cookie, two cookies: no session and no store lookup",
      async () => {
        h.store.reset();
        const none = await new Browser(h.origin, variant.carrier).json("GET", "/me");
        assert.equal(none.status, 401);
        const bad = new Browser(h.origin, variant.carrier);
        bad.cookie = "not-a-token";
        const malformed = await bad.json("GET", "/me");
        assert.equal(malformed.status, 401);
        assert.equal(malformed.body.error.problem, "malformed-token");
        assert.match(
          malformed.res.headers.getSetCookie()[0] ?? "",
          /^__Host-session=; Max-Age=0; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
        );
        const twice = await new Browser(h.origin, variant.carrier).json("GET", "/me", {
          cookie: `__Host-session=${"a".repeat(4)}.${"b".repeat(43)}; __Host-session=${"c".repeat(4)}.${"d".repeat(43)}`,
        });
        assert.equal(twice.status, 401);
        assert.equal(twice.body.error.problem, "duplicate-cookie");
        assert.deepEqual(h.store.calls, {});
        assert.ok(h.events.some((e) => e.type === "suspicious" && e.reason === "duplicate-cookie"));
      },
    );

    when(server && cookie)(
      "an unknown token is no session: one read, nothing written, no clearing cookie",
      async () => {
        const b = new Browser(h.origin, variant.carrier);
        b.cookie = `AAAA.${"x".repeat(43)}`;
        h.store.reset();
        const r = await b.json("GET", "/me");
        assert.equal(r.status, 401);
        assert.deepEqual(h.store.calls, { get: 1 });
        assert.deepEqual(r.res.headers.getSetCookie(), []);
        assert.ok(h.events.some((e) => e.type === "suspicious" && e.reason === "unknown-token"));
      },
    );

    when(server && cookie)(
      "a request still carrying the token a rotation just replaced does not clear the new cookie",
      async () => {
        const b = new Browser(h.origin, variant.carrier);
        await b.json("POST", "/login?user=stepping-up");
        const old = b.cookie;
        assert.equal((await b.json("POST", "/rotate")).status, 200); // MFA, say
        const fresh = b.cookie;
        assert.notEqual(fresh, old);
        // A poll sent before the rotation's answer arrived, answered after it.
        const late = new Browser(h.origin, variant.carrier);
        late.cookie = old;
        const r = await late.json("GET", "/me");
        assert.equal(r.status, 401);
        assert.deepEqual(r.res.headers.getSetCookie(), [], "a clearing cookie would sign out");
        assert.equal((await b.json("GET", "/me")).status, 200);
      },
    );

    cookieTest("garbage and huge Cookie headers get a 4xx, never a 500", async () => {
      for (const cookie of [
        "\u00ff\u00fe;;;=;=",
        `__Host-session=${"x".repeat(10_000)}`,
        "a=1; ".repeat(2_000),
      ]) {
        const r = await fetch(`${h.origin}/me`, { headers: { cookie } });
        assert.ok(
          r.status >= 400 && r.status < 500,
          `status ${r.status} for a ${cookie.length}-byte header`,
        );
        await r.arrayBuffer();
      }
    });

    test("signing in replaces the session the request carried (no fixation)", async () => {
      const b = new Browser(h.origin, variant.carrier);
      await b.json("POST", "/login?user=mallory");
      const planted = b.cookie;
      await b.json("POST", "/login?user=victim");
      assert.notEqual(b.cookie, planted);
      const old = new Browser(h.origin, variant.carrier);
      old.cookie = planted;
      assert.equal((await old.json("GET", "/me")).status, 401);
      assert.equal((await b.json("GET", "/me")).body.userId, "victim");
    });

    test("an anonymous session's data is carried into the signed-in one, under a new token", async () => {
      const b = new Browser(h.origin, variant.carrier);
      await b.json("POST", "/cart?item=tea");
      const anonymous = b.cookie;
      assert.ok(anonymous);
      await b.json("POST", "/cart?item=cake");
      await b.json("POST", "/login?user=shopper");
      assert.notEqual(b.cookie, anonymous);
      assert.deepEqual((await b.json("GET", "/me")).body.data.cart, ["tea", "cake"]);
      const old = new Browser(h.origin, variant.carrier);
      old.cookie = anonymous;
      const stale = await old.json("GET", "/data?key=cart");
      if (cookie) assert.equal(stale.body.value, null);
      else assert.equal(stale.status, 401);
    });

    test("rotation keeps the data and kills the old token at once; elevation is recorded", async () => {
      const b = new Browser(h.origin, variant.carrier);
      await b.json("POST", "/login?user=rotor");
      await b.json("POST", "/set?key=color&value=blue");
      const before = b.cookie;
      const id = (await b.json("GET", "/me")).body.session.id;
      assert.equal((await b.json("POST", "/elevate")).body.elevated, true);
      assert.notEqual(b.cookie, before);
      const me = await b.json("GET", "/me");
      // A stateless session's id is its credential's, which rotation changes.
      if (server) assert.equal(me.body.session.id, id);
      else assert.notEqual(me.body.session.id, id);
      assert.notEqual(me.body.session.elevatedAt, null);
      assert.equal((await b.json("GET", "/data?key=color")).body.value, "blue");
      const old = new Browser(h.origin, variant.carrier);
      old.cookie = before;
      assert.equal((await old.json("GET", "/me")).status, 401);
    });

    test("the write completes before the response: a redirect's session works at once", async () => {
      for (let i = 0; i < 10; i++) {
        const b = new Browser(h.origin, variant.carrier);
        const r = await b.request("POST", `/login-redirect?user=r${i}`);
        assert.equal(r.status, 303);
        assert.equal((await b.json("GET", "/me")).status, 200);
      }
    });

    serverTest("concurrent requests changing different keys lose nothing", async () => {
      const b = new Browser(h.origin, variant.carrier);
      await b.json("POST", "/login?user=racer");
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => b.json("POST", `/set?key=k${i}&value=${i}`)),
      );
      for (let i = 0; i < 20; i++)
        assert.equal((await b.json("GET", `/data?key=k${i}`)).body.value, String(i));
    });

    test("sign-out clears the cookie with the same attributes and ends the session", async () => {
      const b = new Browser(h.origin, variant.carrier);
      await b.json("POST", "/login?user=leaver");
      const token = b.cookie;
      const { res } = await b.json("POST", "/logout");
      if (cookie)
        assert.deepEqual(res.headers.getSetCookie(), [
          "__Host-session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax",
        ]);
      else assert.equal(res.headers.get("set-auth-token"), "");
      assert.equal(b.cookie, undefined);
      const old = new Browser(h.origin, variant.carrier);
      old.cookie = token;
      assert.equal((await old.json("GET", "/me")).status, 401);
    });

    when(!server)(
      "log out other devices, log out all devices: through the not-before time",
      async () => {
        const phone = new Browser(h.origin, variant.carrier);
        const laptop = new Browser(h.origin, variant.carrier);
        await phone.json("POST", "/login?user=erin");
        await laptop.json("POST", "/login?user=erin");
        h.clock.now += 1;
        const others = await laptop.json("POST", "/revoke-others");
        assert.equal(others.status, 200);
        assert.equal(others.body.revoked, null);
        assert.equal((await phone.json("GET", "/me")).status, 401);
        assert.equal((await laptop.json("GET", "/me")).body.userId, "erin");
        h.clock.now += 1;
        await phone.json("POST", "/login?user=erin");
        h.clock.now += 1;
        const all = await laptop.json("POST", "/revoke-all");
        assert.equal(all.body.revoked, null);
        assert.equal(laptop.cookie, undefined);
        assert.equal((await phone.json("GET", "/me")).status, 401);
        h.clock.now += 1;
        await laptop.json("POST", "/login?user=erin");
        assert.equal((await laptop.json("GET", "/me")).body.userId, "erin");
        const list = await laptop.json("GET", "/sessions");
        assert.equal(list.status, 501);
        assert.equal(list.body.error.code, "session_unsupported");
      },
    );

    serverTest(
      "a change in flight while another request rotates gets 409 and clears nothing",
      async () => {
        const b = new Browser(h.origin, variant.carrier);
        await b.json("POST", "/login?user=racer");
        const before = b.cookie;
        await losesToOther(b, "/set-after?key=pref&value=dark", "/rotate");
        assert.notEqual(b.cookie, before);
        const me = await b.json("GET", "/me");
        assert.equal(me.status, 200, "still signed in after the late response");
        assert.equal((await b.json("GET", "/data?key=pref")).body.value, null, "nothing written");
      },
    );

    serverTest(
      "a rotation in flight while another request rotates gets 409 and clears nothing",
      async () => {
        const b = new Browser(h.origin, variant.carrier);
        await b.json("POST", "/login?user=spinner");
        await losesToOther(b, "/rotate-after", "/rotate");
        assert.equal((await b.json("GET", "/me")).status, 200, "the winner's token works");
        assert.equal((await b.json("GET", "/sessions")).body.length, 1);
      },
    );

    serverTest(
      "a sign-in in flight while another signs in with the same cookie gets 409, no 2nd session",
      async () => {
        const b = new Browser(h.origin, variant.carrier);
        await b.json("POST", "/cart?item=tea");
        await losesToOther(b, "/login-after?user=twice", "/login?user=twice");
        const me = await b.json("GET", "/me");
        assert.deepEqual(me.body.data.cart, ["tea"]);
        const list = await b.json("GET", "/sessions");
        assert.equal(list.body.length, 1, "the stepped-back sign-in left no session behind");
      },
    );

    serverTest(
      "a sign-out in flight while another request rotates ends the rotated session too",
      async () => {
        const b = new Browser(h.origin, variant.carrier);
        await b.json("POST", "/login?user=leaver");
        const late = await afterOther(b, "/logout-after", "/rotate");
        assert.equal(late.status, 200);
        // The rotation's new token: the sign-out ended it, whichever answer the browser kept.
        assert.equal((await b.json("GET", "/me")).status, 401);
        const again = new Browser(h.origin, variant.carrier);
        await again.json("POST", "/login?user=leaver");
        assert.equal((await again.json("GET", "/sessions")).body.length, 1);
      },
    );

    serverTest(
      "a read in flight while another request rotates skips its due touch quietly",
      async () => {
        const b = new Browser(h.origin, variant.carrier);
        await b.json("POST", "/login?user=toucher-racer");
        h.clock.now += 61_000;
        const slow = new Browser(h.origin, variant.carrier);
        slow.cookie = b.cookie;
        const gate = `touch-${name}-${variant.name}`;
        // The gated route writes a key; this one only reads, and its touch is due.
        const pending = slow.json("GET", `/data-after?gate=${gate}&key=k`);
        await reachedGate(gate);
        assert.equal((await b.json("POST", "/rotate")).status, 200);
        gates.get(gate)?.();
        gates.delete(gate);
        const late = await pending;
        assert.equal(late.status, 200);
        assert.deepEqual(late.res.headers.getSetCookie(), []);
        assert.equal(credentialOf(late.res), undefined);
        assert.equal((await b.json("GET", "/me")).status, 200);
      },
    );

    test("an error answer keeps the connection: the next request on it is answered too", async () => {
      const { port } = new URL(h.origin);
      const get = (last: boolean): string =>
        `GET /sessions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${last ? "Connection: close\r\n" : ""}\r\n`;
      // Two pipelined requests on one connection; an answer without framing would end it.
      const text = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), "127.0.0.1");
        let got = "";
        const guard = setTimeout(() => socket.destroy(), 10_000);
        socket.on("data", (d) => {
          got += d.toString("latin1");
        });
        socket.on("close", () => {
          clearTimeout(guard);
          resolve(got);
        });
        socket.on("error", reject);
        socket.end(get(false) + get(true));
      });
      const answers = text.match(/HTTP\/1\.1 \d+/g) ?? [];
      assert.deepEqual(answers, ["HTTP/1.1 401", "HTTP/1.1 401"], text.slice(0, 400));
    });

    serverTest("devices: list, revoke one, revoke others, revoke all", async () => {
      const phone = new Browser(h.origin, variant.carrier);
      const laptop = new Browser(h.origin, variant.carrier);
      const tablet = new Browser(h.origin, variant.carrier);
      await phone.json("POST", "/login?user=dana", { "user-agent": "Phone" });
      await laptop.json("POST", "/login?user=dana", { "user-agent": "Laptop" });
      await tablet.json("POST", "/login?user=dana", { "user-agent": "Tablet" });
      const listed = await laptop.json("GET", "/sessions");
      // The list is this user's: no shared cache may keep it or hand it to another cookie.
      assert.equal(listed.res.headers.get("cache-control"), "private");
      assert.equal(listed.res.headers.get("vary"), vary);
      const list = listed.body as { id: string; current: boolean; userAgent: string }[];
      assert.deepEqual(
        list.map((s) => [s.userAgent, s.current]),
        [
          ["Phone", false],
          ["Laptop", true],
          ["Tablet", false],
        ],
      );
      assert.equal((await laptop.json("POST", `/revoke?id=${list[2]?.id}`)).body.revoked, true);
      assert.equal((await tablet.json("GET", "/me")).status, 401);
      const others = await laptop.json("POST", "/revoke-others");
      assert.equal(others.body.revoked, 1);
      assert.equal(others.res.headers.get("cache-control"), "private");
      assert.equal(others.res.headers.get("vary"), vary);
      assert.equal((await phone.json("GET", "/me")).status, 401);
      assert.equal((await laptop.json("GET", "/me")).status, 200);
      await phone.json("POST", "/login?user=dana");
      assert.equal((await laptop.json("POST", "/revoke-all")).body.revoked, 2);
      assert.equal(laptop.cookie, undefined);
      assert.equal((await phone.json("GET", "/me")).status, 401);
      assert.equal((await laptop.json("POST", "/revoke-others")).status, 401);
    });

    serverTest("a per-user cap ends the oldest session on the next sign-in", async () => {
      const browsers = Array.from({ length: 6 }, () => new Browser(h.origin, variant.carrier));
      for (const b of browsers) await b.json("POST", "/login?user=capped");
      assert.equal((await browsers[0]?.json("GET", "/me"))?.status, 401);
      for (const b of browsers.slice(1)) assert.equal((await b.json("GET", "/me")).status, 200);
      assert.ok(
        h.events.some(
          (e) => e.type === "revoked" && e.reason === "max-sessions" && e.userId === "capped",
        ),
      );
    });

    test("idle timeout, from the server's clock", async () => {
      const b = new Browser(h.origin, variant.carrier);
      await b.json("POST", "/login?user=idler");
      h.clock.now += 1_800_000;
      const r = await b.json("GET", "/me");
      assert.equal(r.status, 401);
      if (cookie) assert.equal(r.body.error.problem, "expired");
      else
        assert.match(
          r.res.headers.get("www-authenticate") ?? "",
          /^Bearer error="invalid_token", error_description="The access token expired"$/,
        );
      assert.ok(
        h.events.some((e) => e.type === "expired" && e.reason === "idle" && e.userId === "idler"),
      );
    });

    test("absolute timeout, however active the session; Max-Age never outlives it", async () => {
      const b = new Browser(h.origin, variant.carrier);
      await b.json("POST", "/login?user=busy");
      const absoluteAt = h.clock.now + 28_800_000;
      let capped = 0;
      for (let t = 0; t < 28_800_000 - 600_000; t += 600_000) {
        // 353 ms past whole seconds: the touch that meets the absolute expiry leaves a fraction
        // of a second, which Max-Age must round down, not up.
        h.clock.now += 600_353;
        const r = await b.json("GET", "/me");
        assert.equal(r.status, 200);
        const m = /Max-Age=(\d+)/.exec(r.res.headers.getSetCookie()[0] ?? "");
        if (!cookie) continue;
        if (m === null) continue;
        assert.ok(
          h.clock.now + Number(m[1]) * 1000 <= absoluteAt,
          `Max-Age ${m[1]} outlives the absolute expiry`,
        );
        if (h.clock.now + 1_800_000 > absoluteAt) capped++;
      }
      if (cookie) assert.equal(capped, 1, "one touch was capped by the absolute expiry");
      h.clock.now += 600_000;
      assert.equal((await b.json("GET", "/me")).status, 401);
      assert.ok(
        h.events.some(
          (e) => e.type === "expired" && e.reason === "absolute" && e.userId === "busy",
        ),
      );
    });

    serverTest(
      "a store that is down: 503 with a code, the cookie kept, service back without restart",
      async () => {
        const b = new Browser(h.origin, variant.carrier);
        await b.json("POST", "/login?user=patient");
        const token = b.cookie;
        h.store.down = true;
        try {
          const r = await b.json("GET", "/me");
          assert.equal(r.status, 503);
          assert.equal(r.body.error.code, "session_store_unavailable");
          // The store's own words (an address, a hint for the operator) stay on the server.
          assert.doesNotMatch(r.body.error.message, /connection refused/);
          assert.ok(
            h.events.some((e) => e.type === "store-error" && /connection refused/.test(e.message)),
          );
          assert.deepEqual(r.res.headers.getSetCookie(), []);
          const w = await b.json("POST", "/set?key=x&value=1");
          assert.equal(w.status, 503);
          assert.equal(b.cookie, token);
        } finally {
          h.store.down = false;
        }
        assert.equal((await b.json("GET", "/me")).status, 200);
        assert.equal((await b.json("GET", "/data?key=x")).body.value, null);
      },
    );

    serverTest("a write that fails at commit: the whole 503 JSON, and no cookie", async () => {
      h.store.down = true;
      try {
        // No cookie, so loading needs no store; creating the anonymous session then fails.
        const r = await new Browser(h.origin, variant.carrier).json("POST", "/cart?item=tea");
        assert.equal(r.status, 503);
        assert.equal(r.body.error.code, "session_store_unavailable");
        assert.equal(r.body.error.message, "the session store is unavailable; try again shortly");
        assert.deepEqual(r.res.headers.getSetCookie(), []);
      } finally {
        h.store.down = false;
      }
    });

    test("a handler bug is a 500 for that request only; the server keeps serving", async () => {
      const r = await fetch(`${h.origin}/boom`);
      assert.equal(r.status, 500);
      await r.arrayBuffer();
      assert.equal((await fetch(`${h.origin}/health`)).status, 200);
    });

    test("a handler that throws after a change saves nothing and writes nothing", async () => {
      const b = new Browser(h.origin, variant.carrier);
      await b.json("POST", "/login?user=halfway");
      await b.json("POST", "/set?key=step&value=cart");
      h.store.reset();
      const r = await b.request("POST", "/set-then-boom?key=step");
      assert.equal(r.status, 500);
      await r.arrayBuffer();
      assert.equal(h.store.writes, 0, JSON.stringify(h.store.calls));
      assert.equal((await b.json("GET", "/data?key=step")).body.value, "cart");
    });

    test("an explicit save() writes before the handler returns", async () => {
      const b = new Browser(h.origin, variant.carrier);
      await b.json("POST", "/login?user=streamer");
      await b.json("GET", "/stream");
      assert.equal((await b.json("GET", "/data?key=streamed")).body.value, true);
    });
  });

  (server ? describe : () => {})(
    `periodic rotation over real HTTP: ${name}, ${variant.name}`,
    () => {
      let h: Harness;
      before(async () => {
        h = await harness(start, variant, { rotation: { interval: 900, grace: 10 } });
      });
      after(async () => h.close());

      test("the first request after an interval gets a new credential; requests in flight with the old one are served read-only and set none", async () => {
        const b = new Browser(h.origin, variant.carrier);
        await b.json("POST", "/login?user=rotor");
        await b.json("POST", "/set?key=k&value=kept");
        const old = b.cookie;
        h.clock.now += 901_000;
        // Two requests of the page load the session with the old credential and wait.
        const reading = new Browser(h.origin, variant.carrier);
        const writing = new Browser(h.origin, variant.carrier);
        reading.cookie = old;
        writing.cookie = old;
        const gate = (what: string): string =>
          `${what}-${name}-${variant.name}`.replace(/\W+/g, "-");
        const read = reading.json("GET", `/data-after?key=k&gate=${gate("read")}`);
        const write = writing.json("POST", `/set-after?key=k&value=lost&gate=${gate("write")}`);
        await reachedGate(gate("read"));
        await reachedGate(gate("write"));
        h.store.reset();
        const rotated = await b.json("GET", "/me");
        assert.equal(rotated.status, 200);
        assert.notEqual(credentialOf(rotated.res), undefined, "no new credential");
        assert.notEqual(b.cookie, old);
        assert.deepEqual(h.store.calls, { get: 1, rename: 1 });
        assert.ok(
          h.events.some(
            (e) => e.type === "rotated" && e.reason === "periodic" && e.userId === "rotor",
          ),
        );
        for (const g of [gate("read"), gate("write")]) {
          gates.get(g)?.();
          gates.delete(g);
        }
        const [r, w] = await Promise.all([read, write]);
        assert.equal(r.status, 200);
        assert.equal(r.body.value, "kept");
        assert.equal(credentialOf(r.res), undefined, "the old credential was sent again");
        assert.equal(w.status, 409);
        assert.equal(w.body.error.code, "session_conflict");
        assert.equal(credentialOf(w.res), undefined);
        // A request sent with the old credential just after, within the grace window, reads.
        const late = await reading.json("GET", "/data?key=k");
        assert.equal(late.body.value, "kept");
        assert.equal(credentialOf(late.res), undefined);
        // The new credential: no second rotation in this interval, one read.
        h.store.reset();
        const next = await b.json("GET", "/data?key=k");
        assert.equal(next.body.value, "kept");
        assert.equal(credentialOf(next.res), undefined);
        assert.deepEqual(h.store.calls, { get: 1 });
      });
    },
  );

  describe(`sessions over plain HTTP without the localhost opt-in: ${name}, ${variant.name}`, () => {
    let h: Harness;
    before(async () => {
      h = await harness(start, variant, { insecureLocalhost: false });
    });
    after(async () => h.close());

    test("signing in says why it cannot set a Secure cookie, with a 400 and a code", async () => {
      const r = await new Browser(h.origin, variant.carrier).json("POST", "/login");
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "session_insecure_transport");
      assert.match(r.body.error.message, /HTTPS|trustProxy|insecureLocalhost/);
      assert.deepEqual(r.res.headers.getSetCookie(), []);
    });

    test("behind a TLS proxy, trustProxy reads the forwarded scheme", async () => {
      const proxied = await harness(start, variant, { trustProxy: true });
      try {
        const b = new Browser(proxied.origin, variant.carrier);
        assert.equal(
          (await b.json("POST", "/login", { "x-forwarded-proto": "https" })).status,
          200,
        );
        assert.equal(
          (
            await new Browser(proxied.origin, variant.carrier).json("POST", "/login", {
              "x-forwarded-proto": "http",
            })
          ).status,
          400,
        );
        assert.equal(
          (
            await new Browser(proxied.origin, variant.carrier).json("POST", "/login", {
              forwarded: "for=1.2.3.4;proto=https",
            })
          ).status,
          200,
        );
      } finally {
        await proxied.close();
      }
    });
  });
}
