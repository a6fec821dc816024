// signIn and revoke through the session layer on every built-in store: what a sign-in writes into
// the new session, a sign-in whose own create could end the session it replaces, and a revoke
// whose target rotates meanwhile. Redis on 127.0.0.1:6379 and PostgreSQL (SESSIONJAR_PG_URL, or
// the local one) must be running: nothing is skipped.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import pg from "pg";
import { nodeRedis } from "../../test/redis.js";
import { memoryStore } from "../stores/memory.js";
import { migrate, postgresStore } from "../stores/postgres.js";
import { redisStore } from "../stores/redis.js";
import { sqliteStore } from "../stores/sqlite.js";
import { type SessionStore, StoreError } from "../stores/types.js";
import { createSessions, type SessionRequest } from "./create-sessions.js";
import { SessionError } from "./errors.js";
import type { SessionEvent } from "./events.js";
import type { SessionsOptions } from "./options.js";
import type { RequestSession } from "./request-session.js";

const RUN = randomBytes(4).toString("hex");
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

const STORES: [string, () => Promise<SessionStore>][] = [
  ["memory", async () => memoryStore()],
  [
    "sqlite",
    async () => {
      const store = sqliteStore({ database: ":memory:" });
      cleanups.push(async () => store.close());
      return store;
    },
  ],
  [
    "redis",
    async () => {
      const client = await nodeRedis();
      const prefix = `sjtest-signin-${RUN}-${randomBytes(4).toString("hex")}:`;
      cleanups.push(async () => {
        for await (const keys of client.scanIterator({ MATCH: `${prefix}*` })) {
          const list: string[] = Array.isArray(keys) ? keys : [keys];
          if (list.length > 0) await client.del(list);
        }
        await client.quit();
      });
      return redisStore({ client, prefix });
    },
  ],
  [
    "postgres",
    async () => {
      const pool = new pg.Pool({
        connectionString:
          process.env.SESSIONJAR_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test",
        max: 5,
      });
      pool.on("error", () => {});
      const table = `sj_signin_${RUN}_${randomBytes(3).toString("hex")}`;
      await migrate(pool, { table });
      cleanups.push(async () => {
        await pool.query(`DROP TABLE IF EXISTS "${table}", "${table}_renamed"`);
        await pool.end();
      });
      return postgresStore({ pool, table });
    },
  ],
];

function request(cookie?: string): SessionRequest {
  return { header: (name) => (name === "cookie" ? cookie : undefined), encrypted: true };
}

const cookieOf = (h: { setCookie: readonly string[] }): string =>
  h.setCookie[0]?.split(";")[0] ?? "";

const dataOf = (s: RequestSession): Record<string, unknown> =>
  Object.fromEntries(s.keys().map((k) => [k, s.get(k)]));

/**
 * A store whose next `listByUser` runs `meanwhile` after reading the list and before answering:
 * another request's change in the round trip of this one's.
 */
function racing(inner: SessionStore) {
  const hooks: (() => Promise<void>)[] = [];
  const store: SessionStore = {
    renameGrace: inner.renameGrace === true,
    get: (key) => inner.get(key),
    create: (key, record, options) => inner.create(key, record, options),
    update: (key, patch) => inner.update(key, patch),
    rename: (oldKey, newKey, patch, options) => inner.rename(oldKey, newKey, patch, options),
    delete: (key) => inner.delete(key),
    listByUser: async (userId) => {
      const all = await inner.listByUser(userId);
      await hooks.shift()?.();
      return all;
    },
    deleteByUser: (userId, options) => inner.deleteByUser(userId, options),
  };
  return { store, meanwhile: (hook: () => Promise<void>) => hooks.push(hook) };
}

