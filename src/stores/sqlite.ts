/**
 * sessionjar/stores/sqlite: sessions in a SQLite table, through `better-sqlite3`.
 *
 * ```ts
 * import { sqliteStore } from "sessionjar/stores/sqlite";
 *
 * const store = sqliteStore({ database: "./sessions.db" }); // creates the table, WAL mode
 * setInterval(() => store.sweep().catch(console.error), 10 * 60_000).unref();
 * ```
 *
 * @module
 */
import Database from "better-sqlite3";
import { SessionjarError } from "../errors.js";
import type { KnownKeys } from "../lib/options.js";
import { checkStoreOptions } from "./options.js";
import {
  COLUMNS,
  type ColumnSpec,
  checkLayout,
  checkTableName,
  clockOption,
  columnsOf,
  type Decoded,
  decodeRow,
  definitions,
  type FoundTable,
  liveRecords,
  ms,
  oldestFirst,
  readableRows,
  type SqlDialect,
  type SqlRow,
  sweepLimits,
} from "./sql-record.js";
import {
  type CreateOptions,
  checkGrace,
  type SessionPatch,
  type SessionStore,
  type StoredSession,
  StoreError,
} from "./types.js";

/** The table name used when none is given. */
export const DEFAULT_TABLE = "sessionjar_sessions";

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * The application's own `better-sqlite3` database, which the store never closes, or a file
   * path (or `":memory:"`) that the store opens, puts in WAL mode and closes on `close()`.
   *
   * With your own database, WAL mode is recommended (`db.pragma("journal_mode = WAL")`): reads
   * then never wait for a write, and other processes can share the file. Keep better-sqlite3's
   * `timeout` (the busy timeout, 5 s by default) short: better-sqlite3 waits for another
   * connection's write lock synchronously, so the whole process stalls for up to that long, and
   * a write that waits longer throws `ERR_STORE_UNAVAILABLE`. A path gets the default; to choose
   * the timeout, pass `new Database(path, { timeout: 200 })`.
   */
  database: Database.Database | string;
  /**
   * The table (default `sessionjar_sessions`): lower-case letters, digits and underscores, at
   * most 63 characters, not starting with a digit. Created with its indexes if missing; an
   * existing table of another layout is refused with `ERR_STORE_OPTIONS_INVALID`, naming what
   * it lacks (the store never alters a table).
   */
  table?: string;
  /** The clock, in ms since the epoch, for tests. */
  now?: () => number;
}

/** Options of {@link SqliteSessionStore.sweep}. */
export interface SqliteSweepOptions {
  /**
   * Rows deleted per write transaction (default 1,000); the event loop runs between batches.
   * A whole number of at least 1, or `ERR_STORE_OPTIONS_INVALID`.
   */
  batchSize?: number;
  /** Stop after this many batches, at least 1 (default: until no expired row is left). */
  maxBatches?: number;
}

/** A {@link SessionStore} on SQLite, with the housekeeping that a table needs. */
export interface SqliteSessionStore extends SessionStore {
  /**
   * Deletes expired rows, in batches, and returns how many. Expired sessions are invisible
   * whether or not they were swept, so this only reclaims space: call it every few minutes
   * (a timer in the app, or a cron job when several processes share the file).
   */
  sweep(options?: SqliteSweepOptions): Promise<number>;
  /** Closes the database if the store opened it from a path; never the application's own. */
  close(): Promise<void>;
}

/** Refuses a table name that would need escaping: only plain identifiers are ever spliced in. */
function checkTable(table: string | undefined): string {
  return checkTableName(table ?? DEFAULT_TABLE, "SQL");
}

