import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import type { StandardSchemaV1 } from "../lib/standard-schema.js";
import { memoryStore } from "../stores/memory.js";
import { type SessionStore, StoreError } from "../stores/types.js";
import { memoryRevocationStore, opaqueBearer, signedCookie } from "../transports/index.js";
import { createSessions, type SessionRequest } from "./create-sessions.js";
import { SessionError } from "./errors.js";
import type { SessionEvent } from "./events.js";
import { isWellFormedToken, newToken, shardFor, storeKey } from "./tokens.js";

function request(headers: Record<string, string> = {}, encrypted = true): SessionRequest {
  return { header: (name) => headers[name], encrypted };
}

function optionsError(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof SessionError);
    assert.equal(e.code, "ERR_SESSION_OPTIONS_INVALID");
    assert.match(e.message, pattern);
    return true;
  });
}

/** A manager of each kind: a store's, and a stateless transport's (a signed cookie). */
function bothKinds() {
  return [
    createSessions({ store: memoryStore() }),
    createSessions({
      transport: signedCookie({
        keys: [{ id: "k1", secret: randomBytes(32) }],
        revocation: memoryRevocationStore(),
      }),
    }),
  ];
}

describe("createSessions: options are checked when the manager is made", () => {
  const store = memoryStore();

  test("a store is required, and must be one", () => {
    optionsError(() => createSessions({} as never), /needs a store/);
    optionsError(
      () => createSessions({ store: memoryStore as never }),
      /lacks get, create.*called, not the function itself/,
    );
    optionsError(() => createSessions({ store: {} as never }), /lacks get/);
  });

  test("a misspelt key is refused, naming the key it differs from in case, or all of them", () => {
    optionsError(
      () => createSessions({ store, insecureLocalHost: true } as never),
      /^unknown option insecureLocalHost: did you mean insecureLocalhost\?$/,
    );
    optionsError(
      () => createSessions({ store, rotation: { interval: 900, graceSeconds: 5 } } as never),
      /^unknown option rotation\.graceSeconds: the options are interval, grace$/,
    );
    optionsError(
      () => createSessions({ store, cookie: { Name: "sid" } } as never),
      /unknown option cookie\.Name: did you mean cookie\.name\?/,
    );
    optionsError(
      () => createSessions({ store, cacheControl: { noStore: true } } as never),
      /unknown option cacheControl\.noStore: the options are private, vary/,
    );
    optionsError(
      () => createSessions({ store, audit: { maxLifeTime: 60 } } as never),
      /unknown option audit\.maxLifeTime: did you mean audit\.maxLifetime\?/,
    );
    optionsError(
      () => createSessions({ store, cookie: "sid" } as never),
      /cookie must be an object/,
    );
    optionsError(
      () => createSessions({ store, rotation: 900 } as never),
      /rotation must be an object/,
    );
  });

  test("a flag must be a boolean: a string from the environment is not", () => {
    for (const name of ["insecureLocalhost", "trustProxy"] as const) {
      optionsError(
        () => createSessions({ store, [name]: "false" as never }),
        new RegExp(`^${name} must be true or false, not "false"$`),
      );
    }
    optionsError(
      () => createSessions({ store, cacheControl: { vary: 0 as never } }),
      /^cacheControl\.vary must be true or false, not 0$/,
    );
  });

  test("a timeout of a fraction of a millisecond is kept in whole ms, as every store keeps times", async () => {
    const own = memoryStore();
    const at = Date.now();
    const sessions = createSessions({ store: own, idleTimeout: 1000 / 3, now: () => at });
    const s = await sessions.load(request());
    await s.signIn("ada");
    const cookie = (await s.commit()).setCookie.join("\n");
    assert.match(cookie, /Max-Age=334;/);
    const token = /__Host-session=([^;]+)/.exec(cookie)?.[1] as string;
    const record = await own.get(storeKey(token));
    assert.equal(record?.idleExpiresAt, at + 333_333);
    optionsError(
      () => createSessions({ store, touchInterval: 0.0001 }),
      /touchInterval must be a number of seconds, at least 0.001, got 0.0001/,
    );
  });

  test("timeouts must be positive, idle no longer than absolute, touch shorter than idle", () => {
    optionsError(() => createSessions({ store, idleTimeout: 0 }), /idleTimeout/);
    optionsError(() => createSessions({ store, absoluteTimeout: Number.NaN }), /absoluteTimeout/);
    // An environment variable passed as it is: the message must not read "got 60".
    optionsError(
      () => createSessions({ store, idleTimeout: "60" as never }),
      /got the string "60" \(convert it with Number\(\)\)/,
    );
    optionsError(
      () => createSessions({ store, idleTimeout: 100, absoluteTimeout: 50 }),
      /idleTimeout \(100 s\) cannot be longer than absoluteTimeout \(50 s\)/,
    );
    // Milliseconds for the idle timeout only (express-session's cookie.maxAge habit).
    optionsError(
      () => createSessions({ store, idleTimeout: 1_800_000 }),
      /idleTimeout \(1800000 s\) cannot be longer than absoluteTimeout \(28800 s, the default\); timeouts are in seconds, not milliseconds/,
    );
    optionsError(
      () => createSessions({ store, idleTimeout: 60, touchInterval: 60 }),
      /touchInterval \(60 s\) must be shorter than idleTimeout \(60 s\)/,
    );
    // The touch interval was never set: the message says its value is the default.
    optionsError(
      () => createSessions({ store, idleTimeout: 3 }),
      /touchInterval \(60 s, the default\) must be shorter than idleTimeout \(3 s\)/,
    );
  });

  test("a schema that is not a Standard Schema is refused at start, not at the first write", () => {
    // Zod before 3.24 has parse() but no ~standard.
    optionsError(
      () => createSessions({ store, schema: { parse: () => ({}) } as never }),
      /schema must be a Standard Schema validator \(it has no ~standard\.validate\)/,
    );
    optionsError(() => createSessions({ store, schema: null as never }), /Standard Schema/);
  });

  test("periodic rotation: an interval between the touch interval and the absolute timeout, a grace shorter than the touch interval and only with a store that keeps it", () => {
    optionsError(() => createSessions({ store, rotation: {} as never }), /rotation.interval/);
    optionsError(
      () => createSessions({ store, rotation: { interval: 60 } }),
      /interval \(60 s\) must be longer than touchInterval \(60 s\)/,
    );
    optionsError(
      () => createSessions({ store, rotation: { interval: 28_800 } }),
      /interval \(28800 s\) must be shorter than absoluteTimeout \(28800 s\)/,
    );
    optionsError(
      () => createSessions({ store, rotation: { interval: 900, grace: 60 } }),
      /grace \(60 s\) must be shorter than touchInterval \(60 s\)/,
    );
    // The default grace, against a short touch interval: say it is the default.
    optionsError(
      () => createSessions({ store, touchInterval: 5, rotation: { interval: 900 } }),
      /grace \(the default, 10 s\) must be shorter than touchInterval \(5 s\): set a shorter/,
    );
    optionsError(
      () => createSessions({ store, rotation: { interval: 900, grace: "2" as never } }),
      /got the string "2" \(convert it with Number\(\)\)/,
    );
    optionsError(
      () => createSessions({ store, rotation: { interval: 900, grace: -1 } }),
      /at least 0/,
    );
    const { renameGrace: _, ...withoutGrace } = memoryStore();
    optionsError(
      () => createSessions({ store: withoutGrace, rotation: { interval: 900 } }),
      /renameGrace.*set rotation.grace to 0/,
    );
    assert.ok(createSessions({ store: withoutGrace, rotation: { interval: 900, grace: 0 } }));
    optionsError(
      () =>
        createSessions({
          transport: signedCookie({
            keys: [{ id: "k", secret: randomBytes(32) }],
            revocation: memoryRevocationStore(),
          }),
          rotation: { interval: 900 },
        }),
      /rotation is for sessions in a store/,
    );
  });

  test("SameSite=None for a session cookie is refused, with what to do instead", () => {
    optionsError(() => createSessions({ store, cookie: { sameSite: "None" } }), /"Lax"/);
  });

  test("cookie settings browsers would reject are refused now, not at the first sign-in", () => {
    optionsError(
      () => createSessions({ store, cookie: { domain: "shop.test" } }),
      /__Host-.*Domain/,
    );
    optionsError(() => createSessions({ store, cookie: { path: "/app" } }), /Path=\//);
    optionsError(() => createSessions({ store, cookie: { name: "bad name" } }), /not a token/);
    assert.equal(
      createSessions({ store, cookie: { name: "sid", domain: "shop.test", path: "/app" } })
        .cookieName,
      "sid",
    );
  });

  test("a per-user cap is a whole number of at least one", () => {
    optionsError(() => createSessions({ store, maxSessionsPerUser: 0 }), /maxSessionsPerUser/);
    optionsError(() => createSessions({ store, maxSessionsPerUser: 1.5 }), /maxSessionsPerUser/);
  });
});

describe("tokens", () => {
  test("256 random bits behind the user's shard; the store key is a hash, never the token", () => {
    const t = newToken(shardFor("alice"));
    assert.equal(isWellFormedToken(t), true);
    assert.equal(t.slice(0, 4), shardFor("alice"));
    assert.notEqual(newToken(shardFor("alice")), t);
    const key = storeKey(t);
    assert.equal(key.slice(0, 5), `${t.slice(0, 4)}.`);
    assert.ok(!key.includes(t.slice(5)));
    assert.equal(key.length, 4 + 1 + 43);
  });

  test("anything but the exact shape is refused", () => {
    const t = newToken("abcd");
    for (const bad of [
      "",
      t.slice(1),
      `${t}x`,
      t.replace(".", "-"),
      `${t.slice(0, -1)}=`,
      ` ${t.slice(1)}`,
    ]) {
      assert.equal(isWellFormedToken(bad), false, bad);
    }
  });
});

describe("typed data validated on load with a Standard Schema validator", () => {
  // A validator written against the Standard Schema interface, as Zod or Valibot provide one.
  const cartSchema: StandardSchemaV1<unknown, { cart: string[] }> = {
    "~standard": {
      version: 1,
      vendor: "test",
      validate: (value) => {
        const cart = (value as { cart?: unknown }).cart;
        return Array.isArray(cart) && cart.every((x) => typeof x === "string")
          ? { value: { cart } }
          : { issues: [{ message: "cart must be a list of strings" }] };
      },
    },
  };

  test("valid data reaches the handler; invalid data ends the session", async () => {
    const store = memoryStore();
    const sessions = createSessions({ store, schema: cartSchema });
    const events: SessionEvent[] = [];
    sessions.on("*", (e) => events.push(e));

    const first = await sessions.load(request());
    await first.signIn("alice", { data: { cart: ["tea"] } });
    const cookie = (await first.commit()).setCookie[0] ?? "";
    const token = /^__Host-session=([^;]+)/.exec(cookie)?.[1] ?? "";
    const again = await sessions.load(request({ cookie: `__Host-session=${token}` }));
    assert.deepEqual(again.get("cart"), ["tea"]);

    // The stored data goes bad behind the application's back.
    await store.update(storeKey(token), { set: { cart: "not a list" } });
    const bad = await sessions.load(request({ cookie: `__Host-session=${token}` }));
    assert.equal(bad.active, false);
    assert.equal(bad.problem, "revoked");
    assert.ok(events.some((e) => e.type === "revoked" && e.reason === "invalid-data"));
    assert.equal(await store.get(storeKey(token)), null);
    await store.close?.();
  });

  test("data the schema would refuse is refused when written, and nothing is stored", async () => {
    const store = memoryStore();
    const sessions = createSessions({ store, schema: cartSchema });
    const refused = (e: unknown): boolean => {
      assert.ok(e instanceof SessionError);
      assert.equal(e.code, "ERR_SESSION_DATA_INVALID");
      assert.match(e.message, /does not match the schema.*cart must be a list of strings/);
      return true;
    };
    // signIn without the data the schema requires: refused at once, not on the next load.
    await assert.rejects(
      sessions.load(request()).then((s) => s.signIn("alice")),
      refused,
    );
    assert.deepEqual(await store.listByUser("alice"), []);

    const first = await sessions.load(request());
    await first.signIn("alice", { data: { cart: [] } });
    const cookie = (await first.commit()).setCookie[0] ?? "";
    const header = { cookie: cookie.split(";")[0] ?? "" };
    const later = await sessions.load(request(header));
    later.set("cart", 42 as never);
    await assert.rejects(later.commit(), refused);
    const stored = await sessions.load(request(header));
    assert.deepEqual(stored.get("cart"), [], "the refused change was not written");
    assert.equal(stored.active, true, "and the session lives on");

    // An anonymous session is created only with data that passes.
    const anonymous = await sessions.load(request());
    anonymous.set("note" as never, "x" as never);
    await assert.rejects(anonymous.commit(), refused);
    await store.close?.();
  });
});

describe("RequestSession rules", () => {
  test("nothing can change after commit", async () => {
    const sessions = createSessions({ store: memoryStore() });
    const s = await sessions.load(request());
    await s.commit();
    assert.throws(
      () => s.set("a", 1),
      (e: unknown) => e instanceof SessionError && e.code === "ERR_SESSION_COMMITTED",
    );
    assert.deepEqual(await s.commit(), { setCookie: [], cacheControl: undefined, vary: undefined });
  });

  test("a burst of requests of one session extends its idle expiry once, not once each", async () => {
    let now = 1_000_000;
    const inner = memoryStore({ now: () => now });
    const updates: string[] = [];
    const store: SessionStore = {
      ...inner,
      update: async (key, patch) => {
        updates.push(key);
        // A network store's write takes a while: the burst's other commits come meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 20));
        return inner.update(key, patch);
      },
    };
    const sessions = createSessions({ store, now: () => now });
    const first = await sessions.load(request());
    await first.signIn("alice");
    const cookie = ((await first.commit()).setCookie[0] ?? "").split(";")[0] ?? "";
    now += 61_000;
    // A page's parallel API calls: every read comes back before any touch is written.
    const burst = await Promise.all(
      Array.from({ length: 5 }, () => sessions.load(request({ cookie }))),
    );
    const headers = await Promise.all(burst.map((s) => s.commit()));
    assert.equal(updates.length, 1);
    assert.equal(headers.filter((h) => h.setCookie.length === 1).length, 1);
    const record = await inner.get(storeKey(cookie.split("=")[1] ?? ""));
    assert.equal(record?.lastSeenAt, now);
    // Once that write is done, the next due touch is written again.
    now += 61_000;
    await (await sessions.load(request({ cookie }))).commit();
    assert.equal(updates.length, 2);
  });

  test("__proto__ is not a session key", async () => {
    const s = await createSessions({ store: memoryStore() }).load(request());
    assert.throws(
      () => s.set("__proto__", 1),
      (e: unknown) => e instanceof SessionError && e.code === "ERR_SESSION_DATA_INVALID",
    );
  });

  test("set keeps a copy: a value changed after set is neither saved nor let past the JSON check, on every transport", async () => {
    for (const sessions of bothKinds()) {
      const s = await sessions.load(request());
      const cart: unknown[] = ["tea"];
      s.set("cart", cart);
      // The req.session.cart.push() habit, after set.
      cart.push(Number.NaN, new Date(0), new Map());
      assert.deepEqual(s.get("cart"), ["tea"]);
      const cookie = (await s.commit()).setCookie[0]?.split(";")[0] ?? "";
      assert.deepEqual((await sessions.load(request({ cookie }))).get("cart"), ["tea"]);
    }
  });

  test("a key the data lacks reads as undefined, not as a member of Object.prototype, on every transport", async () => {
    const inherited = ["constructor", "__proto__", "toString", "hasOwnProperty"];
    for (const sessions of bothKinds()) {
      const first = await sessions.load(request());
      await first.signIn("alice", { data: { cart: ["tea"] } });
      const cookie = (await first.commit()).setCookie[0]?.split(";")[0] ?? "";
      const s = await sessions.load(request({ cookie }));
      assert.equal(s.userId, "alice");
      s.set("note", "n");
      for (const key of inherited) assert.equal(s.get(key), undefined, key);
      assert.deepEqual(s.keys(), ["cart", "note"]);
      s.unset("cart");
      assert.equal(s.get("constructor"), undefined);
    }
  });

  test("data JSON cannot hold exactly is refused where it is set, naming the path, on every transport", async () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const refused: [unknown, RegExp][] = [
      [10n, /"v" is a bigint/],
      [() => 1, /"v" is a function/],
      [Symbol("s"), /"v" is a symbol/],
      [undefined, /"v" is undefined.*unset\(\) it/],
      [Number.NaN, /"v" is NaN/],
      [{ total: Number.POSITIVE_INFINITY }, /"v"\.total is Infinity/],
      [new Date(0), /"v" is a Date.*getTime\(\)/],
      [{ items: [1, new Map()] }, /"v"\.items\[1\] is a Map/],
      [[1, undefined], /"v"\[1\] is undefined/],
      [{ nickname: undefined }, /"v"\.nickname is undefined/],
      [cyclic, /"v"(\.self)+ is nested deeper than 32 levels/],
    ];
    for (const sessions of bothKinds()) {
      const s = await sessions.load(request());
      for (const [value, message] of refused) {
        assert.throws(
          () => s.set("v", value),
          (e: unknown) =>
            e instanceof SessionError &&
            e.code === "ERR_SESSION_DATA_INVALID" &&
            message.test(e.message),
          String(message),
        );
        await assert.rejects(
          s.signIn("alice", { data: { v: value } }),
          (e: unknown) => e instanceof SessionError && e.code === "ERR_SESSION_DATA_INVALID",
        );
      }
      // What JSON keeps exactly is accepted.
      s.set("v", { a: [1, "x", null, true, { b: -0.5 }] });
      const headers = await s.commit();
      assert.equal(headers.setCookie.length, 1, "nothing refused was staged");
    }
  });

  test("signIn refuses a user id that no store could keep as given, storing nothing", async () => {
    const store = memoryStore();
    const sessions = createSessions({ store });
    // U+0000: PostgreSQL's text cannot hold it, so a PostgreSQL store would fail the sign-in.
    for (const bad of ["", "u\ud800", "\udc00u", "a\u0000b", 42 as unknown as string]) {
      const s = await sessions.load(request());
      await assert.rejects(
        s.signIn(bad),
        (e: unknown) => e instanceof SessionError && e.code === "ERR_SESSION_DATA_INVALID",
      );
      assert.deepEqual(await store.listByUser(String(bad)), []);
    }
    const s = await sessions.load(request());
    await s.signIn("u\u{1f36a}");
    assert.equal(s.userId, "u\u{1f36a}");
  });

  test("over plain HTTP, signIn names only the remedies not taken yet", async () => {
    const refusal = async (
      options: {
        insecureLocalhost?: boolean;
        trustProxy?: boolean;
        bearer?: boolean;
        stateless?: boolean;
      },
      host: string,
      headers: Record<string, string> = {},
    ): Promise<string> => {
      const { bearer, stateless, ...rest } = options;
      const transport =
        bearer === true
          ? opaqueBearer()
          : stateless === true
            ? signedCookie({
                keys: [{ id: "k1", secret: randomBytes(32) }],
                revocation: memoryRevocationStore(),
              })
            : undefined;
      const sessions = createSessions({
        ...(transport?.stateless === undefined ? { store: memoryStore() } : {}),
        ...rest,
        ...(transport === undefined ? {} : { transport }),
      });
      const s = await sessions.load(request({ host, ...headers }, false));
      const error = await s.signIn("alice").then(
        () => assert.fail("signed in over plain HTTP"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof SessionError);
      assert.equal(error.code, "ERR_SESSION_INSECURE_TRANSPORT");
      assert.equal(error.status, 400);
      return error.message;
    };
    const bare = await refusal({}, "shop.example");
    assert.match(
      bare,
      /serve the app over HTTPS, set trustProxy: true .*, or set insecureLocalhost: true/,
    );
    const local = await refusal({ insecureLocalhost: true }, "shop.example:3000");
    assert.doesNotMatch(local, /set insecureLocalhost/);
    assert.match(
      local,
      /insecureLocalhost is on, but covers only the hosts localhost, 127\.0\.0\.1 and \[::1\]/,
    );
    assert.match(bare, /where browsers refuse to store a Secure session cookie/);
    // A bearer token is no cookie: the message says what plain HTTP does to it.
    const bearer = await refusal({ bearer: true }, "shop.example");
    assert.match(bearer, /where a bearer token would travel in the clear: serve the app/);
    // A proxy's header with trustProxy off (the forgotten option): the message says it was seen.
    for (const [headers, stateless] of [
      [{ "x-forwarded-proto": "https" }, false],
      [{ forwarded: "for=10.0.0.1;proto=https" }, false],
      [{ "x-forwarded-proto": "https" }, true],
    ] as const) {
      assert.match(
        await refusal({ stateless }, "shop.example", headers),
        /set trustProxy: true in createSessions: the request says a proxy took it over HTTPS/,
        JSON.stringify(headers),
      );
    }
    assert.doesNotMatch(
      await refusal({}, "shop.example", { "x-forwarded-proto": "http" }),
      /the request says a proxy/,
    );
    const both = await refusal({ insecureLocalhost: true, trustProxy: true }, "shop.example");
    assert.match(
      both,
      /: serve the app over HTTPS \(trustProxy is on, but .*; insecureLocalhost is on/,
    );
  });

  test("operations that need a signed-in user say so with a 401", async () => {
    const s = await createSessions({ store: memoryStore() }).load(request());
    for (const op of [
      () => s.rotate(),
      () => s.list(),
      () => s.revokeOthers(),
      () => s.revokeAll(),
      () => s.revoke("x"),
    ]) {
      await assert.rejects(
        op(),
        (e: unknown) =>
          e instanceof SessionError && e.code === "ERR_SESSION_REQUIRED" && e.status === 401,
      );
    }
  });

  test("a listener that throws does not break the request", async () => {
    const sessions = createSessions({ store: memoryStore() });
    sessions.on("created", () => {
      throw new Error("listener bug");
    });
    const original = console.error;
    const seen: unknown[] = [];
    console.error = (e: unknown) => seen.push(e);
    try {
      const s = await sessions.load(request());
      await s.signIn("alice");
    } finally {
      console.error = original;
    }
    assert.equal((seen[0] as Error).message, "listener bug");
  });

  test("admin: list and revoke every session of a user", async () => {
    const sessions = createSessions({ store: memoryStore() });
    for (let i = 0; i < 3; i++) await (await sessions.load(request())).signIn("bob");
    assert.equal((await sessions.list("bob")).length, 3);
    assert.equal(await sessions.revokeUser("bob"), 3);
    assert.deepEqual(await sessions.list("bob"), []);
  });
});

describe("periodic rotation", () => {
  const cookieOf = (h: { setCookie: readonly string[] }): string | undefined =>
    h.setCookie[0]?.split(";")[0];

  async function signedIn(rotation: { interval: number; grace?: number }) {
    let now = 1_000_000;
    const store = memoryStore({ now: () => now });
    const renames: string[] = [];
    const counted: SessionStore = {
      ...store,
      rename: (oldKey, newKey, patch, options) => {
        renames.push(oldKey);
        return store.rename(oldKey, newKey, patch, options);
      },
    };
    const sessions = createSessions({ store: counted, rotation, now: () => now });
    const events: SessionEvent[] = [];
    sessions.on("*", (e) => events.push(e));
    const first = await sessions.load(request());
    await first.signIn("alice");
    const cookie = cookieOf(await first.commit()) as string;
    const at = (c: string) => sessions.load(request({ cookie: c }));
    return { sessions, store, renames, events, cookie, at, tick: (ms: number) => (now += ms) };
  }

  test("once per interval the first request gets a new token; the old one reads for the grace window only, and cannot write", async () => {
    const t = await signedIn({ interval: 900, grace: 10 });
    t.tick(899_000);
    const before = await t.at(t.cookie);
    const binding = before.binding;
    const touched = cookieOf(await before.commit());
    assert.equal(touched, t.cookie, "rotated before the interval came round");
    t.tick(2_000);
    const rotating = await t.at(t.cookie);
    const renewed = cookieOf(await rotating.commit()) as string;
    assert.notEqual(renewed, t.cookie, "no new token once the interval came round");
    assert.equal(t.renames.length, 1);
    assert.deepEqual(
      t.events.filter((e) => e.type === "rotated"),
      [{ type: "rotated", sessionId: rotating.info?.id, userId: "alice", reason: "periodic" }],
    );
    // A request in flight with the old cookie is still served, and sets no cookie: the old token
    // must not overwrite the new one in the browser.
    t.tick(5_000);
    const inFlight = await t.at(t.cookie);
    assert.equal(inFlight.userId, "alice");
    assert.equal(inFlight.binding, binding, "CSRF tokens of the page broke on rotation");
    assert.deepEqual((await inFlight.commit()).setCookie, []);
    const writing = await t.at(t.cookie);
    writing.set("theme", "dark");
    await assert.rejects(writing.commit(), { code: "ERR_SESSION_CONFLICT", status: 409 });
    // The new cookie works, without another rotation in this interval, and has the same binding.
    const next = await t.at(renewed);
    next.set("theme", "dark");
    assert.deepEqual((await next.commit()).setCookie, []);
    assert.equal(next.binding, binding);
    assert.equal(t.renames.length, 1);
    // Past the grace window the old token is unknown.
    t.tick(6_000);
    const late = await t.at(t.cookie);
    assert.equal(late.active, false);
    assert.equal(late.problem, "unknown-token");
    assert.equal((await t.at(renewed)).get("theme"), "dark");
  });

  test("a session unused for several intervals rotates once when it comes back, keeping its data and absolute expiry", async () => {
    const t = await signedIn({ interval: 600, grace: 0 });
    const signedInAt = (await t.at(t.cookie)).info;
    t.tick(1_500_000);
    const back = await t.at(t.cookie);
    const renewed = cookieOf(await back.commit()) as string;
    assert.notEqual(renewed, t.cookie);
    // No grace: the old token is gone at once.
    assert.equal((await t.at(t.cookie)).active, false);
    const after = await t.at(renewed);
    assert.deepEqual((await after.commit()).setCookie, []);
    assert.equal(t.renames.length, 1);
    assert.equal(after.info?.id, signedInAt?.id);
    assert.deepEqual(after.info?.absoluteExpiresAt, signedInAt?.absoluteExpiresAt);
    // The next interval (counted from sign-in) rotates again.
    t.tick(300_000);
    assert.notEqual(cookieOf(await (await t.at(renewed)).commit()), undefined);
    assert.equal(t.renames.length, 2);
  });

  test("of two requests that find rotation due, one rotates; the other, read-only, sets no cookie, and a change it makes is refused", async () => {
    const t = await signedIn({ interval: 900 });
    t.tick(901_000);
    const [a, b, c] = await Promise.all([t.at(t.cookie), t.at(t.cookie), t.at(t.cookie)]);
    c?.set("n", 1);
    const first = await a?.commit();
    assert.notEqual(cookieOf(first as never), t.cookie);
    assert.deepEqual((await b?.commit())?.setCookie, []);
    await assert.rejects(c?.commit() as Promise<unknown>, { code: "ERR_SESSION_CONFLICT" });
    const live = await t.store.listByUser("alice");
    assert.deepEqual(
      live.map((x) => x.key),
      [storeKey(cookieOf(first as never)?.split("=")[1] ?? "")],
    );
    assert.equal(live[0]?.record.data.n, undefined);
  });

  test("signing out other devices with the old token, in the grace window, keeps this session", async () => {
    const t = await signedIn({ interval: 900 });
    const phone = await t.sessions.load(request());
    await phone.signIn("alice");
    await phone.commit();
    t.tick(901_000);
    const renewed = cookieOf(await (await t.at(t.cookie)).commit()) as string;
    const stale = await t.at(t.cookie);
    assert.equal(await stale.revokeOthers(), 1);
    const left = await t.store.listByUser("alice");
    assert.deepEqual(
      left.map((x) => x.key),
      [storeKey(renewed.split("=")[1] ?? "")],
    );
    assert.equal((await t.at(renewed)).userId, "alice");
  });

  test("a failed request (5xx) neither rotates nor extends", async () => {
    const t = await signedIn({ interval: 900 });
    t.tick(901_000);
    const failed = await t.at(t.cookie);
    failed.discard();
    assert.deepEqual((await failed.commit()).setCookie, []);
    assert.equal(t.renames.length, 0);
  });
});

describe("a store that fails in ways that are not an outage", () => {
  const corrupt = (): { store: SessionStore; deletes: string[] } => {
    const inner = memoryStore();
    const deletes: string[] = [];
    const store: SessionStore = {
      ...inner,
      get: async () => {
        throw new StoreError("ERR_STORE_CORRUPT", "test: the row's data is a JSON array");
      },
      delete: async (key) => {
        deletes.push(key);
        return inner.delete(key);
      },
    };
    return { store, deletes };
  };
  const cookieOf = (token: string): Record<string, string> => ({
    cookie: `__Host-session=${token}`,
  });

  test("a record the store cannot read ends that session (cookie cleared), not a 503 forever", async () => {
    const { store, deletes } = corrupt();
    const sessions = createSessions({ store });
    const events: SessionEvent[] = [];
    sessions.on("*", (e) => events.push(e));
    const token = newToken(shardFor(null));
    const s = await sessions.load(request(cookieOf(token)));
    assert.equal(s.userId, null);
    assert.equal(s.problem, "revoked");
    const h = await s.commit();
    assert.match(h.setCookie[0] ?? "", /^__Host-session=; .*Max-Age=0/);
    assert.deepEqual(deletes, [storeKey(token)]);
    assert.ok(events.some((e) => e.type === "store-error" && e.code === "ERR_STORE_CORRUPT"));
    // The same browser can sign in again at once.
    const again = await sessions.load(request(cookieOf(token)));
    await again.signIn("alice");
    assert.equal(again.userId, "alice");
  });

  test("a TypeError from the store is a programming error, not a 503", async () => {
    const inner = memoryStore();
    const store: SessionStore = {
      ...inner,
      get: async () => {
        throw new TypeError("test: not a store key");
      },
    };
    const sessions = createSessions({ store });
    await assert.rejects(
      sessions.load(request(cookieOf(newToken(shardFor(null))))),
      (e: unknown) => e instanceof TypeError && !(e instanceof SessionError),
    );
  });
});

describe("signIn's carry: what of the anonymous session's data the signed-in one keeps", () => {
  const signedIn = async (
    options: Parameters<typeof createSessions>[0],
    carry?: boolean | readonly string[],
  ): Promise<Record<string, unknown>> => {
    const sessions = createSessions(options);
    const anonymous = await sessions.load(request());
    anonymous.set("cart", ["tea"]);
    anonymous.set("returnTo", "/evil");
    const cookie = (await anonymous.commit()).setCookie[0]?.split(";")[0] ?? "";
    const s = await sessions.load(request({ cookie }));
    assert.equal(s.active, true);
    await s.signIn("alice", carry === undefined ? {} : { carry, data: { note: "n" } });
    const next = (await s.commit()).setCookie[0]?.split(";")[0] ?? "";
    const after = await sessions.load(request({ cookie: next }));
    assert.equal(after.userId, "alice");
    return Object.fromEntries(after.keys().map((k) => [k, after.get(k)]));
  };

  for (const [kind, options] of [
    ["store", () => ({ store: memoryStore() })],
    [
      "signed cookie",
      () => ({
        transport: signedCookie({
          keys: [{ id: "k1", secret: randomBytes(32) }],
          revocation: memoryRevocationStore(),
        }),
      }),
    ],
  ] as const) {
    test(`${kind}: all by default, none with false, the listed keys with a list`, async () => {
      assert.deepEqual(await signedIn(options()), { cart: ["tea"], returnTo: "/evil" });
      assert.deepEqual(await signedIn(options(), true), {
        cart: ["tea"],
        returnTo: "/evil",
        note: "n",
      });
      assert.deepEqual(await signedIn(options(), false), { note: "n" });
      assert.deepEqual(await signedIn(options(), ["cart", "absent"]), { cart: ["tea"], note: "n" });
    });
  }

  test("a carry that is neither a boolean nor a list of keys is refused, and nothing is created", async () => {
    const store = memoryStore();
    const sessions = createSessions({ store });
    for (const bad of ["cart", [1], null]) {
      const s = await sessions.load(request());
      await assert.rejects(
        s.signIn("bob", { carry: bad as never }),
        (e: unknown) =>
          e instanceof SessionError &&
          e.code === "ERR_SESSION_OPTIONS_INVALID" &&
          /carry must be true, false or a list of data keys/.test(e.message),
      );
    }
    assert.deepEqual(await store.listByUser("bob"), []);
  });
});
