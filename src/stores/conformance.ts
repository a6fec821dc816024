// The behaviour every SessionStore must have, as one node:test suite. Run it against your own
// store:
//
//   import { testSessionStore } from "sessionjar/stores/conformance";
//   testSessionStore("my store", async () => ({ store: myStore(), cleanup: async () => {} }));
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { shardFor } from "../session/tokens.js";
import { type SessionRecord, type SessionStore, StoreError } from "./types.js";

/** What the factory of {@link testSessionStore} returns. */
export interface StoreUnderTest {
  store: SessionStore;
  /** Called once after the suite: drop test data, close clients. */
  cleanup?: () => Promise<void>;
  /**
   * How the suite takes the store's server away and brings it back, to check that a store that
   * is down fails fast with `ERR_STORE_UNAVAILABLE` and changes nothing. Omit it for a store
   * with no server (in the process, or a file): the suite then says, in a diagnostic, that it did
   * not check outages.
   */
  outage?: StoreOutage;
}

/** See {@link StoreUnderTest.outage}. */
export interface StoreOutage {
  /**
   * Makes the server unreachable, as a crash or a network fault does: its connections dropped,
   * new ones refused. Resolves once it is so. (A server that is frozen, with its connections
   * open, is another test: a store may not know whether a command it sent was applied.)
   */
  begin(): Promise<void>;
  /** Brings the same server back, its data intact. */
  end(): Promise<void>;
}

const rand = (n = 12): string => randomBytes(n).toString("base64url");
/**
 * A key as the session layer makes it: the user's shard tag (random for an anonymous session),
 * a dot, a SHA-256 in base64url.
 */
const keyFor = (userId: string | null = null): string => `${shardFor(userId)}.${rand(32)}`;
/** A new key with the shard of `key`, as rotation makes it. */
const sameShard = (key: string): string => `${key.slice(0, key.indexOf("."))}.${rand(32)}`;
/** `s` with the case of every letter swapped: a key of the same letters, and another key. */
const swapCase = (s: string): string =>
  [...s].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join("");
/** `s` as a JSON string with every character beyond ASCII escaped, so that look-alikes differ. */
const shown = (s: string): string =>
  JSON.stringify(s).replace(
    /[^\x20-\x7e]/gu,
    (c) => `\\u{${(c.codePointAt(0) as number).toString(16)}}`,
  );
/** Waits until the clock has passed `t` (a timer may fire a millisecond early). */
async function sleepPast(t: number): Promise<void> {
  while (Date.now() <= t) await sleep(t - Date.now() + 1);
}

/**
 * How far ahead the timed tests first put an expiry, in ms: time enough for a few calls to a
 * store nearby, and all that the suite waits for a fast store.
 */
const FIRST_LEAD_MS = 250;
/**
 * How far ahead the suite moves an idle expiry that must outlast a test. Every record the suite
 * writes expires at most this long after it was written or last changed.
 */
const LATER_MS = 60_000;

/**
 * Runs `setUp(expiresAt)`, which creates records that expire at `expiresAt` and uses them while
 * they are live, until one run has finished before `expiresAt`; returns that run's result. Every
 * call of that run reached the store while its records were live, so a slow store (a database a
 * few round trips away) is never failed for its round trips: a run that took too long is
 * repeated with fresh keys and an expiry far enough ahead. The records it left expire soon.
 */
async function whileLive<T>(
  setUp: (expiresAt: number) => Promise<T>,
): Promise<{ expiresAt: number; result: T }> {
  let lead = FIRST_LEAD_MS;
  for (let attempt = 1; ; attempt++) {
    const started = Date.now();
    const expiresAt = started + lead;
    const result = await setUp(expiresAt);
    const finished = Date.now();
    if (finished < expiresAt) return { expiresAt, result };
    const took = finished - started;
    if (attempt === 3) {
      assert.fail(`the store took ${took} ms for a few calls, too slow to test expiry in time`);
    }
    lead = 4 * took + FIRST_LEAD_MS;
  }
}

/** How long a method of a store that is down may take to fail: failing fast, not hanging. */
const DOWN_ANSWER_MS = 5_000;
/** How long the suite waits for a store to answer again once its server is back. */
const BACK_WITHIN_MS = 30_000;

