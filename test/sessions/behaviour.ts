// The behavioural suite every adapter passes over real HTTP: the same app (app.ts), the same
// requests, the same expectations. An adapter's test file calls testAdapter with a function that
// serves `handle` through that adapter.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseSetCookie } from "../../src/cookie/index.js";
import {
  createSessions,
  type SessionEvent,
  type Sessions,
  type SessionsOptions,
} from "../../src/session/index.js";
import { memoryStore, type SessionStore, StoreError } from "../../src/stores/index.js";

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
  rename: SessionStore["rename"] = (a, b, p) =>
    this.#count("rename", () => this.inner.rename(a, b, p));
  delete: SessionStore["delete"] = (k) => this.#count("delete", () => this.inner.delete(k));
  listByUser: SessionStore["listByUser"] = (u) =>
    this.#count("listByUser", () => this.inner.listByUser(u));
  deleteByUser: SessionStore["deleteByUser"] = (u, o) =>
    this.#count("deleteByUser", () => this.inner.deleteByUser(u, o));
}

/** One browser's cookie for one origin: enough to follow a session through the suite. */
export class Browser {
  cookie: string | undefined;
  constructor(
    readonly origin: string,
    readonly name = "__Host-session",
  ) {}

  async request(
    method: string,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const res = await fetch(this.origin + path, {
      method,
      redirect: "manual",
      headers: {
        ...(this.cookie === undefined ? {} : { cookie: `${this.name}=${this.cookie}` }),
        ...headers,
      },
    });
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
  options: Partial<SessionsOptions<Record<string, unknown>>> = {},
): Promise<Harness> {
  const store = new CountingStore(memoryStore());
  const clock = { now: Date.now() };
  const sessions = createSessions({
    store,
    insecureLocalhost: true,
    now: () => clock.now,
    ...options,
  });
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

export function testAdapter(name: string, start: StartServer): void {
  describe(`sessions over real HTTP: ${name}`, () => {
    let h: Harness;
    before(async () => {
      h = await harness(start, { maxSessionsPerUser: 5 });
    });
    after(async () => h.close());

    test("sign-in sets a __Host- cookie with the safe attributes and no-store", async () => {
      const b = new Browser(h.origin);
      const { status, body, res } = await b.json("POST", "/login?user=alice");
      assert.equal(status, 200);
      assert.equal(body.userId, "alice");
      const [line, ...rest] = res.headers.getSetCookie();
      assert.equal(rest.length, 0);
      assert.match(
        line ?? "",
        /^__Host-session=[A-Za-z0-9_-]{4}\.[A-Za-z0-9_-]{43}; Max-Age=1800; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
      );
      assert.equal(res.headers.get("cache-control"), "no-store");
    });

    test("a read-only request costs one store read and no write", async () => {
      const b = new Browser(h.origin);
      await b.json("POST", "/login?user=reader");
      h.store.reset();
      for (let i = 0; i < 5; i++) {
        const { status, body, res } = await b.json("GET", "/me");
        assert.equal(status, 200);
        assert.equal(body.userId, "reader");
        assert.deepEqual(res.headers.getSetCookie(), []);
        assert.equal(res.headers.get("cache-control"), "private");
        assert.equal(res.headers.get("vary"), "Cookie");
      }
      assert.deepEqual(h.store.calls, { get: 5 });
    });

    test("the idle expiry is extended once a touch interval has passed, with a fresh Max-Age", async () => {
      const b = new Browser(h.origin);
      await b.json("POST", "/login?user=toucher");
      h.clock.now += 61_000;
      h.store.reset();
      const { res } = await b.json("GET", "/me");
      assert.deepEqual(h.store.calls, { get: 1, update: 1 });
      assert.match(res.headers.getSetCookie()[0] ?? "", /Max-Age=1800;/);
      assert.equal(res.headers.get("cache-control"), "no-store");
      h.store.reset();
      await b.json("GET", "/me");
      assert.deepEqual(h.store.calls, { get: 1 });
    });

    test("no cookie, a malformed cookie, two cookies: no session and no store lookup", async () => {
      h.store.reset();
      const none = await new Browser(h.origin).json("GET", "/me");
      assert.equal(none.status, 401);
      const bad = new Browser(h.origin);
      bad.cookie = "not-a-token";
      const malformed = await bad.json("GET", "/me");
      assert.equal(malformed.status, 401);
      assert.equal(malformed.body.error.problem, "malformed-token");
      assert.match(
        malformed.res.headers.getSetCookie()[0] ?? "",
        /^__Host-session=; Max-Age=0; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
      );
      const twice = await new Browser(h.origin).json("GET", "/me", {
        cookie: `__Host-session=${"a".repeat(4)}.${"b".repeat(43)}; __Host-session=${"c".repeat(4)}.${"d".repeat(43)}`,
      });
      assert.equal(twice.status, 401);
      assert.equal(twice.body.error.problem, "duplicate-cookie");
      assert.deepEqual(h.store.calls, {});
      assert.ok(h.events.some((e) => e.type === "suspicious" && e.reason === "duplicate-cookie"));
    });

    test("an unknown token is no session: one read, nothing written, cookie cleared", async () => {
      const b = new Browser(h.origin);
      b.cookie = `AAAA.${"x".repeat(43)}`;
      h.store.reset();
      const r = await b.json("GET", "/me");
      assert.equal(r.status, 401);
      assert.deepEqual(h.store.calls, { get: 1 });
      assert.equal(b.cookie, undefined);
      assert.ok(h.events.some((e) => e.type === "suspicious" && e.reason === "unknown-token"));
    });

    test("garbage and huge Cookie headers get a 4xx, never a 500", async () => {
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
      const b = new Browser(h.origin);
      await b.json("POST", "/login?user=mallory");
      const planted = b.cookie;
      await b.json("POST", "/login?user=victim");
      assert.notEqual(b.cookie, planted);
      const old = new Browser(h.origin);
      old.cookie = planted;
      assert.equal((await old.json("GET", "/me")).status, 401);
      assert.equal((await b.json("GET", "/me")).body.userId, "victim");
    });

    test("an anonymous session's data is carried into the signed-in one, under a new token", async () => {
      const b = new Browser(h.origin);
      await b.json("POST", "/cart?item=tea");
      const anonymous = b.cookie;
      assert.ok(anonymous);
      await b.json("POST", "/cart?item=cake");
      await b.json("POST", "/login?user=shopper");
      assert.notEqual(b.cookie, anonymous);
      assert.deepEqual((await b.json("GET", "/me")).body.data.cart, ["tea", "cake"]);
      const old = new Browser(h.origin);
      old.cookie = anonymous;
      assert.equal((await old.json("GET", "/data?key=cart")).body.value, null);
    });

    test("rotation keeps the data and kills the old token at once; elevation is recorded", async () => {
      const b = new Browser(h.origin);
      await b.json("POST", "/login?user=rotor");
      await b.json("POST", "/set?key=color&value=blue");
      const before = b.cookie;
      const id = (await b.json("GET", "/me")).body.session.id;
      assert.equal((await b.json("POST", "/elevate")).body.elevated, true);
      assert.notEqual(b.cookie, before);
      const me = await b.json("GET", "/me");
      assert.equal(me.body.session.id, id);
      assert.notEqual(me.body.session.elevatedAt, null);
      assert.equal((await b.json("GET", "/data?key=color")).body.value, "blue");
      const old = new Browser(h.origin);
      old.cookie = before;
      assert.equal((await old.json("GET", "/me")).status, 401);
    });

    test("the write completes before the response: a redirect's session works at once", async () => {
      for (let i = 0; i < 10; i++) {
        const b = new Browser(h.origin);
        const r = await b.request("POST", `/login-redirect?user=r${i}`);
        assert.equal(r.status, 303);
        assert.equal((await b.json("GET", "/me")).status, 200);
      }
    });

    test("concurrent requests changing different keys lose nothing", async () => {
      const b = new Browser(h.origin);
      await b.json("POST", "/login?user=racer");
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => b.json("POST", `/set?key=k${i}&value=${i}`)),
      );
      for (let i = 0; i < 20; i++)
        assert.equal((await b.json("GET", `/data?key=k${i}`)).body.value, String(i));
    });

    test("sign-out clears the cookie with the same attributes and ends the session", async () => {
      const b = new Browser(h.origin);
      await b.json("POST", "/login?user=leaver");
      const token = b.cookie;
      const { res } = await b.json("POST", "/logout");
      assert.deepEqual(res.headers.getSetCookie(), [
        "__Host-session=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax",
      ]);
      const old = new Browser(h.origin);
      old.cookie = token;
      assert.equal((await old.json("GET", "/me")).status, 401);
    });

    test("devices: list, revoke one, revoke others, revoke all", async () => {
      const phone = new Browser(h.origin);
      const laptop = new Browser(h.origin);
      const tablet = new Browser(h.origin);
      await phone.json("POST", "/login?user=dana", { "user-agent": "Phone" });
      await laptop.json("POST", "/login?user=dana", { "user-agent": "Laptop" });
      await tablet.json("POST", "/login?user=dana", { "user-agent": "Tablet" });
      const list = (await laptop.json("GET", "/sessions")).body as {
        id: string;
        current: boolean;
        userAgent: string;
      }[];
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
      assert.equal((await laptop.json("POST", "/revoke-others")).body.revoked, 1);
      assert.equal((await phone.json("GET", "/me")).status, 401);
      assert.equal((await laptop.json("GET", "/me")).status, 200);
      await phone.json("POST", "/login?user=dana");
      assert.equal((await laptop.json("POST", "/revoke-all")).body.revoked, 2);
      assert.equal(laptop.cookie, undefined);
      assert.equal((await phone.json("GET", "/me")).status, 401);
      assert.equal((await laptop.json("POST", "/revoke-others")).status, 401);
    });

    test("a per-user cap ends the oldest session on the next sign-in", async () => {
      const browsers = Array.from({ length: 6 }, () => new Browser(h.origin));
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
      const b = new Browser(h.origin);
      await b.json("POST", "/login?user=idler");
      h.clock.now += 1_800_000;
      const r = await b.json("GET", "/me");
      assert.equal(r.status, 401);
      assert.equal(r.body.error.problem, "expired");
      assert.ok(
        h.events.some((e) => e.type === "expired" && e.reason === "idle" && e.userId === "idler"),
      );
    });

    test("absolute timeout, however active the session; Max-Age never outlives it", async () => {
      const b = new Browser(h.origin);
      await b.json("POST", "/login?user=busy");
      const absoluteAt = h.clock.now + 28_800_000;
      for (let t = 0; t < 28_800_000 - 600_000; t += 600_000) {
        h.clock.now += 600_000;
        const r = await b.json("GET", "/me");
        assert.equal(r.status, 200);
        const m = /Max-Age=(\d+)/.exec(r.res.headers.getSetCookie()[0] ?? "");
        if (m)
          assert.ok(
            h.clock.now + Number(m[1]) * 1000 <= absoluteAt,
            `Max-Age ${m[1]} outlives the absolute expiry`,
          );
      }
      h.clock.now += 600_000;
      assert.equal((await b.json("GET", "/me")).status, 401);
      assert.ok(
        h.events.some(
          (e) => e.type === "expired" && e.reason === "absolute" && e.userId === "busy",
        ),
      );
    });

    test("a store that is down: 503 with a code, the cookie kept, service back without restart", async () => {
      const b = new Browser(h.origin);
      await b.json("POST", "/login?user=patient");
      const token = b.cookie;
      h.store.down = true;
      try {
        const r = await b.json("GET", "/me");
        assert.equal(r.status, 503);
        assert.equal(r.body.error.code, "session_store_unavailable");
        assert.deepEqual(r.res.headers.getSetCookie(), []);
        const w = await b.json("POST", "/set?key=x&value=1");
        assert.equal(w.status, 503);
        assert.equal(b.cookie, token);
      } finally {
        h.store.down = false;
      }
      assert.equal((await b.json("GET", "/me")).status, 200);
      assert.equal((await b.json("GET", "/data?key=x")).body.value, null);
    });

    test("a write that fails at commit: the whole 503 JSON, and no cookie", async () => {
      h.store.down = true;
      try {
        // No cookie, so loading needs no store; creating the anonymous session then fails.
        const r = await new Browser(h.origin).json("POST", "/cart?item=tea");
        assert.equal(r.status, 503);
        assert.equal(r.body.error.code, "session_store_unavailable");
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

    test("an explicit save() writes before the handler returns", async () => {
      const b = new Browser(h.origin);
      await b.json("POST", "/login?user=streamer");
      await b.json("GET", "/stream");
      assert.equal((await b.json("GET", "/data?key=streamed")).body.value, true);
    });
  });

  describe(`sessions over plain HTTP without the localhost opt-in: ${name}`, () => {
    let h: Harness;
    before(async () => {
      h = await harness(start, { insecureLocalhost: false });
    });
    after(async () => h.close());

    test("signing in says why it cannot set a Secure cookie, with a 400 and a code", async () => {
      const r = await new Browser(h.origin).json("POST", "/login");
      assert.equal(r.status, 400);
      assert.equal(r.body.error.code, "session_insecure_transport");
      assert.match(r.body.error.message, /HTTPS|trustProxy|insecureLocalhost/);
      assert.deepEqual(r.res.headers.getSetCookie(), []);
    });

    test("behind a TLS proxy, trustProxy reads the forwarded scheme", async () => {
      const proxied = await harness(start, { trustProxy: true });
      try {
        const b = new Browser(proxied.origin);
        assert.equal(
          (await b.json("POST", "/login", { "x-forwarded-proto": "https" })).status,
          200,
        );
        assert.equal(
          (
            await new Browser(proxied.origin).json("POST", "/login", {
              "x-forwarded-proto": "http",
            })
          ).status,
          400,
        );
        assert.equal(
          (
            await new Browser(proxied.origin).json("POST", "/login", {
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
