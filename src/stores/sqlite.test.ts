import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import {
  assertSweepOptionsChecked,
  assertUnreadableRowPassedOver,
  optionsInvalid,
} from "../../test/store-errors.js";
import { SessionjarError } from "../errors.js";
import { testSessionStore } from "./conformance.js";
import { type SqliteStoreOptions, type SqliteSweepOptions, sqliteStore } from "./sqlite.js";
import { type SessionRecord, StoreError } from "./types.js";

const dir = mkdtempSync(join(tmpdir(), "sessionjar-sqlite-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string): string => join(dir, `${name}.db`);

testSessionStore("sqlite (file)", async () => {
  const store = sqliteStore({ database: file("conformance") });
  return { store, cleanup: async () => store.close() };
});

testSessionStore("sqlite (:memory:)", async () => {
  const store = sqliteStore({ database: ":memory:" });
  return { store, cleanup: async () => store.close() };
});

testSessionStore("sqlite (the application's own database, safeIntegers on)", async () => {
  const db = new Database(":memory:");
  db.defaultSafeIntegers(true);
  const store = sqliteStore({ database: db, table: "app_sessions" });
  return {
    store,
    cleanup: async () => {
      await store.close();
      db.close();
    },
  };
});

function record(t: number, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: randomBytes(12).toString("base64url"),
    userId: null,
    data: {},
    createdAt: t,
    lastSeenAt: t,
    idleExpiresAt: t + 60_000,
    absoluteExpiresAt: t + 3_600_000,
    elevatedAt: null,
    userAgent: null,
    ...overrides,
  };
}

const isCode =
  (code: string) =>
  (e: unknown): boolean =>
    e instanceof SessionjarError && e.code === code;

describe("sqlite store", () => {
  test("sessions persist across reopening the same file", async () => {
    const path = file("persist");
    const r = record(Date.now(), { userId: "u1", data: { cart: ["tea"] }, elevatedAt: 5 });
    const first = sqliteStore({ database: path });
    await first.create("p.1", r);
    await first.close();
    const second = sqliteStore({ database: path });
    assert.deepEqual(await second.get("p.1"), r);
    assert.deepEqual(
      (await second.listByUser("u1")).map((s) => s.key),
      ["p.1"],
    );
    await second.close();
  });

  test("a file the store opens is in WAL mode; the application's own database is left as it is", async () => {
    const path = file("wal");
    const store = sqliteStore({ database: path });
    await store.close();
    const db = new Database(path);
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    db.close();
    const own = new Database(file("own"));
    const store2 = sqliteStore({ database: own });
    assert.equal(own.pragma("journal_mode", { simple: true }), "delete");
    await store2.close();
    assert.equal(own.open, true, "close() must not close the application's database");
    own.close();
  });

  test("the indexes exist, and the per-user query uses its partial index", async () => {
    const db = new Database(":memory:");
    const store = sqliteStore({ database: db });
    const indexes = db
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?")
      .all("sessionjar_sessions") as { name: string; sql: string | null }[];
    const names = indexes.map((i) => i.name);
    assert.ok(names.includes("sessionjar_sessions_user_idx"), names.join());
    assert.ok(names.includes("sessionjar_sessions_expires_idx"), names.join());
    assert.match(
      indexes.find((i) => i.name === "sessionjar_sessions_user_idx")?.sql ?? "",
      /WHERE user_id IS NOT NULL/,
    );
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT key FROM sessionjar_sessions WHERE user_id = ? AND expires_at > ? ORDER BY created_at",
      )
      .all("u", 0) as { detail: string }[];
    assert.match(plan.map((p) => p.detail).join("\n"), /sessionjar_sessions_user_idx/);
    const sweepPlan = db
      .prepare("EXPLAIN QUERY PLAN SELECT key FROM sessionjar_sessions WHERE expires_at <= ?")
      .all(0) as { detail: string }[];
    assert.match(sweepPlan.map((p) => p.detail).join("\n"), /sessionjar_sessions_expires_idx/);
    await store.close();
    db.close();
  });

  test("creating the store again on the same database is harmless", async () => {
    const db = new Database(":memory:");
    const a = sqliteStore({ database: db });
    await a.create("m.1", record(Date.now(), { data: { kept: true } }));
    const b = sqliteStore({ database: db });
    assert.deepEqual((await b.get("m.1"))?.data, { kept: true });
    db.close();
  });

  test("sweep deletes only expired rows, in batches", async () => {
    const db = new Database(":memory:");
    let t = 1_000_000;
    const store = sqliteStore({ database: db, now: () => t });
    for (let i = 0; i < 5; i++) {
      await store.create(`s.idle${i}`, record(t, { idleExpiresAt: t + 10 }));
    }
    await store.create("s.absolute", record(t, { absoluteExpiresAt: t + 10 }));
    await store.create("s.live", record(t, { idleExpiresAt: t + 1_000 }));
    await store.create("s.edge", record(t, { idleExpiresAt: t + 20 }));
    assert.equal(await store.sweep(), 0);
    t += 20;
    assert.equal(await store.sweep({ batchSize: 2, maxBatches: 1 }), 2);
    assert.equal(await store.sweep({ batchSize: 2 }), 5);
    const keys = db.prepare("SELECT key FROM sessionjar_sessions ORDER BY key").pluck().all();
    assert.deepEqual(keys, ["s.live"]);
    assert.notEqual(await store.get("s.live"), null);
    await assert.rejects(store.sweep({ batchSize: 0 }), isCode("ERR_STORE_OPTIONS_INVALID"));
    db.close();
  });

  test("the renamed keys of a grace window live in a table of their own: added beside an earlier sessions table, swept when their window ends", async () => {
    const db = new Database(":memory:");
    let t = 1_000_000;
    sqliteStore({ database: db, now: () => t });
    // A sessions table as an earlier version left it: no table of renamed keys.
    db.exec("DROP TABLE sessionjar_sessions_renamed");
    const store = sqliteStore({ database: db, now: () => t });
    await store.create("s.old", record(t, { idleExpiresAt: t + 60_000 }));
    assert.equal(await store.rename("s.old", "s.new", {}, { graceMs: 10 }), true);
    assert.equal((await store.get("s.old"))?.id, (await store.get("s.new"))?.id);
    const renamed = db.prepare("SELECT old_key FROM sessionjar_sessions_renamed").pluck();
    assert.deepEqual(renamed.all(), ["s.old"]);
    t += 10;
    assert.equal(await store.get("s.old"), null);
    assert.equal(await store.sweep(), 0, "a renamed key counted as a session");
    assert.deepEqual(renamed.all(), []);
    await assert.rejects(
      store.rename("s.new", "s.newer", {}, { graceMs: -1 }),
      (e: unknown) => e instanceof TypeError && /graceMs/.test(e.message),
    );
    // A table of that name that is something else is refused, as the sessions table would be.
    const other = new Database(":memory:");
    other.exec("CREATE TABLE sessionjar_sessions_renamed (old_key TEXT, target TEXT)");
    assert.throws(
      () => sqliteStore({ database: other }),
      optionsInvalid(/"sessionjar_sessions_renamed".*no column new_key, expires_at/),
    );
    db.close();
    other.close();
  });

  test("bad options are StoreError ERR_STORE_OPTIONS_INVALID, naming the option", async () => {
    const store = sqliteStore({ database: ":memory:" });
    await assertSweepOptionsChecked((o) => store.sweep(o as SqliteSweepOptions));
    await store.close();
    const now = 1_000 as unknown as () => number;
    assert.throws(
      () => sqliteStore({ database: ":memory:", now }),
      optionsInvalid(/now must be a function/),
    );
    const none = undefined as unknown as SqliteStoreOptions;
    assert.throws(() => sqliteStore(none), optionsInvalid(/options object/));
  });

  describe("a table of another layout is refused at creation, naming what is wrong", () => {
    const indexes = (db: Database.Database, table: string): unknown[] =>
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?")
        .pluck()
        .all(table);
    const columns =
      "key TEXT PRIMARY KEY, id TEXT, user_id TEXT, data TEXT, created_at INTEGER, last_seen_at INTEGER, idle_expires_at INTEGER, absolute_expires_at INTEGER, elevated_at INTEGER";
    const expiresAt =
      "expires_at INTEGER GENERATED ALWAYS AS (min(idle_expires_at, absolute_expires_at)) VIRTUAL";

    test("another application's table of the same name (connect-sqlite3's)", () => {
      const db = new Database(":memory:");
      db.exec("CREATE TABLE sessions (sid PRIMARY KEY, expired, sess)");
      assert.throws(
        () => sqliteStore({ database: db, table: "sessions" }),
        optionsInvalid(
          /"sessions" is not laid out/,
          /none of the store's columns \(its columns: sid, expired, sess\)/,
          /table option/,
        ),
      );
      assert.deepEqual(indexes(db, "sessions"), ["sqlite_autoindex_sessions_1"], "nothing created");
      db.close();
    });

    test("an older layout: what to add; after adding it the store opens and works", async () => {
      const db = new Database(":memory:");
      db.exec(`CREATE TABLE no_ua (${columns}, ${expiresAt})`);
      db.exec(`CREATE TABLE no_expiry (${columns}, user_agent TEXT)`);
      assert.throws(
        () => sqliteStore({ database: db, table: "no_ua" }),
        optionsInvalid(
          /no column user_agent/,
          /never alters an existing table/,
          /ALTER TABLE "no_ua" ADD COLUMN user_agent TEXT;/,
        ),
      );
      assert.throws(
        () => sqliteStore({ database: db, table: "no_expiry" }),
        optionsInvalid(
          /no column expires_at/,
          /ALTER TABLE "no_expiry" ADD COLUMN expires_at INTEGER GENERATED ALWAYS AS/,
        ),
      );
      assert.equal(indexes(db, "no_expiry").length, 1, "only the primary key's: nothing created");
      db.exec('ALTER TABLE "no_ua" ADD COLUMN user_agent TEXT');
      db.exec(`ALTER TABLE "no_expiry" ADD COLUMN ${expiresAt}`);
      for (const table of ["no_ua", "no_expiry"]) {
        const store = sqliteStore({ database: db, table });
        await store.create("o.1", record(Date.now(), { userAgent: "ua" }));
        assert.equal((await store.get("o.1"))?.userAgent, "ua");
      }
      db.close();
    });

    test("a plain expires_at, a NOT NULL column it never writes, a key that is not unique, a view", () => {
      const db = new Database(":memory:");
      db.exec(
        "CREATE TABLE wrong (key TEXT, id TEXT, user_id TEXT, data TEXT, created_at INTEGER, last_seen_at INTEGER, idle_expires_at INTEGER, absolute_expires_at INTEGER, elevated_at INTEGER, user_agent TEXT, expires_at INTEGER, tenant TEXT NOT NULL)",
      );
      assert.throws(
        () => sqliteStore({ database: db, table: "wrong" }),
        optionsInvalid(
          /expires_at is a plain column/,
          /tenant is NOT NULL without a default/,
          /key is neither its primary key nor unique/,
        ),
      );
      db.exec("CREATE VIEW a_view AS SELECT 1 AS key");
      assert.throws(
        () => sqliteStore({ database: db, table: "a_view" }),
        optionsInvalid(/is a view, not a table/),
      );
      db.close();
    });
  });

  test("a store over a table that is in place opens while another connection holds the write lock", async () => {
    const path = file("open-locked");
    const first = sqliteStore({ database: path });
    await first.create("w.1", record(Date.now()));
    await first.close();
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    try {
      // No busy wait at all: only reads may happen while the other connection writes.
      const db = new Database(path, { timeout: 0 });
      const store = sqliteStore({ database: db });
      assert.notEqual(await store.get("w.1"), null);
      db.close();
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
  });

  test("update with set: undefined removes the key; a key named __proto__ is kept", async () => {
    const store = sqliteStore({ database: ":memory:" });
    await store.create("u.1", record(Date.now(), { data: { a: 1, b: 2 } }));
    assert.equal(await store.update("u.1", { set: { a: undefined, c: 3 } }), true);
    assert.deepEqual((await store.get("u.1"))?.data, { b: 2, c: 3 });
    await store.update("u.1", { set: JSON.parse('{"__proto__": {"x": 1}}') });
    const data = (await store.get("u.1"))?.data ?? {};
    assert.ok(Object.hasOwn(data, "__proto__"));
    assert.deepEqual(Object.keys(data).sort(), ["__proto__", "b", "c"]);
    await store.close();
  });

  test("an invalid table name is refused", () => {
    for (const table of ["Sessions", "a;drop table x", '"x"', "1abc", "", "a.b", "x".repeat(64)]) {
      assert.throws(
        () => sqliteStore({ database: ":memory:", table }),
        isCode("ERR_STORE_OPTIONS_INVALID"),
        table,
      );
    }
  });

  test("a database locked by another connection is ERR_STORE_UNAVAILABLE after the busy timeout", async () => {
    const path = file("busy");
    const db = new Database(path, { timeout: 50 });
    db.pragma("journal_mode = WAL");
    const store = sqliteStore({ database: db });
    await store.create("b.1", record(Date.now()));
    const other = new Database(path);
    other.exec("BEGIN IMMEDIATE");
    try {
      const started = Date.now();
      await assert.rejects(store.update("b.1", { set: { a: 1 } }), (e: unknown) => {
        assert.ok(e instanceof StoreError, String(e));
        assert.equal(e.code, "ERR_STORE_UNAVAILABLE");
        assert.match(e.message, /busy timeout/);
        return true;
      });
      assert.ok(Date.now() - started < 1_000);
      // WAL: reads go on while another connection writes.
      assert.notEqual(await store.get("b.1"), null);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    assert.equal(await store.update("b.1", { set: { a: 1 } }), true);
    db.close();
  });

  test("a database open read-only is refused when the store is made, not at the first write", async () => {
    const path = file("read-only");
    await sqliteStore({ database: path }).close?.();
    // The same state a file the process may only read leaves SQLite in (a root-owned file).
    const db = new Database(path, { readonly: true });
    try {
      assert.throws(
        () => sqliteStore({ database: db }),
        (e: unknown) =>
          isCode("ERR_STORE_OPTIONS_INVALID")(e) &&
          /read-only for this process.*writable by the user the app runs as/.test(
            (e as Error).message,
          ),
      );
      assert.equal(db.pragma("busy_timeout", { simple: true }), 5000, "busy timeout restored");
    } finally {
      db.close();
    }
  });

  test("a closed database, or a file that cannot be opened, is ERR_STORE_UNAVAILABLE", async () => {
    const db = new Database(":memory:");
    const store = sqliteStore({ database: db });
    db.close();
    await assert.rejects(store.get("c.1"), isCode("ERR_STORE_UNAVAILABLE"));
    assert.throws(
      () => sqliteStore({ database: join(dir, "no", "such", "dir.db") }),
      isCode("ERR_STORE_UNAVAILABLE"),
    );
  });

  test("a column dropped or renamed under a running store is ERR_STORE_OPTIONS_INVALID, naming the table", async () => {
    const db = new Database(":memory:");
    const store = sqliteStore({ database: db });
    await store.create("c.1", record(Date.now()));
    db.exec("ALTER TABLE sessionjar_sessions DROP COLUMN user_agent");
    const layout = (e: unknown): boolean =>
      isCode("ERR_STORE_OPTIONS_INVALID")(e) && /sessionjar_sessions/.test((e as Error).message);
    await assert.rejects(store.get("c.1"), layout);
    await assert.rejects(store.create("c.2", record(Date.now())), layout);
    db.exec("ALTER TABLE sessionjar_sessions RENAME COLUMN elevated_at TO elevated");
    await assert.rejects(store.update("c.1", { set: { a: 1 } }), layout);
    await assert.rejects(store.listByUser("u"), layout);
    db.close();
  });

  test("a user's row it cannot read does not fail the user's listing, sign-ins or deleteByUser", async () => {
    const db = new Database(":memory:");
    const store = sqliteStore({ database: db });
    await assertUnreadableRowPassedOver(store, async (key) => {
      db.prepare("UPDATE sessionjar_sessions SET data = '[1' WHERE key = ?").run(key);
    });
    await store.close();
    db.close();
  });

  test("a row it cannot read is ERR_STORE_CORRUPT", async () => {
    const db = new Database(":memory:");
    const store = sqliteStore({ database: db });
    const t = Date.now();
    db.prepare(
      `INSERT INTO sessionjar_sessions (key, id, data, created_at, last_seen_at, idle_expires_at, absolute_expires_at)
       VALUES ('c.json', 'i1', 'not json', @t, @t, @e, @e), ('c.array', 'i2', '[1]', @t, @t, @e, @e),
              ('c.real', 'i3', '{}', 1.5, @t, @e, @e)`,
    ).run({ t, e: t + 60_000 });
    for (const key of ["c.json", "c.array", "c.real"]) {
      await assert.rejects(store.get(key), isCode("ERR_STORE_CORRUPT"), key);
    }
    await assert.rejects(store.update("c.json", { set: { a: 1 } }), isCode("ERR_STORE_CORRUPT"));
    db.close();
  });
});
