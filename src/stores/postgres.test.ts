// The PostgreSQL store against a real server: SESSIONJAR_PG_URL, or the local one that .ci/run
// starts (trust auth, database "test"). Each run works in tables of its own, dropped at the end.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { after, describe, test } from "node:test";
import pg from "pg";
import {
  assertSweepOptionsChecked,
  assertUnreadableRowPassedOver,
  optionsInvalid,
} from "../../test/store-errors.js";
import { cuttableLink } from "../../test/tcp-cut.js";
import { SessionjarError } from "../errors.js";
import { testSessionStore } from "./conformance.js";
import { DEFAULT_TABLE, migrate, postgresStore, type SweepOptions } from "./postgres.js";
import { type SessionRecord, StoreError } from "./types.js";

const URL = process.env.SESSIONJAR_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const run = randomBytes(4).toString("hex");
const tableFor = (what: string): string => `sj_test_${run}_${what}`;

const pool = new pg.Pool({ connectionString: URL, max: 25, connectionTimeoutMillis: 5_000 });
// An idle client whose server goes away must not take the test process down with it.
pool.on("error", () => {});
const tables: string[] = [];

async function freshTable(what: string): Promise<string> {
  const table = tableFor(what);
  tables.push(table);
  await migrate(pool, { table });
  return table;
}

after(async () => {
  for (const t of tables) await pool.query(`DROP TABLE IF EXISTS "${t}"`);
  // And the renamed keys' tables beside them, whose names may be cut and hashed.
  const { rows } = await pool.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND (tablename LIKE $1 OR tablename LIKE $2) AND tablename LIKE '%renamed'",
    [`sj_test_${run}_%`, `sj_${run}_%`],
  );
  for (const { name } of rows) await pool.query(`DROP TABLE IF EXISTS "${name}"`);
  await pool.end();
});