/** The columns, as the store creates them and as its statements need them. */
const LAYOUT: readonly ColumnSpec[] = [
  column("key", "TEXT PRIMARY KEY NOT NULL", false),
  column("id", "TEXT NOT NULL UNIQUE", false),
  column("user_id", "TEXT"),
  column("data", "TEXT NOT NULL DEFAULT '{}'"),
  column("created_at", "INTEGER NOT NULL", false),
  column("last_seen_at", "INTEGER NOT NULL", false),
  column("idle_expires_at", "INTEGER NOT NULL", false),
  column("absolute_expires_at", "INTEGER NOT NULL", false),
  column("elevated_at", "INTEGER"),
  column("user_agent", "TEXT"),
  // Computed, so it can never disagree with the two expiries it is made of. VIRTUAL, so that
  // ALTER TABLE … ADD COLUMN can add it to an older table.
  {
    name: "expires_at",
    type: null,
    definition: "INTEGER GENERATED ALWAYS AS (min(idle_expires_at, absolute_expires_at)) VIRTUAL",
    generated: true,
    addable: true,
  },
];

/**
 * The keys that `rename` with a grace window left readable (`<table>_renamed`): where `get`
 * follows each, and until when.
 */
const RENAMED_LAYOUT: readonly ColumnSpec[] = [
  column("old_key", "TEXT PRIMARY KEY NOT NULL", false),
  column("new_key", "TEXT NOT NULL", false),
  column("expires_at", "INTEGER NOT NULL", false),
];

// SQLite takes any declared type and converts little, so only names and computed-ness are checked.
function column(name: string, definition: string, addable = true): ColumnSpec {
  return { name, type: null, definition, generated: false, addable };
}

/** The indexes besides the primary key's and the unique id's, with what follows `ON <table>`. */
function indexes(table: string): { name: string; on: string }[] {
  return [
    { name: `${table}_user_idx`, on: "(user_id, created_at) WHERE user_id IS NOT NULL" },
    { name: `${table}_expires_idx`, on: "(expires_at)" },
  ];
}

type Inspected = FoundTable & { indexNames: Set<string> };

/**
 * The table as SQLite resolves the name (temp, main, then attached databases), or null when
 * there is none. Reads only: no write lock, so a store over a table that is in place opens even
 * while another process writes.
 */
function inspect(db: Database.Database, table: string): Inspected | null {
  // Numbers as numbers, even if the application turned safeIntegers on for its db.
  const read = (sql: string): Database.Statement => db.prepare(sql).safeIntegers(false);
  const columns = read(
    `SELECT name, type, "notnull" AS "notNull", dflt_value AS dflt, pk, hidden FROM pragma_table_xinfo(?)`,
  ).all(table) as {
    name: string;
    type: string;
    notNull: number;
    dflt: string | null;
    pk: number;
    hidden: number;
  }[];
  if (columns.length === 0) return null;
  const kinds = read("SELECT type FROM pragma_table_list(?)").pluck().all(table);
  if (!kinds.includes("table")) {
    throw new StoreError(
      "ERR_STORE_OPTIONS_INVALID",
      `SQLite "${table}" is a ${String(kinds[0] ?? "relation")}, not a table: give the sessions a table of their own (another name in the table option), which sqliteStore() then creates`,
    );
  }
  const list = read(`SELECT name, "unique" AS isUnique, partial FROM pragma_index_list(?)`).all(
    table,
  ) as { name: string; isUnique: number; partial: number }[];
  const keyOnly = read("SELECT name FROM pragma_index_info(?)").pluck();
  return {
    database: "SQLite",
    label: `"${table}"`,
    creator: "sqliteStore()",
    // Generated columns are hidden 2 (VIRTUAL) or 3 (STORED) in table_xinfo.
    columns: columns.map((c) => ({
      name: c.name.toLowerCase(),
      type: c.type,
      generated: c.hidden >= 2,
      // An INTEGER PRIMARY KEY is the rowid, which SQLite fills in.
      required:
        c.notNull === 1 &&
        c.dflt === null &&
        c.hidden < 2 &&
        !(c.pk > 0 && /^INTEGER$/i.test(c.type)),
    })),
    keyUnique: list.some((i) => {
      if (i.isUnique !== 1 || i.partial !== 0) return false;
      const cols = keyOnly.all(i.name) as (string | null)[];
      return cols.length === 1 && cols[0]?.toLowerCase() === "key";
    }),
    indexNames: new Set(list.map((i) => i.name.toLowerCase())),
  };
}

