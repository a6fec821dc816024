// The behaviour every SessionStore must have, as one node:test suite. Run it against your own
// store:
//
//   import { testSessionStore } from "sessionjar/stores/conformance";
//   testSessionStore("my store", async () => ({ store: myStore(), cleanup: async () => {} }));
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { shardFor } from "../session/tokens.js";
import type { SessionRecord, SessionStore } from "./types.js";

/** What the factory of {@link testSessionStore} returns. */
export interface StoreUnderTest {
  store: SessionStore;
  /** Called once after the suite: drop test data, close clients. */
  cleanup?: () => Promise<void>;
}

const rand = (n = 12): string => randomBytes(n).toString("base64url");
/**
 * A key as the session layer makes it: the user's shard tag (random for an anonymous session),
 * a dot, a SHA-256 in base64url.
 */
const keyFor = (userId: string | null = null): string => `${shardFor(userId)}.${rand(32)}`;
/** A new key with the shard of `key`, as rotation makes it. */
const sameShard = (key: string): string => `${key.slice(0, key.indexOf("."))}.${rand(32)}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function record(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    id: rand(16),
    userId: null,
    data: {},
    createdAt: now,
    lastSeenAt: now,
    idleExpiresAt: now + 60_000,
    absoluteExpiresAt: now + 3_600_000,
    elevatedAt: null,
    userAgent: "conformance/1",
    ...overrides,
  };
}

/**
 * Registers the SessionStore conformance suite under `name`. `factory` is called once; each
 * test uses fresh user ids and keys, so the store may hold other data. Keys follow the rules of
 * {@link SessionStore}: a user's sessions have the user's shard, and a rename keeps the shard.
 */
export function testSessionStore(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`SessionStore conformance: ${name}`, () => {
    let s: StoreUnderTest;
    let store: SessionStore;
    before(async () => {
      s = await factory();
      store = s.store;
    });
    after(async () => {
      await s?.cleanup?.();
    });

    test("get of an unknown key is null", async () => {
      assert.equal(await store.get(keyFor()), null);
    });

    test("create then get returns the record, JSON data intact", async () => {
      const userId = `u-${rand()}`;
      const key = keyFor(userId);
      const r = record({
        userId,
        elevatedAt: Date.now(),
        data: {
          cart: [{ sku: "tea", qty: 2 }],
          name: "Zoë \u{1f36a}",
          n: 1.5,
          ok: true,
          nothing: null,
          "a:b.c": "odd key",
          big: "x".repeat(100_000),
        },
      });
      assert.deepEqual(await store.create(key, r), []);
      assert.deepEqual(await store.get(key), r);
    });

    test("update writes only the keys it names", async () => {
      const key = keyFor();
      await store.create(key, record({ data: { a: 1, b: 2, c: 3 } }));
      assert.equal(
        await store.update(key, { set: { a: 10, d: { deep: [1] } }, unset: ["b"], lastSeenAt: 42 }),
        true,
      );
      const got = await store.get(key);
      assert.deepEqual(got?.data, { a: 10, c: 3, d: { deep: [1] } });
      assert.equal(got?.lastSeenAt, 42);
    });

    test("concurrent updates of different keys lose nothing", async () => {
      const key = keyFor();
      await store.create(key, record({ data: { keep: true } }));
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.update(key, { set: { [`k${i}`]: i } })),
      );
      const data = (await store.get(key))?.data ?? {};
      assert.equal(Object.keys(data).length, 51);
      for (let i = 0; i < 50; i++) assert.equal(data[`k${i}`], i);
    });

    test("data keys and user ids of any text survive every change", async () => {
      // Names that a store which splits, quotes or prefixes names could confuse with others.
      const odd = [
        '"',
        "\\",
        '\\"',
        '":',
        '\\":1',
        "a",
        'a"',
        "a\\",
        "\n,",
        "",
        "__proto__",
        "é\u{1f36a}",
        "$id",
        ".x",
      ];
      const userId = `u-${rand()} "quoted" \\ \n é\u{1f36a} ":`;
      const key = keyFor(userId);
      // First, a value that holds what a record's members look like.
      const data = {
        trap: { $idle: 0, ".a": "x", '\n,".a":': 1 },
        ...Object.fromEntries(odd.map((k, i) => [k, i])),
      };
      const r = record({ userId, data });
      await store.create(key, r);
      const got = await store.get(key);
      assert.deepEqual(got, r);
      assert.equal(Object.hasOwn(got?.data ?? {}, "__proto__"), true);
      // Each change touches only the names it gives, never one that merely looks alike.
      assert.equal(
        await store.update(key, { set: { a: "A", '\\"': "Q", "\n,": [1] }, unset: ["", '"'] }),
        true,
      );
      const expected: Record<string, unknown> = { ...data, a: "A", '\\"': "Q", "\n,": [1] };
      delete expected[""];
      delete expected['"'];
      Object.defineProperty(expected, "__proto__", {
        value: 10,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      assert.deepEqual((await store.get(key))?.data, expected);
      const newKey = sameShard(key);
      assert.equal(await store.rename(key, newKey, { unset: ["a\\"] }), true);
      delete expected["a\\"];
      assert.deepEqual((await store.get(newKey))?.data, expected);
      assert.deepEqual(
        (await store.listByUser(userId)).map((x) => x.key),
        [newKey],
      );
      assert.equal((await store.delete(newKey))?.userId, userId);
      assert.deepEqual(await store.listByUser(userId), []);
    });

    test("update of a missing session is false and creates nothing", async () => {
      const key = keyFor();
      assert.equal(
        await store.update(key, { set: { a: 1 }, idleExpiresAt: Date.now() + 60_000 }),
        false,
      );
      assert.equal(await store.get(key), null);
    });

    test("rename of a user's session to a same-shard key keeps data and index, and kills the old key at once", async () => {
      const userId = `u-${rand()}`;
      const oldKey = keyFor(userId);
      const newKey = sameShard(oldKey);
      const r = record({ userId, data: { a: 1 } });
      await store.create(oldKey, r);
      assert.equal(await store.rename(oldKey, newKey, { set: { b: 2 }, elevatedAt: 7 }), true);
      assert.equal(await store.get(oldKey), null);
      assert.deepEqual(await store.get(newKey), { ...r, data: { a: 1, b: 2 }, elevatedAt: 7 });
      assert.deepEqual(
        (await store.listByUser(userId)).map((x) => x.key),
        [newKey],
      );
      assert.equal(await store.rename(oldKey, sameShard(oldKey)), false);
    });

    test("rename of an anonymous session keeps its data, and no user", async () => {
      const oldKey = keyFor();
      const newKey = sameShard(oldKey);
      const r = record({ data: { cart: ["tea"] } });
      await store.create(oldKey, r);
      assert.equal(await store.rename(oldKey, newKey, { unset: ["cart"], set: { n: 1 } }), true);
      assert.equal(await store.get(oldKey), null);
      assert.deepEqual(await store.get(newKey), { ...r, data: { n: 1 } });
    });

    test("delete removes the record and its index entry, once", async () => {
      const userId = `u-${rand()}`;
      const key = keyFor(userId);
      const r = record({ userId });
      await store.create(key, r);
      assert.deepEqual(await store.delete(key), r);
      assert.equal(await store.get(key), null);
      assert.deepEqual(await store.listByUser(userId), []);
      assert.equal(await store.delete(key), null);
    });

    test("listByUser: that user's live sessions, oldest first", async () => {
      const userId = `u-${rand()}`;
      const t = Date.now();
      const keys = [keyFor(userId), keyFor(userId), keyFor(userId)];
      await store.create(keys[1] as string, record({ userId, createdAt: t - 1000 }));
      await store.create(keys[0] as string, record({ userId, createdAt: t - 2000 }));
      await store.create(keys[2] as string, record({ userId, createdAt: t }));
      await store.create(keyFor(`${userId}-other`), record({ userId: `${userId}-other` }));
      await store.create(keyFor(userId), record({ userId, idleExpiresAt: t - 1 }));
      const list = await store.listByUser(userId);
      assert.deepEqual(
        list.map((x) => x.key),
        keys,
      );
      assert.deepEqual(await store.listByUser(`u-${rand()}`), []);
    });

    test("deleteByUser removes all of a user's sessions, or all but one", async () => {
      const userId = `u-${rand()}`;
      const keep = keyFor(userId);
      const t = Date.now();
      await store.create(keep, record({ userId, createdAt: t - 10 }));
      await store.create(keyFor(userId), record({ userId, createdAt: t - 5 }));
      await store.create(keyFor(userId), record({ userId, createdAt: t }));
      const other = keyFor(`${userId}-other`);
      await store.create(other, record({ userId: `${userId}-other` }));
      assert.equal((await store.deleteByUser(userId, { exceptKey: keep })).length, 2);
      assert.deepEqual(
        (await store.listByUser(userId)).map((x) => x.key),
        [keep],
      );
      assert.equal((await store.deleteByUser(userId)).length, 1);
      assert.deepEqual(await store.listByUser(userId), []);
      assert.notEqual(await store.get(other), null);
    });

    test("maxPerUser removes the oldest sessions in the same step, and returns them", async () => {
      const userId = `u-${rand()}`;
      const t = Date.now();
      const k = [keyFor(userId), keyFor(userId), keyFor(userId)];
      await store.create(k[0] as string, record({ userId, createdAt: t - 20 }), { maxPerUser: 2 });
      await store.create(k[1] as string, record({ userId, createdAt: t - 10 }), { maxPerUser: 2 });
      const first = await store.get(k[0] as string);
      const evicted = await store.create(k[2] as string, record({ userId, createdAt: t }), {
        maxPerUser: 2,
      });
      assert.deepEqual(evicted, [first]);
      assert.equal(await store.get(k[0] as string), null);
      assert.deepEqual(
        (await store.listByUser(userId)).map((x) => x.key),
        [k[1], k[2]],
      );
    });

    test("maxPerUser holds under parallel sign-ins", async () => {
      const userId = `u-${rand()}`;
      const t = Date.now();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.create(keyFor(userId), record({ userId, createdAt: t + i }), { maxPerUser: 3 }),
        ),
      );
      assert.equal((await store.listByUser(userId)).length, 3);
    });

    test("an expired session is gone, by idle or by absolute expiry", async () => {
      const t = Date.now();
      const idle = keyFor();
      const absolute = keyFor();
      await store.create(idle, record({ idleExpiresAt: t - 1 }));
      await store.create(absolute, record({ absoluteExpiresAt: t - 1 }));
      assert.equal(await store.get(idle), null);
      assert.equal(await store.get(absolute), null);
      assert.equal(await store.update(idle, { set: { a: 1 } }), false);
    });

    test("a session expires when its time comes, and extending the idle expiry keeps it", async () => {
      const t = Date.now();
      const short = keyFor();
      const extended = keyFor();
      await store.create(short, record({ idleExpiresAt: t + 300 }));
      await store.create(extended, record({ idleExpiresAt: t + 300 }));
      assert.equal(await store.update(extended, { idleExpiresAt: Date.now() + 60_000 }), true);
      await sleep(700);
      assert.equal(await store.get(short), null);
      assert.notEqual(await store.get(extended), null);
    });

    test("the absolute expiry holds however far the idle expiry is pushed", async () => {
      const key = keyFor();
      await store.create(key, record({ absoluteExpiresAt: Date.now() + 300 }));
      assert.equal(await store.update(key, { idleExpiresAt: Date.now() + 3_600_000 }), true);
      await sleep(700);
      assert.equal(await store.get(key), null);
    });
  });
}