/** Asserts that `call` rejects within {@link DOWN_ANSWER_MS} with ERR_STORE_UNAVAILABLE. */
async function assertDown(op: string, call: () => Promise<unknown>): Promise<void> {
  const deadline = new AbortController();
  const hung = sleep(DOWN_ANSWER_MS, "hung", { signal: deadline.signal }).catch(() => "aborted");
  const outcome = await Promise.race([
    call().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    hung,
  ]);
  deadline.abort();
  if (outcome === "hung") {
    assert.fail(`${op} did not answer within ${DOWN_ANSWER_MS} ms of the server going down`);
  }
  if (typeof outcome === "string" || !("error" in outcome)) {
    assert.fail(`${op} succeeded while the server was down`);
  }
  const e = outcome.error;
  assert.ok(e instanceof StoreError, `${op} threw ${String(e)}, not a StoreError`);
  assert.equal(e.code, "ERR_STORE_UNAVAILABLE", `${op}: ${e.message}`);
  assert.notEqual(e.cause, undefined, `${op}: the StoreError carries no cause`);
}

/** Waits until `store.get(key)` answers (not ERR_STORE_UNAVAILABLE); returns what it gave. */
async function whenBack(store: SessionStore, key: string): Promise<SessionRecord | null> {
  const until = Date.now() + BACK_WITHIN_MS;
  for (;;) {
    try {
      return await store.get(key);
    } catch (error) {
      const down = error instanceof StoreError && error.code === "ERR_STORE_UNAVAILABLE";
      if (!down || Date.now() > until) throw error;
      await sleep(100);
    }
  }
}

function record(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    id: rand(16),
    userId: null,
    data: {},
    createdAt: now,
    lastSeenAt: now,
    idleExpiresAt: now + LATER_MS,
    absoluteExpiresAt: now + 3_600_000,
    elevatedAt: null,
    userAgent: "conformance/1",
    ...overrides,
  };
}

/**
 * Checks that every method treats the sessions at `expired` (four keys of `userId`, each past
 * its idle expiry) as gone, and that `live` (the keys of that user's live sessions, oldest
 * first) are what is left. Removes the user's sessions.
 */
async function checkGone(
  store: SessionStore,
  userId: string,
  expired: readonly string[],
  live: readonly string[],
): Promise<void> {
  const [forGet, forUpdate, forRename, forDelete] = expired as [string, string, string, string];
  assert.equal(await store.get(forGet), null, "get returned an expired session");
  const later = Date.now() + LATER_MS;
  assert.equal(
    await store.update(forUpdate, { set: { a: 1 }, idleExpiresAt: later }),
    false,
    "update of an expired session returned true",
  );
  assert.equal(await store.get(forUpdate), null, "update revived an expired session");
  const renamed = sameShard(forRename);
  assert.equal(
    await store.rename(forRename, renamed, { idleExpiresAt: later }),
    false,
    "rename of an expired session returned true",
  );
  assert.equal(await store.get(renamed), null, "rename revived an expired session");
  assert.equal(await store.get(forRename), null, "rename revived an expired session");
  assert.equal(await store.delete(forDelete), null, "delete returned an expired session");
  const listed = await store.listByUser(userId);
  assert.deepEqual(
    listed.map((s) => s.key),
    live,
    "listByUser listed an expired session, or lost a live one",
  );
  const removed = await store.deleteByUser(userId);
  assert.deepEqual(
    removed.map((r) => r.id).sort(),
    listed.map((s) => s.record.id).sort(),
    "deleteByUser returned an expired session, or lost a live one",
  );
  assert.deepEqual(await store.listByUser(userId), []);
}

/**
 * Expects `call`, which passes a string that is no store key (no token hashes to it), to find
 * nothing (`unknown`), or to be refused with a TypeError: a store may check the key's shape.
 */
async function unknownOrRefused<T>(
  call: () => Promise<T>,
  unknown: T,
  what: string,
): Promise<void> {
  let result: T;
  try {
    result = await call();
  } catch (error) {
    if (error instanceof TypeError) return;
    throw error;
  }
  assert.deepEqual(result, unknown, what);
}