/**
 * Creates the table and its indexes where they are missing, and refuses a table of another
 * layout with a typed error naming what it lacks, before any statement of the store meets it.
 */
function prepareTable(db: Database.Database, table: string): void {
  const renamed = `${table}_renamed`;
  const missingIndexes = (found: Inspected): { name: string; on: string }[] => {
    checkLayout(found, LAYOUT);
    return indexes(table).filter((i) => !found.indexNames.has(i.name));
  };
  /** Whether the table of renamed keys is missing; refuses one of another layout. */
  const renamedMissing = (): boolean => {
    const found = inspect(db, renamed);
    if (found !== null) checkLayout(found, RENAMED_LAYOUT);
    return found === null;
  };
  const first = inspect(db, table);
  if (first !== null && missingIndexes(first).length === 0 && !renamedMissing()) return;
  db.transaction(() => {
    // Again under the write lock: another process may have created them meanwhile.
    let found = inspect(db, table);
    if (found === null) {
      db.exec(`CREATE TABLE IF NOT EXISTS "${table}" (${definitions(LAYOUT)})`);
      found = inspect(db, table);
    }
    if (found === null) {
      throw new StoreError(
        "ERR_STORE_UNAVAILABLE",
        `SQLite does not find table "${table}" right after creating it`,
      );
    }
    for (const i of missingIndexes(found)) {
      db.exec(`CREATE INDEX IF NOT EXISTS "${i.name}" ON "${table}" ${i.on}`);
    }
    // A table of its own, so that a sessions table of an earlier version needs no change.
    if (renamedMissing()) {
      db.exec(`CREATE TABLE IF NOT EXISTS "${renamed}" (${definitions(RENAMED_LAYOUT)})`);
    }
  }).immediate();
}

/**
 * A file this process may only read opens read-only without a word, and stays so after its
 * permissions are fixed: every write would be a 503 until a restart. A write that changes
 * nothing finds it now; SQLite refuses it before taking any lock, so a write lock another
 * connection holds only answers SQLITE_BUSY, at once with no busy timeout.
 */