// Through a link that the outage test cuts (connections reset, new ones refused) and restores.
testSessionStore("postgres", async () => {
  const table = await freshTable("conformance");
  const viaLink = new globalThis.URL(URL);
  const link = await cuttableLink(Number(viaLink.port || 5432), viaLink.hostname);
  viaLink.hostname = "127.0.0.1";
  viaLink.port = String(link.port);
  const linked = new pg.Pool({
    connectionString: viaLink.href,
    max: 10,
    connectionTimeoutMillis: 1_000,
  });
  linked.on("error", () => {});
  const store = postgresStore({ pool: linked, table });
  return {
    store,
    outage: { begin: link.cut, end: link.restore },
    cleanup: async () => {
      await store.close();
      await linked.end();
      await link.close();
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

describe("postgres store", () => {
  test("migrate is idempotent, also when run in parallel", async () => {
    const table = tableFor("migrate");
    tables.push(table);
    await Promise.all([
      migrate(pool, { table }),
      migrate(pool, { table }),
      migrate(pool, { table }),
    ]);
    const store = postgresStore({ pool, table });
    await store.create("a.1", record(Date.now(), { data: { kept: true } }));
    await migrate(pool, { table });
    assert.deepEqual((await store.get("a.1"))?.data, { kept: true });
    const { rows } = await pool.query<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
      [table],
    );
    assert.deepEqual(
      rows.map((r) => `${r.column_name} ${r.data_type}`),
      [
        "key text",
        "id text",
        "user_id text",
        "data jsonb",
        "created_at bigint",
        "last_seen_at bigint",
        "idle_expires_at bigint",
        "absolute_expires_at bigint",
        "elevated_at bigint",
        "user_agent text",
        "expires_at bigint",
      ],
    );
  });

  test("the indexes exist: primary key, unique id, per-user (partial), expiry", async () => {
    const table = await freshTable("indexes");
    const { rows } = await pool.query<{ indexname: string; indexdef: string }>(
      "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1",
      [table],
    );
    const defs = rows.map((r) => r.indexdef.replace(/ USING btree/, ""));
    const on = `ON public.${table}`;
    assert.ok(defs.includes(`CREATE UNIQUE INDEX ${table}_pkey ${on} (key)`), defs.join("\n"));
    assert.ok(defs.includes(`CREATE UNIQUE INDEX ${table}_id_key ${on} (id)`), defs.join("\n"));
    assert.ok(
      defs.includes(
        `CREATE INDEX ${table}_user_idx ${on} (user_id, created_at) WHERE (user_id IS NOT NULL)`,
      ),
      defs.join("\n"),
    );
    assert.ok(
      defs.includes(`CREATE INDEX ${table}_expires_idx ${on} (expires_at)`),
      defs.join("\n"),
    );
  });

  test("a table name at the 63-character limit gets index names that fit", async () => {
    const table = `sj_${run}_${"x".repeat(63 - 4 - run.length)}`;
    assert.equal(table.length, 63);
    tables.push(table);
    await migrate(pool, { table });
    await migrate(pool, { table });
    const { rows } = await pool.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname",
      [table],
    );
    assert.equal(rows.length, 4);
    for (const r of rows) assert.ok(r.indexname.length <= 63, r.indexname);
    const renamed = await pool.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE tablename LIKE $1",
      [`sj_${run}_%renamed`],
    );
    assert.equal(renamed.rows.length, 1);
    assert.ok((renamed.rows[0]?.name.length ?? 64) <= 63);
  });

  test("sweep deletes only expired rows, in batches", async () => {
    const table = await freshTable("sweep");
    let t = 1_000_000;
    const store = postgresStore({ pool, table, now: () => t });
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
    const { rows } = await pool.query<{ key: string }>(`SELECT key FROM "${table}" ORDER BY key`);
    assert.deepEqual(
      rows.map((r) => r.key),
      ["s.live"],
    );
    assert.notEqual(await store.get("s.live"), null);
    await assert.rejects(store.sweep({ batchSize: 0 }), isCode("ERR_STORE_OPTIONS_INVALID"));
  });

  test("bad options are StoreError ERR_STORE_OPTIONS_INVALID, naming the option", async () => {
    const table = await freshTable("options");
    const store = postgresStore({ pool, table });
    await assertSweepOptionsChecked((o) => store.sweep(o as SweepOptions));
    const now = 1_000 as unknown as () => number;
    assert.throws(
      () => postgresStore({ pool, table, now }),
      optionsInvalid(/now must be a function/),
    );
    const none = undefined as unknown as { pool: pg.Pool };
    assert.throws(() => postgresStore(none), optionsInvalid(/options object/));
    const notAPool = {} as unknown as pg.Pool;
    await assert.rejects(migrate(notAPool), optionsInvalid(/pool must be a pg.Pool/));
  });

  test("each call is one round trip, but a capped sign-in and deleteByUser", async () => {
    const table = await freshTable("trips");
    let calls = 0;
    const countQueries = <T extends object>(target: T): T =>
      new Proxy(target, {
        get(t, prop, receiver) {
          const value = Reflect.get(t, prop, receiver);
          if (prop !== "query" || typeof value !== "function") return value;
          return (...args: unknown[]) => {
            calls++;
            return value.apply(t, args);
          };
        },
      });
    // The queries of a borrowed connection (a transaction's) count too.
    const counting = new Proxy(countQueries(pool), {
      get(target, prop, receiver) {
        if (prop === "connect") return async () => countQueries(await pool.connect());
        return Reflect.get(target, prop, receiver);
      },
    });
    const store = postgresStore({ pool: counting, table });
    const t = Date.now();
    const trips = async (body: () => Promise<unknown>): Promise<number> => {
      calls = 0;
      await body();
      return calls;
    };
    assert.equal(await trips(() => store.create("r.1", record(t, { userId: "u" }))), 1);
    assert.equal(await trips(() => store.get("r.1")), 1);
    // A key no session has is looked up among the renamed keys of a grace window too, in the
    // same statement.
    assert.equal(await trips(() => store.get("r.0")), 1);
    assert.equal(await trips(() => store.update("r.1", { set: { a: 1 }, unset: ["b"] })), 1);
    assert.equal(await trips(() => store.update("r.1", {})), 1);
    assert.equal(await trips(() => store.rename("r.1", "r.2", { lastSeenAt: t + 1 })), 1);
    assert.equal(await trips(() => store.rename("r.2", "r.3", {}, { graceMs: 1_000 })), 1);
    assert.equal(await trips(() => store.rename("r.3", "r.2")), 1);
    assert.equal(await trips(() => store.listByUser("u")), 1);
    assert.equal(await trips(() => store.delete("r.2")), 1);
    // BEGIN, the user's lock, DELETE, COMMIT: sign-ins of the user wait for it, or it sees them.
    assert.equal(await trips(() => store.deleteByUser("u")), 4);
    // A user's sign-in takes that lock in its one statement; a capped one also evicts.
    assert.equal(await trips(() => store.create("r.4", record(t, { userId: "u" }))), 1);
    const capped = () => store.create("r.5", record(t, { userId: "u" }), { maxPerUser: 1 });
    assert.equal(await trips(capped), 4);
  });

  test("deleteByUser misses no session of a sign-in or rotation of the user running meanwhile", async () => {
    // The interleaving a lone DELETE loses to: its snapshot is taken, then it waits on a row
    // that another device's request holds (here: FOR UPDATE on the oldest session) while a
    // sign-in inserts its new row and deletes the old one it came with.
    const table = await freshTable("revoke_race");
    const store = postgresStore({ pool, table });
    const t = Date.now();
    for (let i = 0; i < 3; i++) {
      await store.create(`v.${i}`, record(t, { userId: "v", createdAt: t - 30 + i * 10 }));
    }
    const waitersOf = async (pid: number): Promise<number[]> => {
      const { rows } = await pool.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
        [pid],
      );
      return rows.map((r) => r.pid);
    };
    /** Resolves once `op` settled or some backend waits for `pid`, whichever comes first. */
    const settledOrWaiting = async (op: Promise<unknown>, pid: number): Promise<void> => {
      let settled = false;
      void op.then(
        () => (settled = true),
        () => (settled = true),
      );
      while (!settled && (await waitersOf(pid)).length === 0) {
        await new Promise((r) => setImmediate(r));
      }
    };
    const holder = await pool.connect();
    let deleting: Promise<unknown> | undefined;
    try {
      await holder.query("BEGIN");
      await holder.query(`SELECT 1 FROM "${table}" WHERE key = 'v.0' FOR UPDATE`);
      const holderPid = (await holder.query<{ pid: number }>("SELECT pg_backend_pid() AS pid"))
        .rows[0]?.pid as number;
      deleting = store.deleteByUser("v");
      let deleter: number | undefined;
      while (deleter === undefined) deleter = (await waitersOf(holderPid))[0];
      // A rotation of another device: the DELETE follows the row to its new key.
      const renaming = store.rename("v.2", "v.2b", {}, { graceMs: 1_000 });
      await settledOrWaiting(renaming, deleter);
      // The sign-in of request-session: create the new session, then delete the old one.
      const signingIn = (async () => {
        await store.create("v.3", record(t, { userId: "v" }));
        return store.delete("v.1");
      })();
      await settledOrWaiting(signingIn, deleter);
      await holder.query("COMMIT");
      const removed = (await deleting) as SessionRecord[];
      await renaming;
      const ended = await signingIn;
      // Either the sign-in found its old session gone (and steps back), or its new one went.
      if (ended === null) await store.delete("v.3");
      assert.deepEqual(await store.listByUser("v"), []);
      assert.equal(await store.get("v.2"), null, "the old key of the rotation still loads");
      assert.equal(removed.length, 3);
    } finally {
      await holder.query("ROLLBACK").catch(() => undefined);
      holder.release();
      await deleting?.catch(() => undefined);
    }
  });

  test("update with set: undefined removes the key, as the memory store does", async () => {
    const store = postgresStore({ pool, table: await freshTable("undef") });
    await store.create("u.1", record(Date.now(), { data: { a: 1, b: 2 } }));
    assert.equal(await store.update("u.1", { set: { a: undefined, c: 3 } }), true);
    assert.deepEqual((await store.get("u.1"))?.data, { b: 2, c: 3 });
  });

  test("odd data keys survive set and unset (quotes, braces, commas, backslashes, __proto__)", async () => {
    const store = postgresStore({ pool, table: await freshTable("oddkeys") });
    const odd = ['a"b', "{x,y}", "back\\slash", "", "NULL"];
    await store.create("o.1", record(Date.now()));
    await store.update("o.1", { set: Object.fromEntries(odd.map((k) => [k, k])) });
    assert.deepEqual(Object.keys((await store.get("o.1"))?.data ?? {}).sort(), [...odd].sort());
    await store.update("o.1", { unset: odd });
    assert.deepEqual((await store.get("o.1"))?.data, {});
    await store.update("o.1", { set: JSON.parse('{"__proto__": {"x": 1}}') });
    const data = (await store.get("o.1"))?.data ?? {};
    assert.ok(Object.hasOwn(data, "__proto__"));
    assert.deepEqual(Object.getOwnPropertyDescriptor(data, "__proto__")?.value, { x: 1 });
  });

  // U+0000, and a lone surrogate (half a UTF-16 pair, as a JSON "\ud800" escape from a client
  // gives), in a value or in a data key.
  for (const [what, bad, name] of [
    ["U+0000", "x\u0000y", "nul"],
    ["a lone high surrogate", "a\ud800b", "high"],
    ["a lone low surrogate", "\udc00", "low"],
  ] as const) {
    test(`a value jsonb cannot hold (${what}) is ERR_STORE_VALUE_REFUSED, and nothing changes`, async () => {
      const store = postgresStore({ pool, table: await freshTable(name) });
      await store.create("n.1", record(Date.now(), { data: { a: 1 } }));
      for (const set of [{ a: bad }, { [bad]: 1 }]) {
        await assert.rejects(store.update("n.1", { set }), isCode("ERR_STORE_VALUE_REFUSED"));
      }
      await assert.rejects(
        store.create("n.2", record(Date.now(), { data: { a: bad } })),
        isCode("ERR_STORE_VALUE_REFUSED"),
      );
      assert.deepEqual((await store.get("n.1"))?.data, { a: 1 });
      assert.equal(await store.get("n.2"), null);
    });
  }

  test("close() leaves the application's pool open", async () => {
    const store = postgresStore({ pool, table: await freshTable("close") });
    await store.close();
    assert.equal((await pool.query("SELECT 1 AS one")).rows[0]?.one, 1);
  });

  test("an invalid table name is refused, before any query", async () => {
    for (const table of ["Sessions", "a;drop table x", '"x"', "1abc", "", "a.b", "x".repeat(64)]) {
      assert.throws(
        () => postgresStore({ pool, table }),
        isCode("ERR_STORE_OPTIONS_INVALID"),
        table,
      );
      await assert.rejects(migrate(pool, { table }), isCode("ERR_STORE_OPTIONS_INVALID"), table);
    }
    assert.equal(DEFAULT_TABLE, "sessionjar_sessions");
  });

  test("a missing table is ERR_STORE_UNAVAILABLE, naming migrate", async () => {
    const store = postgresStore({ pool, table: tableFor("never_migrated") });
    await assert.rejects(
      store.get("m.1"),
      (e: unknown) =>
        e instanceof StoreError &&
        e.code === "ERR_STORE_UNAVAILABLE" &&
        /migrate\(/.test(e.message),
    );
  });

  test("the renamed keys of a grace window: a table of their own, which migrate() adds beside an earlier sessions table", async () => {
    const table = await freshTable("renamed");
    // A sessions table as an earlier migrate() left it.
    await pool.query(`DROP TABLE "${table}_renamed"`);
    let t = Date.now();
    const store = postgresStore({ pool, table, now: () => t });
    await store.create("g.old", record(t, { userId: "u" }));
    // Without it nothing was ever kept, so reads and sweeps go on; a grace asks for migrate().
    assert.equal(await store.get("g.unknown"), null);
    assert.equal(await store.sweep(), 0);
    await assert.rejects(
      store.rename("g.old", "g.new", {}, { graceMs: 10_000 }),
      (e: unknown) =>
        e instanceof StoreError &&
        e.code === "ERR_STORE_UNAVAILABLE" &&
        e.message.includes(`no table "${table}_renamed"`) &&
        e.message.includes(`migrate(pool, { table: "${table}" })`),
    );
    assert.notEqual(await store.get("g.old"), null, "the failed rename changed the session");
    await migrate(pool, { table });
    assert.equal(await store.rename("g.old", "g.new", {}, { graceMs: 10_000 }), true);
    assert.equal((await store.get("g.old"))?.id, (await store.get("g.new"))?.id);
    t += 10_000;
    assert.equal(await store.get("g.old"), null);
    assert.equal(await store.sweep(), 0, "a renamed key counted as a session");
    const left = await pool.query(`SELECT 1 FROM "${table}_renamed"`);
    assert.equal(left.rows.length, 0, "sweep left an ended renamed key");
    // A table of that name that is something else is refused, and nothing is created.
    const other = tableFor("renamed_other");
    tables.push(other, `${other}_renamed`);
    await pool.query(`CREATE TABLE "${other}_renamed" (old_key text, target text)`);
    await assert.rejects(
      migrate(pool, { table: other }),
      optionsInvalid(/"sj_test_\w+_renamed_other_renamed".*no column new_key, expires_at/),
    );
  });

  describe("migrate over a table of another layout refuses it, naming what is wrong", () => {
    const indexCount = async (table: string): Promise<number> =>
      (
        await pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1",
          [table],
        )
      ).rows[0]?.n ?? -1;
    /** The layout as migrate made it before user_agent: what an upgrade meets. */
    const olderLayout = (table: string): string =>
      `CREATE TABLE "${table}" (key text PRIMARY KEY, id text NOT NULL UNIQUE, user_id text,
        data jsonb NOT NULL DEFAULT '{}', created_at bigint NOT NULL, last_seen_at bigint NOT NULL,
        idle_expires_at bigint NOT NULL, absolute_expires_at bigint NOT NULL, elevated_at bigint,
        expires_at bigint GENERATED ALWAYS AS (LEAST(idle_expires_at, absolute_expires_at)) STORED)`;

    test("an older layout (no user_agent): what to add, and the store's calls say so too", async () => {
      const table = tableFor("older");
      tables.push(table);
      await pool.query(olderLayout(table));
      await assert.rejects(
        migrate(pool, { table }),
        optionsInvalid(
          /"public"\."sj_test_\w+_older" is not laid out/,
          /no column user_agent/,
          /never alters an existing table/,
          /ALTER TABLE "public"\."sj_test_\w+_older" ADD COLUMN user_agent text;/,
        ),
      );
      assert.equal(await indexCount(table), 2, "only the constraints' indexes: nothing created");
      const store = postgresStore({ pool, table });
      await assert.rejects(
        store.get("o.1"),
        optionsInvalid(/user_agent/, /run migrate\(pool, \{ table/),
      );
      await assert.rejects(store.create("o.1", record(Date.now())), optionsInvalid(/migrate\(/));
      // The fix the message gives is enough.
      await pool.query(`ALTER TABLE "public"."${table}" ADD COLUMN user_agent text`);
      await migrate(pool, { table });
      assert.equal(await indexCount(table), 4);
      await store.create("o.1", record(Date.now(), { userAgent: "ua" }));
      assert.equal((await store.get("o.1"))?.userAgent, "ua");
    });

    test("another application's table of the same name (connect-pg-simple's)", async () => {
      const table = tableFor("foreign");
      tables.push(table);
      await pool.query(
        `CREATE TABLE "${table}" (sid varchar PRIMARY KEY, sess json NOT NULL, expire timestamp(6) NOT NULL)`,
      );
      await assert.rejects(
        migrate(pool, { table }),
        optionsInvalid(
          /none of the store's columns \(its columns: sid, sess, expire\)/,
          /table option/,
        ),
      );
      await assert.rejects(postgresStore({ pool, table }).get("f.1"), optionsInvalid(/migrate\(/));
    });

    test("wrong types, a plain expires_at, a NOT NULL column it never writes, a view", async () => {
      const table = tableFor("wrong");
      tables.push(table);
      await pool.query(
        `CREATE TABLE "${table}" (key text PRIMARY KEY, id text, user_id text, data json NOT NULL,
          created_at integer NOT NULL, last_seen_at bigint NOT NULL, idle_expires_at bigint NOT NULL,
          absolute_expires_at bigint NOT NULL, elevated_at bigint, user_agent text, expires_at bigint,
          tenant text NOT NULL)`,
      );
      await assert.rejects(
        migrate(pool, { table }),
        optionsInvalid(
          /data is json, not jsonb/,
          /created_at is integer, not bigint/,
          /expires_at is a plain column, not bigint GENERATED ALWAYS AS/,
          /tenant is NOT NULL without a default/,
        ),
      );
      const view = tableFor("view");
      await pool.query(`CREATE VIEW "${view}" AS SELECT 1 AS key`);
      try {
        await assert.rejects(
          migrate(pool, { table: view }),
          optionsInvalid(/is a view, not a table/),
        );
      } finally {
        await pool.query(`DROP VIEW "${view}"`);
      }
    });

    test("the table checked is the one the search_path resolves to; a missing schema is named", async () => {
      const schema = `sj_test_${run}_schema`;
      const table = tableFor("resolved");
      await pool.query(`CREATE SCHEMA "${schema}"`);
      const inSchema = new pg.Pool({
        connectionString: URL,
        max: 2,
        options: `-c search_path=${schema}`,
      });
      const noSchema = new pg.Pool({
        connectionString: URL,
        max: 1,
        options: `-c search_path=sj_test_${run}_no_such_schema`,
      });
      try {
        // An older table of the same name in public must not make the schema's table look wrong.
        tables.push(table);
        await pool.query(olderLayout(table));
        await migrate(inSchema, { table });
        await migrate(inSchema, { table });
        await assert.rejects(migrate(pool, { table }), optionsInvalid(/"public"\./, /user_agent/));
        await assert.rejects(
          migrate(noSchema, { table }),
          optionsInvalid(
            /search_path \(sj_test_\w+_no_such_schema\)/,
            /names no schema that exists/,
          ),
        );
      } finally {
        await Promise.all([inSchema.end(), noSchema.end()]);
        await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      }
    });
  });

  test("migrate over an up-to-date table finishes while a write transaction holds a row", async () => {
    const table = await freshTable("locks");
    const store = postgresStore({ pool, table });
    await store.create("l.1", record(Date.now()));
    const tx = await pool.connect();
    let first: string | undefined;
    try {
      await tx.query("BEGIN");
      await tx.query(`UPDATE "${table}" SET last_seen_at = last_seen_at + 1 WHERE key = 'l.1'`);
      const pid = (await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
      // Which comes first: migrate() returning, or some backend waiting for the transaction.
      let settled = false;
      const migrated = migrate(pool, { table }).finally(() => {
        settled = true;
      });
      const blocked = (async (): Promise<string | undefined> => {
        while (!settled) {
          const { rows } = await pool.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
            [pid],
          );
          if ((rows[0]?.n ?? 0) > 0) return "a backend waits for the open transaction";
          await new Promise((r) => setImmediate(r));
        }
        return undefined;
      })();
      first = await Promise.race([migrated.then(() => "migrate() returned"), blocked]);
      // While the transaction is still open, another session's write goes through as well.
      if (first === "migrate() returned") {
        await store.create("l.2", record(Date.now()));
        assert.equal(await store.update("l.2", { set: { a: 1 } }), true);
      }
    } finally {
      await tx.query("ROLLBACK");
      tx.release();
    }
    assert.equal(first, "migrate() returned");
  });

  test("migrate creates a missing index, and only that", async () => {
    const table = await freshTable("reindex");
    await pool.query(`DROP INDEX "${table}_expires_idx"`);
    await migrate(pool, { table });
    const { rows } = await pool.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname",
      [table],
    );
    assert.deepEqual(
      rows.map((r) => r.indexname),
      [`${table}_expires_idx`, `${table}_id_key`, `${table}_pkey`, `${table}_user_idx`],
    );
  });

  test("a user's row it cannot read does not fail the user's listing, sign-ins or deleteByUser", async () => {
    const table = await freshTable("unreadable");
    await assertUnreadableRowPassedOver(postgresStore({ pool, table }), async (key) => {
      await pool.query(`UPDATE "${table}" SET data = '[1]' WHERE key = $1`, [key]);
    });
  });

  test("a row it cannot read is ERR_STORE_CORRUPT", async () => {
    const table = await freshTable("corrupt");
    const store = postgresStore({ pool, table });
    const t = Date.now();
    await pool.query(
      `INSERT INTO "${table}" (key, id, data, created_at, last_seen_at, idle_expires_at, absolute_expires_at)
       VALUES ('c.array', 'i1', '[1,2]', $1, $1, $2, $2), ('c.big', 'i2', '{}', 9007199254740993, $1, $2, $2)`,
      [t, t + 60_000],
    );
    await assert.rejects(store.get("c.array"), isCode("ERR_STORE_CORRUPT"));
    await assert.rejects(store.get("c.big"), isCode("ERR_STORE_CORRUPT"));
  });

  describe("an unreachable server is ERR_STORE_UNAVAILABLE, promptly", () => {
    const servers: Server[] = [];
    const sockets: Socket[] = [];
    after(async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    });

    /** A port with nothing listening on it: bound once, then released. */
    async function closedPort(): Promise<number> {
      const server = createServer();
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const { port } = server.address() as { port: number };
      await new Promise((r) => server.close(r));
      return port;
    }

    async function expectUnavailable(
      p: pg.Pool,
      withinMs: number,
      said = /PostgreSQL is unavailable/,
    ): Promise<void> {
      p.on("error", () => {});
      const store = postgresStore({ pool: p, table: tableFor("down") });
      const started = Date.now();
      for (const call of [
        () => store.get("d.1"),
        () => store.create("d.1", record(started, { userId: "u" }), { maxPerUser: 2 }),
        () => migrate(p, { table: tableFor("down") }),
      ]) {
        await assert.rejects(call(), (e: unknown) => {
          assert.ok(e instanceof StoreError, String(e));
          assert.equal(e.code, "ERR_STORE_UNAVAILABLE");
          assert.match(e.message, said);
          return true;
        });
      }
      const elapsed = Date.now() - started;
      assert.ok(elapsed < withinMs, `took ${elapsed} ms`);
      await p.end();
    }

    test("connection refused", async () => {
      const port = await closedPort();
      await expectUnavailable(
        new pg.Pool({ host: "127.0.0.1", port, user: "postgres", connectionTimeoutMillis: 500 }),
        1_500,
      );
    });

    test("a server that accepts and never answers: connection timeout", async () => {
      const server = createServer((s) => sockets.push(s));
      servers.push(server);
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const { port } = server.address() as { port: number };
      await expectUnavailable(
        new pg.Pool({ host: "127.0.0.1", port, user: "postgres", connectionTimeoutMillis: 200 }),
        1_500,
      );
    });

    test("a role or a database the server does not have: unavailable, and the message says to fix the settings", async () => {
      await expectUnavailable(
        new pg.Pool({ host: "127.0.0.1", user: "no_such_role_sj", database: "test" }),
        5_000,
        /refused the pool's role or password .*role "no_such_role_sj" does not exist.*check the user, password and database/,
      );
      await expectUnavailable(
        new pg.Pool({ host: "127.0.0.1", user: "postgres", database: "no_such_db_sj" }),
        5_000,
        /refused the pool's database .*"no_such_db_sj" does not exist/,
      );
    });

    test("an exhausted pool: timeout waiting for a connection", async () => {
      const small = new pg.Pool({
        connectionString: URL,
        max: 1,
        connectionTimeoutMillis: 200,
      });
      const held = await small.connect();
      try {
        const store = postgresStore({ pool: small, table: tableFor("conformance") });
        const started = Date.now();
        await assert.rejects(store.get("e.1"), isCode("ERR_STORE_UNAVAILABLE"));
        assert.ok(Date.now() - started < 1_000);
      } finally {
        held.release();
        await small.end();
      }
    });
  });
});