/**
 * Registers the SessionStore conformance suite under `name`, with `node:test`. `factory` is
 * called once, before the tests; `cleanup`, if it returns one, once after them. Each test uses
 * fresh user ids and keys, so the store may hold other data. Keys follow the rules of
 * {@link SessionStore}: a user's sessions have the user's shard, and a rename keeps the shard;
 * the only other strings given as keys are look-alikes of keys, which the store may refuse with
 * a TypeError. Every record the suite leaves expires within a minute of its last change.
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

    test("create on a key that exists replaces its record, which counts once", async () => {
      const userId = `u-${rand()}`;
      const t = Date.now();
      const other = keyFor(userId);
      const key = keyFor(userId);
      await store.create(other, record({ userId, createdAt: t - 20 }));
      await store.create(key, record({ userId, createdAt: t - 10, data: { a: 1 } }));
      const r = record({ userId, createdAt: t, data: { b: 2 }, userAgent: "replaced" });
      assert.deepEqual(
        await store.create(key, r, { maxPerUser: 2 }),
        [],
        "the replaced record counted against maxPerUser",
      );
      assert.deepEqual(await store.get(key), r, "create did not replace the record");
      assert.deepEqual(await store.listByUser(userId), [
        { key: other, record: (await store.get(other)) as SessionRecord },
        { key, record: r },
      ]);
      // Replaced as if deleted first: by an anonymous record, it leaves the user's sessions.
      const anonymous = record({ data: { c: 3 } });
      assert.deepEqual(await store.create(key, anonymous), []);
      assert.deepEqual(await store.get(key), anonymous);
      assert.deepEqual(
        (await store.listByUser(userId)).map((x) => x.key),
        [other],
      );
    });

    test("update writes only the keys it names", async () => {
      const key = keyFor();
      await store.create(key, record({ data: { a: 1, b: 2, c: 3 } }));
      assert.equal(
        await store.update(key, {
          set: { a: 10, d: { deep: [1] } },
          unset: ["b"],
          lastSeenAt: 42,
          elevatedAt: 43,
        }),
        true,
      );
      const got = await store.get(key);
      assert.deepEqual(got?.data, { a: 10, c: 3, d: { deep: [1] } });
      assert.equal(got?.lastSeenAt, 42);
      assert.equal(got?.elevatedAt, 43);
      assert.equal(await store.update(key, { elevatedAt: null }), true);
      assert.equal((await store.get(key))?.elevatedAt, null, "elevatedAt: null did not clear it");
    });

    test("update: a key set to undefined is removed, and unset wins over set", async () => {
      const key = keyFor();
      await store.create(key, record({ data: { a: 1, b: 2, c: 3 } }));
      assert.equal(
        await store.update(key, { set: { a: undefined, b: 20, d: undefined }, unset: ["b"] }),
        true,
      );
      assert.deepEqual((await store.get(key))?.data, { c: 3 });
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

    test("user ids are compared exactly: case, a trailing space, accents, Unicode normalization make other users", async () => {
      const userId = `u-${rand()}-Zo\u00e9`;
      const lookalikes = [
        userId.toUpperCase(),
        userId.toLowerCase(),
        `${userId} `, // equal in SQL's PAD SPACE collations
        userId.normalize("NFD"), // "e" and U+0301: canonically equivalent, other code points
        userId.replace("\u00e9", "e"), // equal in accent-insensitive collations
      ];
      const key = keyFor(userId);
      await store.create(key, record({ userId }));
      for (const other of lookalikes) {
        const of = `a session of ${shown(userId)}`;
        assert.deepEqual(
          await store.listByUser(other),
          [],
          `listByUser(${shown(other)}) found ${of}`,
        );
        assert.deepEqual(
          await store.deleteByUser(other),
          [],
          `deleteByUser(${shown(other)}) removed ${of}`,
        );
      }
      // Each look-alike is a user of its own, whose sessions (and cap) leave the others' alone.
      const keys = new Map([[userId, key]]);
      for (const other of lookalikes) {
        const k = keyFor(other);
        keys.set(other, k);
        assert.deepEqual(
          await store.create(k, record({ userId: other }), { maxPerUser: 1 }),
          [],
          `create for ${shown(other)} with maxPerUser 1 evicted another user's session`,
        );
      }
      for (const [u, k] of keys) {
        assert.deepEqual(
          (await store.listByUser(u)).map((x) => x.key),
          [k],
          `listByUser(${shown(u)}) lists the sessions of that user, and only those`,
        );
      }
      assert.equal((await store.deleteByUser(userId)).length, 1);
      for (const other of lookalikes) {
        assert.deepEqual(
          (await store.listByUser(other)).map((x) => x.key),
          [keys.get(other)],
          `deleteByUser(${shown(userId)}) removed the session of ${shown(other)}`,
        );
      }
    });

    test("keys are compared exactly: the same key in other case is another key", async () => {
      const key = keyFor();
      const twin = swapCase(key);
      await store.create(key, record({ data: { which: "key" } }));
      assert.equal(
        await store.get(twin),
        null,
        "get found the session under its key in other case",
      );
      assert.equal(await store.update(twin, { set: { which: "twin" } }), false, "update did");
      assert.equal(await store.rename(twin, sameShard(twin)), false, "rename did");
      assert.equal(await store.delete(twin), null, "delete did");
      // Not store keys at all: a store may refuse them, but must not find the session.
      for (const odd of [`${key} `, `${key}\t`]) {
        await unknownOrRefused(() => store.get(odd), null, `get(${shown(odd)}) found the session`);
        await unknownOrRefused(() => store.delete(odd), null, `delete(${shown(odd)}) removed it`);
      }
      await store.create(twin, record({ data: { which: "twin" } }));
      assert.deepEqual(
        (await store.get(key))?.data,
        { which: "key" },
        "create under the key in other case replaced the session",
      );
      assert.deepEqual((await store.get(twin))?.data, { which: "twin" });
      const userId = `u-${rand()}`;
      const mine = keyFor(userId);
      await store.create(mine, record({ userId }));
      assert.equal(
        (await store.deleteByUser(userId, { exceptKey: swapCase(mine) })).length,
        1,
        "deleteByUser kept a session whose key is exceptKey in other case",
      );
    });

    test("update of a missing session is false and creates nothing", async () => {
      const key = keyFor();
      assert.equal(
        await store.update(key, { set: { a: 1 }, idleExpiresAt: Date.now() + LATER_MS }),
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

    test("rename with graceMs: get follows the old key to the record for the grace window only; nothing else does", async () => {
      const userId = `u-${rand()}`;
      const oldKey = keyFor(userId);
      const newKey = sameShard(oldKey);
      const r = record({ userId, data: { a: 1 } });
      await store.create(oldKey, r);
      const renamed = { ...r, data: { a: 1, b: 2 }, lastSeenAt: r.lastSeenAt + 1 };
      const patch = { set: { b: 2 }, lastSeenAt: renamed.lastSeenAt };
      assert.equal(await store.rename(oldKey, newKey, patch, { graceMs: LATER_MS }), true);
      assert.deepEqual(await store.get(newKey), renamed);
      if (store.renameGrace !== true) {
        assert.equal(await store.get(oldKey), null, "a store without renameGrace kept the old key");
        return;
      }
      assert.deepEqual(await store.get(oldKey), renamed, "get did not follow the old key");
      // The old key reads, and nothing more: no write, no second rotation, no delete through it.
      assert.equal(
        await store.update(oldKey, { set: { c: 3 } }),
        false,
        "update through the old key",
      );
      assert.equal(await store.rename(oldKey, sameShard(oldKey)), false, "rename of the old key");
      assert.equal(await store.delete(oldKey), null, "delete through the old key");
      assert.deepEqual(
        await store.get(newKey),
        renamed,
        "a call on the old key changed the record",
      );
      assert.deepEqual(
        (await store.listByUser(userId)).map((x) => x.key),
        [newKey],
        "the index holds the old key",
      );
      // A change under the new key shows through the old one.
      assert.equal(await store.update(newKey, { set: { d: 4 } }), true);
      assert.deepEqual((await store.get(oldKey))?.data, { a: 1, b: 2, d: 4 });
      // One step only: once the record moves on again, the first key leads nowhere.
      const newest = sameShard(oldKey);
      assert.equal(await store.rename(newKey, newest, {}, { graceMs: LATER_MS }), true);
      assert.equal(await store.get(oldKey), null, "the old key followed two renames");
      assert.deepEqual((await store.get(newKey))?.data, { a: 1, b: 2, d: 4 });
      // Ending the session ends every key that led to it.
      assert.deepEqual((await store.delete(newest))?.id, r.id);
      assert.equal(await store.get(newKey), null, "the old key outlived its session");
      assert.deepEqual(await store.listByUser(userId), []);
    });

    test("rename with graceMs: the old key is gone once the window has passed, or the session signed out", async () => {
      const oldKey = keyFor();
      const newKey = sameShard(oldKey);
      await store.create(oldKey, record({ data: { a: 1 } }));
      const graceMs = FIRST_LEAD_MS;
      const renamedAt = Date.now();
      assert.equal(await store.rename(oldKey, newKey, {}, { graceMs }), true);
      await sleepPast(renamedAt + graceMs + 1);
      assert.equal(await store.get(oldKey), null, "the old key outlived its grace window");
      assert.deepEqual((await store.get(newKey))?.data, { a: 1 });
      const userId = `u-${rand()}`;
      const signedIn = keyFor(userId);
      const moved = sameShard(signedIn);
      await store.create(signedIn, record({ userId }));
      assert.equal(await store.rename(signedIn, moved, {}, { graceMs: LATER_MS }), true);
      assert.equal((await store.deleteByUser(userId)).length, 1);
      assert.equal(await store.get(signedIn), null, "the old key outlived deleteByUser");
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

    test("maxPerUser counts live sessions only: an expired one is neither counted nor returned", async () => {
      const userId = `u-${rand()}`;
      const t = Date.now();
      const live = keyFor(userId);
      const third = keyFor(userId);
      await store.create(live, record({ userId, createdAt: t - 100 }), { maxPerUser: 2 });
      await store.create(
        keyFor(userId),
        record({ userId, createdAt: t - 50, idleExpiresAt: t - 1 }),
        {
          maxPerUser: 2,
        },
      );
      assert.deepEqual(
        await store.create(third, record({ userId, createdAt: t }), { maxPerUser: 2 }),
        [],
        "a user with one live session and one expired one lost a session to a cap of 2",
      );
      assert.deepEqual(
        (await store.listByUser(userId)).map((x) => x.key),
        [live, third],
      );
    });

    test("maxPerUser holds under parallel sign-ins, and reports each session it removes once", async () => {
      const userId = `u-${rand()}`;
      const t = Date.now();
      const created = Array.from({ length: 20 }, (_, i) => ({
        key: keyFor(userId),
        record: record({ userId, createdAt: t + i }),
      }));
      const evicted = (
        await Promise.all(created.map((c) => store.create(c.key, c.record, { maxPerUser: 3 })))
      ).flat();
      assert.deepEqual(
        (await store.listByUser(userId)).map((x) => x.key),
        created.slice(17).map((c) => c.key),
        "the three newest sessions are left",
      );
      const ids = evicted.map((r) => r.id);
      assert.equal(ids.length, 17, "the creates together reported 17 sessions removed");
      assert.equal(new Set(ids).size, 17, "a removed session was reported twice");
      assert.deepEqual(
        ids.sort(),
        created
          .slice(0, 17)
          .map((c) => c.record.id)
          .sort(),
        "the sessions reported removed are the 17 oldest",
      );
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
      assert.equal(await store.update(absolute, { idleExpiresAt: t + LATER_MS }), false);
      assert.equal(await store.get(absolute), null);
    });

    test("an expired session is gone for every method: get, update, rename, delete, listByUser, deleteByUser", async () => {
      const userId = `u-${rand()}`;
      const t = Date.now();
      const live = keyFor(userId);
      await store.create(live, record({ userId, createdAt: t - 10 }));
      const expired = [keyFor(userId), keyFor(userId), keyFor(userId), keyFor(userId)];
      for (const key of expired) {
        await store.create(key, record({ userId, createdAt: t, idleExpiresAt: t - 1 }));
      }
      await checkGone(store, userId, expired, [live]);
    });

    test("a session expires when its time comes, and extending the idle expiry keeps it", async () => {
      const { expiresAt, result } = await whileLive(async (idleExpiresAt) => {
        const userId = `u-${rand()}`;
        const t = Date.now();
        const live = keyFor(userId);
        const extended = keyFor(userId);
        const short = [keyFor(userId), keyFor(userId), keyFor(userId), keyFor(userId)];
        await Promise.all([
          store.create(live, record({ userId, createdAt: t - 10 })),
          ...[extended, ...short].map((key) =>
            store.create(key, record({ userId, createdAt: t, idleExpiresAt })),
          ),
        ]);
        const [extendedOk, ...found] = await Promise.all([
          store.update(extended, { idleExpiresAt: Date.now() + LATER_MS }),
          ...short.map((key) => store.get(key)),
        ]);
        return { userId, live, extended, short, extendedOk, found };
      });
      const { userId, live, extended, short } = result;
      assert.equal(result.extendedOk, true, "update of a live session returned false");
      for (const r of result.found) assert.notEqual(r, null, "a session was gone before its time");
      await sleepPast(expiresAt);
      assert.notEqual(
        await store.get(extended),
        null,
        "the session whose idle expiry was extended expired at the old one",
      );
      await checkGone(store, userId, short, [live, extended]);
    });

    test("the absolute expiry holds however far the idle expiry is pushed", async () => {
      const { expiresAt, result } = await whileLive(async (absoluteExpiresAt) => {
        const updated = keyFor();
        const renamedFrom = keyFor();
        const renamed = sameShard(renamedFrom);
        await Promise.all(
          [updated, renamedFrom].map((key) => store.create(key, record({ absoluteExpiresAt }))),
        );
        const later = Date.now() + LATER_MS;
        const [updateOk, renameOk] = await Promise.all([
          store.update(updated, { idleExpiresAt: later }),
          store.rename(renamedFrom, renamed, { idleExpiresAt: later }),
        ]);
        return { updated, renamed, updateOk, renameOk };
      });
      assert.equal(result.updateOk, true, "update of a live session returned false");
      assert.equal(result.renameOk, true, "rename of a live session returned false");
      await sleepPast(expiresAt);
      assert.equal(await store.get(result.updated), null, "the absolute expiry moved on update");
      assert.equal(await store.get(result.renamed), null, "the absolute expiry moved on rename");
      assert.equal(
        await store.update(result.updated, { idleExpiresAt: Date.now() + LATER_MS }),
        false,
      );
    });

    test("while the server is down every method fails fast with ERR_STORE_UNAVAILABLE, and nothing changes", async (t) => {
      const outage = s.outage;
      if (outage === undefined) {
        t.diagnostic("no outage given: failures of a store that is down were not checked");
        return;
      }
      const userId = `u-${rand()}`;
      const key = keyFor(userId);
      const r = record({ userId, data: { cart: [1] } });
      await store.create(key, r);
      const newKey = keyFor(userId);
      await outage.begin();
      try {
        const ops: [string, () => Promise<unknown>][] = [
          ["get", () => store.get(key)],
          ["create", () => store.create(newKey, record({ userId }), { maxPerUser: 1 })],
          ["update", () => store.update(key, { set: { cart: [2] }, unset: ["a"] })],
          ["rename", () => store.rename(key, sameShard(key))],
          ["delete", () => store.delete(key)],
          ["listByUser", () => store.listByUser(userId)],
          ["deleteByUser", () => store.deleteByUser(userId)],
        ];
        for (const [op, call] of ops) await assertDown(op, call);
      } finally {
        await outage.end();
      }
      assert.deepEqual(await whenBack(store, key), r, "the session changed, or is gone");
      assert.equal(await store.get(newKey), null, "a create made while down was stored");
      assert.deepEqual(
        (await store.listByUser(userId)).map((x) => x.key),
        [key],
        "the user's index changed",
      );
    });
  });
}