for (const [kind, makeStore] of STORES) {
  describe(`signIn and revoke on the ${kind} store`, () => {
    const manager = async (
      options: Omit<SessionsOptions<Record<string, unknown>>, "store"> = {},
    ) => {
      const sessions = createSessions({ store: await makeStore(), ...options });
      const events: SessionEvent[] = [];
      sessions.on("*", (e) => events.push(e));
      const at = (cookie?: string) => sessions.load(request(cookie));
      /** A new session with `data`, signed in as `userId` or anonymous; its cookie. */
      const start = async (userId: string | null, data: Record<string, unknown>) => {
        const s = await at();
        if (userId !== null) await s.signIn(userId, { data });
        else for (const [k, v] of Object.entries(data)) s.set(k, v);
        return cookieOf(await s.commit());
      };
      return { sessions, events, at, start };
    };

    test("unset without a session makes none (the flash of a first visit)", async () => {
      const m = await manager();
      const s = await m.at();
      s.unset("flash");
      assert.deepEqual((await s.commit()).setCookie, []);
      assert.equal(s.active, false);
      // After a set in the same request, unset takes it back.
      const t = await m.at();
      t.set("flash", "Saved");
      t.unset("flash");
      const next = await m.at(cookieOf(await t.commit()));
      assert.equal(next.get("flash"), undefined);
    });

    test("an operation the handler did not await is finished before the commit: its cookie is sent", async () => {
      const m = await manager();
      const cart = await m.start(null, { cart: ["tea"] });
      const s = await m.at(cart);
      // The express-session habit: req.session.regenerate() without waiting for it.
      void s.signIn("kai");
      assert.equal(s.commitSync(), undefined, "commitSync defers to commit while signIn runs");
      const signedIn = await m.at(cookieOf(await s.commit()));
      assert.equal(signedIn.userId, "kai");
      assert.deepEqual(signedIn.get("cart"), ["tea"]);
      void signedIn.rotate();
      const rotatedCookie = cookieOf(await signedIn.commit());
      const rotated = await m.at(rotatedCookie);
      assert.equal(rotated.userId, "kai", "the rotated cookie was sent");
      void rotated.signOut();
      assert.match((await rotated.commit()).setCookie[0] ?? "", /Max-Age=0/);
      assert.equal((await m.at(rotatedCookie)).active, false);
    });

    test("an operation not awaited that fails makes the commit fail with its error, not vanish", async () => {
      const m = await manager();
      const cart = await m.start(null, { cart: ["tea"] });
      const s = await m.at(cart);
      void s.signIn("kai", { carry: "cart" as never });
      await assert.rejects(
        s.commit(),
        (e: unknown) => e instanceof SessionError && e.code === "ERR_SESSION_OPTIONS_INVALID",
      );
      assert.deepEqual((await m.at(cart)).get("cart"), ["tea"], "the carried session is kept");
    });

    test("changes staged before signIn reach the new session only as carry carries them", async () => {
      const m = await manager();
      const signedIn = async (
        from: string,
        stage: (s: RequestSession) => void,
        userId: string,
        carry?: boolean | readonly string[],
      ) => {
        const s = await m.at(from);
        stage(s);
        await s.signIn(userId, carry === undefined ? {} : { carry });
        const next = await m.at(cookieOf(await s.commit()));
        assert.equal(next.userId, userId);
        return dataOf(next);
      };
      const cart = (s: RequestSession) => {
        s.set("cart", ["tea", "mug"]);
        s.set("returnTo", "/evil");
        s.unset("coupon");
      };
      const anonymous = () => m.start(null, { cart: ["tea"], coupon: "c" });
      // Staged values follow the stored ones' rule: all by default (an unset key stays out)...
      assert.deepEqual(await signedIn(await anonymous(), cart, "bob"), {
        cart: ["tea", "mug"],
        returnTo: "/evil",
      });
      // ...none with false, the listed keys only with a list.
      assert.deepEqual(await signedIn(await anonymous(), cart, "bob", false), {});
      assert.deepEqual(await signedIn(await anonymous(), cart, "bob", ["cart", "coupon"]), {
        cart: ["tea", "mug"],
      });
      // Nothing of a signed-in session, staged or stored, reaches another user's.
      const alice = await m.start("alice", { mine: 1 });
      const secret = (s: RequestSession) => s.set("aliceSecret", "alice-only");
      assert.deepEqual(await signedIn(alice, secret, "carol"), {});
      assert.equal((await m.at(alice)).active, false);
      // What is staged after signIn is the new session's.
      const s = await m.at(await anonymous());
      await s.signIn("dave", { carry: false });
      s.set("after", 1);
      assert.deepEqual(dataOf(await m.at(cookieOf(await s.commit()))), { after: 1 });
    });

    test("a sign-in from the user's own session at the per-user cap signs in, not 409", async () => {
      const m = await manager({ maxSessionsPerUser: 1 });
      const first = await m.start("erin", {});
      const oldId = (await m.at(first)).info?.id;
      m.events.length = 0;
      const s = await m.at(first);
      await s.signIn("erin");
      const next = await m.at(cookieOf(await s.commit()));
      assert.equal(next.userId, "erin");
      assert.deepEqual(
        (await m.sessions.list("erin")).map((i) => i.id),
        [next.info?.id],
      );
      assert.deepEqual(
        m.events.filter((e) => e.type === "revoked").map((e) => [e.sessionId, e.reason]),
        [[oldId, "sign-in"]],
      );
    });

    test("of two sign-ins with one cookie, one wins and the other leaves no session behind", async () => {
      const m = await manager();
      const cookie = await m.start(null, { cart: ["tea"] });
      const [a, b] = [await m.at(cookie), await m.at(cookie)];
      const results = await Promise.allSettled([a.signIn("frank"), b.signIn("frank")]);
      const refused = results.filter((r) => r.status === "rejected");
      assert.equal(refused.length, 1);
      const reason = (refused[0] as PromiseRejectedResult).reason;
      assert.ok(reason instanceof SessionError && reason.code === "ERR_SESSION_CONFLICT");
      const sessions = await m.sessions.list("frank");
      assert.equal(sessions.length, 1);
    });

    test("revoke() ends a session that rotates between the list and the delete", async () => {
      const inner = await makeStore();
      const { store, meanwhile } = racing(inner);
      const sessions = createSessions({ store });
      const signIn = async () => {
        const s = await sessions.load(request());
        await s.signIn("gina");
        return cookieOf(await s.commit());
      };
      const mine = await signIn();
      const other = await signIn();
      const me = await sessions.load(request(mine));
      const target = (await me.list()).find((i) => !i.current)?.id as string;
      let rotated = other;
      const rotate = async () => {
        const s = await sessions.load(request(rotated));
        await s.rotate();
        rotated = cookieOf(await s.commit());
      };
      meanwhile(rotate);
      assert.equal(await me.revoke(target), true);
      assert.equal((await sessions.load(request(rotated))).active, false);
      assert.equal((await sessions.load(request(mine))).active, true);
      // A target that rotates before every delete is tried a bounded number of times.
      const third = await signIn();
      const restless = (await me.list()).find((i) => !i.current)?.id as string;
      rotated = third;
      for (let i = 0; i < 10; i++) meanwhile(rotate);
      assert.equal(await me.revoke(restless), false);
      assert.equal((await sessions.load(request(rotated))).active, true);
    });
  });
}

test("a sign-in whose create fails leaves the carried session as it was, cart and cookie", async () => {
  const inner = memoryStore();
  let down = false;
  const store: SessionStore = {
    ...inner,
    create: async (key, record, options) => {
      if (down) throw new StoreError("ERR_STORE_UNAVAILABLE", "down");
      return inner.create(key, record, options);
    },
  };
  const sessions = createSessions({ store });
  const anonymous = await sessions.load(request());
  anonymous.set("cart", ["tea"]);
  const cookie = cookieOf(await anonymous.commit());
  const s = await sessions.load(request(cookie));
  down = true;
  await assert.rejects(
    s.signIn("hana"),
    (e: unknown) => e instanceof SessionError && e.code === "ERR_SESSION_STORE_UNAVAILABLE",
  );
  down = false;
  assert.deepEqual((await s.commit()).setCookie, []);
  const after = await sessions.load(request(cookie));
  assert.equal(after.active, true);
  assert.deepEqual(after.get("cart"), ["tea"]);
});