function checkWritable(db: Database.Database, table: string): void {
  const timeout = db.pragma("busy_timeout", { simple: true }) as number;
  db.pragma("busy_timeout = 0");
  try {
    db.prepare(`DELETE FROM "${table}" WHERE 0`).run();
  } catch (error) {
    if (!/^SQLITE_BUSY/.test(String((error as { code?: unknown }).code))) throw error;
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}

type Row = SqlRow;

/** better-sqlite3 returns INTEGER as a number (a bigint in safeIntegers mode), the JSON as TEXT. */
const SQLITE: SqlDialect = {
  name: "SQLite",
  int: (v) => (typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : Number.NaN),
  data(v, text, corrupt) {
    const json = text(v);
    try {
      return JSON.parse(json);
    } catch {
      throw corrupt("data is not JSON");
    }
  },
};

const decode = (row: Row, table: string): Decoded => decodeRow(SQLITE, row, table);
const readable = (rows: readonly Row[], table: string): Decoded[] =>
  readableRows(SQLITE, rows, table);

/** A StoreError for a failure of the database itself; other errors (bugs) as they are. */
function mapError(error: unknown, table: string, operation: string): unknown {
  if (error instanceof SessionjarError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const c = typeof code === "string" ? code : "";
  // The statements are fixed and were prepared against a table of the right layout: a column
  // missing now was dropped or renamed while the store ran.
  if (c === "SQLITE_ERROR" && /no such column|has no column named/i.test(message)) {
    return new StoreError(
      "ERR_STORE_OPTIONS_INVALID",
      `SQLite table "${table}" is no longer laid out as the sessions store needs (${message}) during ${operation}: a column was dropped or renamed while the store ran; sqliteStore() on the table names what it lacks and how to fix it`,
      { cause: error },
    );
  }
  if (c.startsWith("SQLITE_FULL")) {
    return new StoreError(
      "ERR_STORE_FULL",
      `SQLite is out of space during ${operation} (${message}): free disk space, or sweep() expired sessions`,
      { cause: error },
    );
  }
  if (c.startsWith("SQLITE_CORRUPT") || c.startsWith("SQLITE_NOTADB")) {
    return new StoreError(
      "ERR_STORE_CORRUPT",
      `the SQLite database is damaged (${message}): restore it from a backup or start a new file`,
      { cause: error },
    );
  }
  if (/^SQLITE_(BUSY|LOCKED)/.test(c)) {
    return new StoreError(
      "ERR_STORE_UNAVAILABLE",
      `SQLite stayed locked by another connection during ${operation} for longer than the busy timeout (${message}): use WAL mode and keep write transactions short`,
      { cause: error },
    );
  }
  if (
    /^SQLITE_(IOERR|CANTOPEN|READONLY|PROTOCOL|NOMEM|PERM|AUTH)/.test(c) ||
    /database connection is not open|Cannot open database|no such table/i.test(message)
  ) {
    return new StoreError(
      "ERR_STORE_UNAVAILABLE",
      `SQLite is unavailable during ${operation} (${message}): check the file, its directory and their permissions, and that the database is open`,
      { cause: error },
    );
  }
  return error;
}

/** `patch` applied to `data`: sets, then removals; a set to undefined removes, as in JSON. */
function applyData(
  data: Readonly<Record<string, unknown>>,
  patch: SessionPatch,
): Record<string, unknown> {
  // A null prototype, so that a key named "__proto__" is a key like any other.
  const out: Record<string, unknown> = Object.assign(Object.create(null), data);
  for (const [k, v] of Object.entries(patch.set ?? {})) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  for (const k of patch.unset ?? []) delete out[k];
  return out;
}

/**
 * A {@link SessionStore} on SQLite through `better-sqlite3`: one file, no server, for single
 * machines (several processes may share the file). The table and its indexes are created when
 * the store is, if they are missing.
 *
 * Changes to a session are read-modify-write inside an `IMMEDIATE` transaction, which holds the
 * database's write lock from its first statement: concurrent updates of different keys, from
 * this process or another, all land. `create` with `maxPerUser` inserts and evicts in one such
 * transaction. Calls are synchronous underneath (better-sqlite3), wrapped in promises.
 *
 * ```ts
 * import Database from "better-sqlite3";
 *
 * const db = new Database("app.db");
 * db.pragma("journal_mode = WAL");
 * const store = sqliteStore({ database: db, table: "app_sessions" });
 * ```
 */
export function sqliteStore(options: SqliteStoreOptions): SqliteSessionStore {
  checkStoreOptions(
    "sqliteStore",
    options,
    Object.keys({ database: true, table: true, now: true } satisfies KnownKeys<SqliteStoreOptions>),
    'sqliteStore({ database: "./sessions.db" })',
  );
  const table = checkTable(options.table);
  const now = clockOption(options.now);
  const given = options.database;
  const own = typeof given === "string";
  if (
    !own &&
    (given === null || typeof given !== "object" || typeof given.prepare !== "function")
  ) {
    throw new StoreError(
      "ERR_STORE_OPTIONS_INVALID",
      "database must be a better-sqlite3 Database or a file path",
    );
  }
  let db: Database.Database;
  try {
    db = own ? new Database(given) : given;
    // WAL lets readers go on while one connection writes; a database we did not open keeps the
    // journal mode its owner chose.
    if (own && given !== ":memory:" && given !== "") db.pragma("journal_mode = WAL");
    prepareTable(db, table);
    checkWritable(db, table);
  } catch (error) {
    if (/^SQLITE_READONLY/.test(String((error as { code?: unknown } | null)?.code))) {
      throw new StoreError(
        "ERR_STORE_OPTIONS_INVALID",
        `the SQLite database is read-only for this process (${(error as Error).message}): a session store must write, so make the file and its directory writable by the user the app runs as, and do not open it with readonly`,
        { cause: error },
      );
    }
    throw mapError(error, table, "open");
  }

  const q = `"${table}"`;
  const renamed = `"${table}_renamed"`;
  // Integers come back as numbers even if the application turned safeIntegers on for its db.
  const prepare = (sql: string): Database.Statement =>
    db.prepare(sql).safeIntegers(false) as Database.Statement;
  const stmt = {
    get: prepare(`SELECT ${COLUMNS} FROM ${q} WHERE key = ? AND expires_at > ?`),
    // One step: a key renamed again is no longer new_key.
    follow: prepare(
      `SELECT ${columnsOf("s")} FROM ${renamed} a JOIN ${q} s ON s.key = a.new_key
       WHERE a.old_key = ? AND a.expires_at > ? AND s.expires_at > ?`,
    ),
    keep: prepare(
      `INSERT INTO ${renamed} (old_key, new_key, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (old_key) DO UPDATE SET new_key = excluded.new_key, expires_at = excluded.expires_at`,
    ),
    sweepRenamed: prepare(`DELETE FROM ${renamed} WHERE expires_at <= ?`),
    insert: prepare(
      `INSERT INTO ${q} (key, id, user_id, data, created_at, last_seen_at, idle_expires_at, absolute_expires_at, elevated_at, user_agent)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET id = excluded.id, user_id = excluded.user_id, data = excluded.data,
         created_at = excluded.created_at, last_seen_at = excluded.last_seen_at,
         idle_expires_at = excluded.idle_expires_at, absolute_expires_at = excluded.absolute_expires_at,
         elevated_at = excluded.elevated_at, user_agent = excluded.user_agent`,
    ),
    // Keeps the newest `cap` live sessions (the new one first among equal creation times).
    evict: prepare(
      `DELETE FROM ${q} WHERE key IN (
         SELECT key FROM ${q} WHERE user_id = ? AND expires_at > ?
         ORDER BY created_at DESC, (key = ?) DESC, key DESC LIMIT -1 OFFSET ?
       ) RETURNING ${COLUMNS}`,
    ),
    write: prepare(
      `UPDATE ${q} SET key = ?, data = ?, last_seen_at = ?, idle_expires_at = ?, elevated_at = ?
       WHERE key = ?`,
    ),
    delete: prepare(`DELETE FROM ${q} WHERE key = ? RETURNING ${COLUMNS}`),
    list: prepare(
      `SELECT ${COLUMNS} FROM ${q} WHERE user_id = ? AND expires_at > ? ORDER BY created_at, key`,
    ),
    deleteByUser: prepare(
      `DELETE FROM ${q} WHERE user_id = ? AND key IS NOT ? RETURNING ${COLUMNS}`,
    ),
    sweep: prepare(
      `DELETE FROM ${q} WHERE key IN (SELECT key FROM ${q} WHERE expires_at <= ? LIMIT ?)`,
    ),
  };

  const run = async <T>(operation: string, body: () => T): Promise<T> => {
    try {
      return body();
    } catch (error) {
      throw mapError(error, table, operation);
    }
  };

  const capped = db.transaction(
    (params: unknown[], userId: string, key: string, cap: number): Row[] => {
      stmt.insert.run(...params);
      return stmt.evict.all(userId, now(), key, cap) as Row[];
    },
  );

  /**
   * Moves (or keeps) a live row under `newKey` with `patch` applied, leaving `oldKey` readable
   * for `graceMs`; false when not live.
   */
  const change = db.transaction(
    (oldKey: string, newKey: string, patch: SessionPatch, graceMs: number): boolean => {
      const t = now();
      const row = stmt.get.get(oldKey, t) as Row | undefined;
      if (row === undefined) return false;
      const r = decode(row, table).record;
      const elevatedAt = patch.elevatedAt === undefined ? r.elevatedAt : patch.elevatedAt;
      stmt.write.run(
        newKey,
        JSON.stringify(applyData(r.data, patch)),
        ms("lastSeenAt", patch.lastSeenAt ?? r.lastSeenAt),
        ms("idleExpiresAt", patch.idleExpiresAt ?? r.idleExpiresAt),
        elevatedAt === null ? null : ms("elevatedAt", elevatedAt),
        oldKey,
      );
      if (graceMs > 0 && newKey !== oldKey) stmt.keep.run(oldKey, newKey, t + graceMs);
      return true;
    },
  );

  return {
    renameGrace: true,

    get: (key) =>
      run("get", () => {
        const t = now();
        const row = (stmt.get.get(key, t) ?? stmt.follow.get(key, t, t)) as Row | undefined;
        return row === undefined ? null : decode(row, table).record;
      }),

    create: (key, record, createOptions?: CreateOptions) =>
      run("create", () => {
        const params = [
          key,
          record.id,
          record.userId,
          JSON.stringify(record.data),
          ms("createdAt", record.createdAt),
          ms("lastSeenAt", record.lastSeenAt),
          ms("idleExpiresAt", record.idleExpiresAt),
          ms("absoluteExpiresAt", record.absoluteExpiresAt),
          record.elevatedAt === null ? null : ms("elevatedAt", record.elevatedAt),
          record.userAgent,
        ];
        const cap = createOptions?.maxPerUser;
        if (cap === undefined || record.userId === null) {
          stmt.insert.run(...params);
          return [];
        }
        const rows = capped.immediate(params, record.userId, key, Math.max(0, Math.ceil(cap)));
        return readable(rows, table)
          .map((d) => d.record)
          .sort(oldestFirst);
      }),

    update: (key, patch) => run("update", () => change.immediate(key, key, patch, 0)),

    rename: (oldKey, newKey, patch, renameOptions) =>
      run("rename", () =>
        change.immediate(oldKey, newKey, patch ?? {}, checkGrace("sqlite store", renameOptions)),
      ),

    delete: (key) =>
      run("delete", () => {
        // An expired row is deleted too, but reported as absent, as get would.
        const row = stmt.delete.get(key) as Row | undefined;
        if (row === undefined) return null;
        const d = decode(row, table);
        return d.expiresAt > now() ? d.record : null;
      }),

    listByUser: (userId) =>
      run("listByUser", (): StoredSession[] =>
        readable(stmt.list.all(userId, now()) as Row[], table).map((d) => ({
          key: d.key,
          record: d.record,
        })),
      ),

    deleteByUser: (userId, deleteOptions) =>
      run("deleteByUser", () => {
        const rows = stmt.deleteByUser.all(userId, deleteOptions?.exceptKey ?? null) as Row[];
        return liveRecords(readable(rows, table), now());
      }),

    async sweep(sweepOptions) {
      const { batchSize: batch, maxBatches } = sweepLimits(sweepOptions);
      let total = 0;
      for (let i = 0; i < maxBatches; i++) {
        const n = await run("sweep", () => {
          const t = now();
          // The renamed keys live seconds: there are few, and they go in one statement.
          if (i === 0) stmt.sweepRenamed.run(t);
          return stmt.sweep.run(t, batch).changes;
        });
        total += n;
        if (n < batch) break;
        // better-sqlite3 blocks the thread: let requests through between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
      return total;
    },

    async close() {
      if (own && db.open) db.close();
    },
  };
}
