/**
 * sessionjar/stores/postgres: sessions in a PostgreSQL table, through the application's own `pg`
 * pool.
 *
 * ```ts
 * import pg from "pg";
 * import { migrate, postgresStore } from "sessionjar/stores/postgres";
 *
 * const pool = new pg.Pool({
 *   connectionString: process.env.DATABASE_URL,
 *   connectionTimeoutMillis: 2_000, // no connection: a 503, not a wait without end
 *   statement_timeout: 1_000, // a row locked by a long transaction
 *   query_timeout: 2_000, // a network partition: no answer at all
 * });
 * pool.on("error", (err) => console.warn(err)); // an unhandled "error" event would crash
 * await migrate(pool); // at deploy; idempotent, and lock-free over an up-to-date table
 * const store = postgresStore({ pool });
 * setInterval(() => store.sweep().catch(console.error), 10 * 60_000).unref();
 * ```
 *
 * docs/stores.md says why each setting matters, and how to put the table in a schema.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Pool, PoolClient, QueryResultRow } from "pg";
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
  type SessionRecord,
  type SessionStore,
  type StoredSession,
  StoreError,
} from "./types.js";

/** The table name used when none is given. */
export const DEFAULT_TABLE = "sessionjar_sessions";

/** Options of {@link postgresStore}. */
export interface PostgresStoreOptions {
  /**
   * The application's own pool. The store borrows a connection per call and never ends the
   * pool. Set `connectionTimeoutMillis` on it (the `pg` default is to wait forever), so that a
   * dead server or an exhausted pool fails fast with `ERR_STORE_UNAVAILABLE` instead of hanging
   * the request; `statement_timeout` and `query_timeout` do the same for a locked row and a
   * network partition. Listen to its "error" event: an idle connection that breaks emits one,
   * and unhandled it ends the process.
   */
  pool: Pool;
  /**
   * The table (default `sessionjar_sessions`): lower-case letters, digits and underscores, at
   * most 63 characters, not starting with a digit. It is looked up on the connection's
   * `search_path` (for a schema of its own: the pool's `options: "-c search_path=app"`). Create
   * it with {@link migrate}.
   */
  table?: string;
  /** The clock, in ms since the epoch, for tests. Expiry is judged by it, not by the server's. */
  now?: () => number;
}

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** The table to create (default `sessionjar_sessions`); the same rules as the store's. */
  table?: string;
}

/** Options of {@link PostgresSessionStore.sweep}. */
export interface SweepOptions {
  /**
   * Rows deleted per statement (default 1,000): each batch holds its row locks only briefly.
   * A whole number of at least 1, or `ERR_STORE_OPTIONS_INVALID`.
   */
  batchSize?: number;
  /** Stop after this many batches, at least 1 (default: until no expired row is left). */
  maxBatches?: number;
}

/** A {@link SessionStore} on PostgreSQL, with the housekeeping that a table needs. */
export interface PostgresSessionStore extends SessionStore {
  /**
   * Deletes expired rows, in batches, and returns how many. Expired sessions are invisible
   * whether or not they were swept, so this only reclaims space: call it every few minutes
   * from one place (a timer in the app, a cron job, a worker). Several instances sweeping at
   * once do not block each other (`FOR UPDATE SKIP LOCKED`).
   */
  sweep(options?: SweepOptions): Promise<number>;
  /** Does nothing that outlives the call: the pool is the application's, and stays open. */
  close(): Promise<void>;
}

/** Refuses a table name that would need escaping: only plain identifiers are ever spliced in. */
function checkTable(table: string | undefined): string {
  return checkTableName(table ?? DEFAULT_TABLE, "PostgreSQL");
}

/**
 * `<table>_<suffix>`, kept within PostgreSQL's 63-byte identifier limit: a long table name is
 * cut and given a hash, so that two long names never share an index name.
 */
function indexName(table: string, suffix: string): string {
  const name = `${table}_${suffix}`;
  if (name.length <= 63) return name;
  const hash = createHash("sha256").update(table).digest("hex").slice(0, 8);
  return `${table.slice(0, 63 - suffix.length - 10)}_${hash}_${suffix}`;
}

/** The columns, as {@link migrate} creates them and as the store's statements need them. */
const LAYOUT: readonly ColumnSpec[] = [
  column("key", "text", "text PRIMARY KEY", false),
  column("id", "text", "text NOT NULL UNIQUE", false),
  column("user_id", "text", "text"),
  column("data", "jsonb", "jsonb NOT NULL DEFAULT '{}'::jsonb"),
  column("created_at", "bigint", "bigint NOT NULL", false),
  column("last_seen_at", "bigint", "bigint NOT NULL", false),
  column("idle_expires_at", "bigint", "bigint NOT NULL", false),
  column("absolute_expires_at", "bigint", "bigint NOT NULL", false),
  column("elevated_at", "bigint", "bigint"),
  column("user_agent", "text", "text"),
  {
    name: "expires_at",
    type: "bigint",
    definition: "bigint GENERATED ALWAYS AS (LEAST(idle_expires_at, absolute_expires_at)) STORED",
    generated: true,
    addable: true,
  },
];

/**
 * The keys that `rename` with a grace window left readable: where `get` follows each, and until
 * when. A table of its own (`<table>_renamed`), so that a sessions table of an earlier version
 * needs no change.
 */
const RENAMED_LAYOUT: readonly ColumnSpec[] = [
  column("old_key", "text", "text PRIMARY KEY", false),
  column("new_key", "text", "text NOT NULL", false),
  column("expires_at", "bigint", "bigint NOT NULL", false),
];

/** The table of renamed keys beside `table`. */
function renamedTable(table: string): string {
  return indexName(table, "renamed");
}

function column(name: string, type: string, definition: string, addable = true): ColumnSpec {
  return { name, type, definition, generated: false, addable };
}

/** The indexes besides the constraints' own, by name, with what follows `ON <table>`. */
function indexes(table: string): { name: string; on: string }[] {
  return [
    { name: indexName(table, "user_idx"), on: "(user_id, created_at) WHERE user_id IS NOT NULL" },
    { name: indexName(table, "expires_idx"), on: "(expires_at)" },
  ];
}

/** A name quoted as an SQL identifier. */
const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** What the catalog holds under the table name, resolved on the connection's search_path. */
interface Inspection {
  /** current_schema(): where CREATE TABLE would put it; null when search_path names no schema that exists. */
  creationSchema: string | null;
  searchPath: string;
  /** The table, or null when the name resolves to nothing. */
  table: {
    schema: string;
    /** pg_class.relkind: "r" a table, "p" a partitioned table, "v" a view, … */
    kind: string;
    columns: {
      name: string;
      num: number;
      type: string;
      notNull: boolean;
      hasDefault: boolean;
      generated: string;
      identity: string;
    }[];
    indexes: { name: string; unique: boolean; plain: boolean; nkeys: number; keys: number[] }[];
  } | null;
}

// One read of the catalog, taking no lock on the table: to_regclass resolves the name as the
// store's own statements do (the first schema of the search_path that has it).
const INSPECT = `
  SELECT current_schema() AS "creationSchema", current_setting('search_path') AS "searchPath",
    (SELECT json_build_object(
      'schema', n.nspname,
      'kind', c.relkind,
      'columns', (SELECT coalesce(json_agg(json_build_object(
          'name', a.attname, 'num', a.attnum, 'type', format_type(a.atttypid, a.atttypmod),
          'notNull', a.attnotnull, 'hasDefault', a.atthasdef, 'generated', a.attgenerated,
          'identity', a.attidentity) ORDER BY a.attnum), '[]'::json)
        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
      'indexes', (SELECT coalesce(json_agg(json_build_object(
          'name', i.relname, 'unique', x.indisunique,
          'plain', x.indpred IS NULL AND x.indexprs IS NULL,
          'nkeys', x.indnkeyatts, 'keys', x.indkey::int2[])), '[]'::json)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid))
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = to_regclass($1)) AS "table"`;

type Queryable = Pick<Pool, "query"> | PoolClient;

async function inspect(db: Queryable, table: string): Promise<Inspection> {
  const { rows } = await db.query<Inspection & QueryResultRow>(INSPECT, [ident(table)]);
  return rows[0] as Inspection;
}

/** Throws when the table cannot serve as the sessions table; returns the indexes it lacks. */
function verify(
  table: string,
  t: NonNullable<Inspection["table"]>,
  layout: readonly ColumnSpec[] = LAYOUT,
): { name: string; on: string }[] {
  const label = `${ident(t.schema)}.${ident(table)}`;
  if (t.kind !== "r" && t.kind !== "p") {
    const kinds: Record<string, string> = {
      v: "a view",
      m: "a materialized view",
      f: "a foreign table",
    };
    const what = kinds[t.kind] ?? "not a table";
    throw new StoreError(
      "ERR_STORE_OPTIONS_INVALID",
      `PostgreSQL relation ${label} is ${what}, not a table: give the store a table of its own (the table option) and run migrate() for it`,
    );
  }
  const keyNum = t.columns.find((c) => c.name === "key")?.num;
  checkLayout(
    {
      database: "PostgreSQL",
      label,
      creator: "migrate()",
      keyUnique: t.indexes.some(
        (i) => i.unique && i.plain && i.nkeys === 1 && i.keys[0] === keyNum,
      ),
      columns: t.columns.map((c) => ({
        name: c.name,
        type: c.type,
        generated: c.generated !== "",
        required: c.notNull && !c.hasDefault && c.generated === "" && c.identity === "",
      })),
    },
    layout,
  );
  if (layout !== LAYOUT) return [];
  const present = new Set(t.indexes.map((i) => i.name));
  return indexes(table).filter((i) => !present.has(i.name));
}

function noSchemaError(table: string, searchPath: string): StoreError {
  return new StoreError(
    "ERR_STORE_OPTIONS_INVALID",
    `PostgreSQL has no schema to create table "${table}" in: the connection's search_path (${searchPath}) names no schema that exists. Create the schema (CREATE SCHEMA …) or fix the pool's options ("-c search_path=…")`,
  );
}

function checkPool(pool: unknown, forMigrate: boolean): void {
  const p = pool as { query?: unknown; connect?: unknown } | null;
  if (
    p === null ||
    typeof p !== "object" ||
    typeof p.query !== "function" ||
    (forMigrate && typeof p.connect !== "function")
  ) {
    throw new StoreError(
      "ERR_STORE_OPTIONS_INVALID",
      "pool must be a pg.Pool (new pg.Pool({ connectionString, connectionTimeoutMillis }))",
    );
  }
}

/**
 * Creates the sessions table and its indexes where they are missing, and checks that an existing
 * table has the layout the store needs. Idempotent and safe to run from several processes at
 * once (those with something to create take turns on an advisory lock); run it at deploy time,
 * with a role that may create tables.
 *
 * When everything is in place it only reads the catalog: it takes no lock that a session write
 * could wait for, and needs no right to create anything. Creating a missing index takes a SHARE
 * lock on the table, which waits for open write transactions and holds writes off while it
 * builds; on a large live table, create it yourself with CREATE INDEX CONCURRENTLY first.
 *
 * It never alters an existing table. A table that lacks a column the store needs (one of an
 * older layout, or another application's table of the same name) is refused with a
 * {@link StoreError} `ERR_STORE_OPTIONS_INVALID` that names what is missing or wrong and how to
 * fix it, and nothing is created. So is a search_path on which no schema exists.
 *
 * The table: `key` (the SHA-256 key of the token, primary key), `id` (the public id, unique),
 * `user_id`, `data` (jsonb), the times as bigint milliseconds, and `expires_at`, generated as
 * the lesser of the two expiries. Indexes: `(user_id, created_at)` where `user_id` is set, for
 * the per-user list; `expires_at`, for {@link PostgresSessionStore.sweep}.
 *
 * ```ts
 * await migrate(pool);                           // sessionjar_sessions
 * await migrate(pool, { table: "app_sessions" }); // then postgresStore({ pool, table: "app_sessions" })
 * ```
 */
export async function migrate(pool: Pool, options: MigrateOptions = {}): Promise<void> {
  const table = checkTable(options?.table);
  checkPool(pool, true);
  try {
    // CREATE INDEX IF NOT EXISTS locks the table (SHARE) before it looks, so it would queue
    // behind every open write transaction, and every session write behind it: look first.
    const first = await inspect(pool, table);
    const renamed = await inspect(pool, renamedTable(table));
    if (renamed.table !== null) verify(renamedTable(table), renamed.table, RENAMED_LAYOUT);
    if (first.table !== null && verify(table, first.table).length === 0 && renamed.table !== null)
      return;
    if (first.table === null && first.creationSchema === null) {
      throw noSchemaError(table, first.searchPath);
    }
    await createMissing(pool, table);
  } catch (error) {
    throw mapError(error, table, "migrate");
  }
}

/**
 * Runs `body` in one transaction on a pooled connection; a connection that broke or cannot roll
 * back is dropped.
 */
async function inTransaction<T>(pool: Pool, body: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let destroy = false;
  // A borrowed client has no "error" listener (the pool listens only while it is idle), and a
  // connection that breaks emits one besides failing the query in flight: unheard, it would
  // end the process. The query's own rejection reports it.
  const broken = (): void => {
    destroy = true;
  };
  client.on("error", broken);
  try {
    await client.query("BEGIN");
    const out = await body(client);
    await client.query("COMMIT");
    return out;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {
      destroy = true;
    });
    throw error;
  } finally {
    client.removeListener("error", broken);
    client.release(destroy);
  }
}

/** Creates what is missing, in one transaction, taking turns with other processes that do. */
async function createMissing(pool: Pool, table: string): Promise<void> {
  await inTransaction(pool, async (client) => {
    // Concurrent CREATE TABLE IF NOT EXISTS can fail on the catalog's unique index; the lock is
    // held until COMMIT, so the next process sees what this one made.
    await client.query(
      "SELECT pg_advisory_xact_lock(hashtext('sessionjar:migrate'), hashtext($1))",
      [table],
    );
    let found = await inspect(client, table);
    if (found.table === null) {
      if (found.creationSchema === null) throw noSchemaError(table, found.searchPath);
      // Unqualified, as before: PostgreSQL puts it in the search_path's first existing schema.
      await client.query(`CREATE TABLE IF NOT EXISTS ${ident(table)} (${definitions(LAYOUT)})`);
      found = await inspect(client, table);
    }
    if (found.table === null) {
      throw new StoreError(
        "ERR_STORE_OPTIONS_INVALID",
        `PostgreSQL does not find table "${table}" on the search_path (${found.searchPath}) right after creating it: check the pool's search_path`,
      );
    }
    const q = `${ident(found.table.schema)}.${ident(table)}`;
    for (const index of verify(table, found.table)) {
      await client.query(`CREATE INDEX IF NOT EXISTS ${ident(index.name)} ON ${q} ${index.on}`);
    }
    // Beside the sessions table, in its schema.
    const renamed = `${ident(found.table.schema)}.${ident(renamedTable(table))}`;
    await client.query(`CREATE TABLE IF NOT EXISTS ${renamed} (${definitions(RENAMED_LAYOUT)})`);
  });
}

type Row = SqlRow & QueryResultRow;

const UPSERT = `ON CONFLICT (key) DO UPDATE SET id = EXCLUDED.id, user_id = EXCLUDED.user_id, data = EXCLUDED.data,
        created_at = EXCLUDED.created_at, last_seen_at = EXCLUDED.last_seen_at,
        idle_expires_at = EXCLUDED.idle_expires_at, absolute_expires_at = EXCLUDED.absolute_expires_at,
        elevated_at = EXCLUDED.elevated_at, user_agent = EXCLUDED.user_agent`;

/** `pg` returns bigint as a string (unless the application changed its type parsers), jsonb parsed. */
const POSTGRES: SqlDialect = {
  name: "PostgreSQL",
  int: (v) =>
    typeof v === "number"
      ? v
      : typeof v === "string" && /^-?\d+$/.test(v)
        ? Number(v)
        : typeof v === "bigint"
          ? Number(v)
          : Number.NaN,
  data(v, _text, corrupt) {
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch {
      throw corrupt("data is not JSON");
    }
  },
};

const decode = (row: Row, table: string): Decoded => decodeRow(POSTGRES, row, table);
const readable = (rows: readonly Row[], table: string): Decoded[] =>
  readableRows(POSTGRES, rows, table);

/** Node's network error codes that mean "the server cannot be reached". */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

/** What `pg` and `pg-pool` say, without a code, when a connection fails or cannot be had. */
const CLIENT_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|not queryable|Cannot use a pool after calling end|Query read timeout/i;

/**
 * SQLSTATEs that mean the server cannot serve now (rather than a bug in the query):
 * connection exceptions (08), insufficient resources (53), shutdown and cancellation (57), lock
 * timeout (55P03), serialization failure and deadlock (40001, 40P01), a read-only server after a
 * failover (25006). (A refused role or database, 28 and 3D000, has its own message.)
 */
function unavailableState(code: string): boolean {
  return /^(08|53|57)/.test(code) || ["55P03", "40001", "40P01", "25006"].includes(code);
}

/**
 * SQLSTATEs of a statement that does not fit the table: an undefined column (42703), an
 * operator missing for a column's type (42883), a datatype mismatch (42804), ON CONFLICT
 * without a unique key (42P10), a view or other non-table (42809).
 */
const LAYOUT_STATES = new Set(["42703", "42883", "42804", "42P10", "42809"]);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") return code;
  // Node's happy-eyeballs connect can reject with an AggregateError of one error per address.
  if (error instanceof AggregateError) {
    for (const e of error.errors) {
      const c = codeOf(e);
      if (c !== undefined) return c;
    }
  }
  return undefined;
}

/** A StoreError for a failure of the server or the connection; other errors as they are. */
function mapError(error: unknown, table: string, operation: string): unknown {
  if (error instanceof StoreError || error instanceof SessionjarError) return error;
  const code = codeOf(error);
  const message = error instanceof Error ? error.message || String(code) : String(error);
  if (code === "42P01") {
    const args = table === DEFAULT_TABLE ? "pool" : `pool, { table: "${table}" }`;
    // The renamed keys' table came later: a sessions table of an earlier migrate() lacks it.
    const missing = message.includes(renamedTable(table)) ? renamedTable(table) : table;
    return new StoreError(
      "ERR_STORE_UNAVAILABLE",
      `PostgreSQL has no table "${missing}" on the connection's search_path: run migrate(${args}) once before using the store`,
      { cause: error },
    );
  }
  if (code === "3F000") {
    return new StoreError(
      "ERR_STORE_OPTIONS_INVALID",
      `PostgreSQL has no schema for table "${table}" during ${operation} (${message}): create the schema, or fix the search_path in the pool's options ("-c search_path=…")`,
      { cause: error },
    );
  }
  // The statements are fixed, so these mean a table of another layout (an older one, or another
  // application's table of the same name), which migrate() describes in full.
  if (code !== undefined && LAYOUT_STATES.has(code)) {
    const args = table === DEFAULT_TABLE ? "pool" : `pool, { table: "${table}" }`;
    return new StoreError(
      "ERR_STORE_OPTIONS_INVALID",
      `PostgreSQL table "${table}" is not laid out as the sessions store needs (${message}) during ${operation}: run migrate(${args}), which names what the table lacks and how to fix it`,
      { cause: error },
    );
  }
  if (code === "22P05") {
    return new StoreError(
      "ERR_STORE_VALUE_REFUSED",
      `PostgreSQL refused a session value during ${operation} (${message}): jsonb cannot hold U+0000; strip NUL characters from session data`,
      { cause: error },
    );
  }
  // The only text the statements parse is the JSON they write: JSON.stringify keeps a lone
  // surrogate as a \ud800 escape, which jsonb refuses.
  if (code === "22P02" && /json/i.test(message)) {
    return new StoreError(
      "ERR_STORE_VALUE_REFUSED",
      `PostgreSQL refused a session value during ${operation} (${message}): jsonb cannot hold a lone surrogate (half of a UTF-16 pair, as unchecked input such as a JSON "\\ud800" escape gives); check strings with isWellFormed() before storing them`,
      { cause: error },
    );
  }
  if (code === "53100") {
    return new StoreError(
      "ERR_STORE_FULL",
      `PostgreSQL is out of disk space during ${operation} (${message}): free space, or sweep() expired sessions`,
      { cause: error },
    );
  }
  if (code !== undefined && (code.startsWith("28") || code === "3D000")) {
    // Unavailable all the same (fail closed), but no wait will mend it: the settings are wrong.
    return new StoreError(
      "ERR_STORE_UNAVAILABLE",
      `PostgreSQL refused the pool's ${code === "3D000" ? "database" : "role or password"} during ${operation} (${message}): check the user, password and database in the pool's options or connection string`,
      { cause: error },
    );
  }
  if (
    (code !== undefined && (NETWORK_CODES.has(code) || unavailableState(code))) ||
    CLIENT_MESSAGES.test(message)
  ) {
    return new StoreError(
      "ERR_STORE_UNAVAILABLE",
      `PostgreSQL is unavailable during ${operation} (${message}): check that the server is up and reachable and that the pool has connections to spare; set the pool's connectionTimeoutMillis so that this fails fast`,
      { cause: error },
    );
  }
  return error;
}

/**
 * The SET clauses of a patch, with their values appended to `params`. Keys of `set` whose value
 * is undefined are removed, as JSON would drop them anyway.
 */
function patchSql(patch: SessionPatch, params: unknown[]): string[] {
  const sets: string[] = [];
  const add = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  // A null prototype, so that a key named "__proto__" is a key like any other.
  const set: Record<string, unknown> = Object.create(null);
  const unset: string[] = [...(patch.unset ?? [])];
  for (const [k, v] of Object.entries(patch.set ?? {})) {
    if (v === undefined) unset.push(k);
    else set[k] = v;
  }
  if (Object.keys(set).length > 0 || unset.length > 0) {
    // The delta is applied to the row as it is when the UPDATE locks it, so concurrent updates
    // of different keys all land: `||` sets top-level keys, `-` removes them.
    sets.push(`data = (data || ${add(JSON.stringify(set))}::jsonb) - ${add(unset)}::text[]`);
  }
  if (patch.lastSeenAt !== undefined) {
    sets.push(`last_seen_at = ${add(ms("lastSeenAt", patch.lastSeenAt))}`);
  }
  if (patch.idleExpiresAt !== undefined) {
    sets.push(`idle_expires_at = ${add(ms("idleExpiresAt", patch.idleExpiresAt))}`);
  }
  if (patch.elevatedAt !== undefined) {
    const v = patch.elevatedAt === null ? null : ms("elevatedAt", patch.elevatedAt);
    sets.push(`elevated_at = ${add(v)}`);
  }
  return sets;
}

/**
 * A {@link SessionStore} on PostgreSQL, through the application's own `pg` pool. Create the
 * table first with {@link migrate}, and call `sweep()` now and then to reclaim the space of
 * expired sessions (they are never returned either way).
 *
 * Every method is one statement (one round trip) except `create` with `maxPerUser` and
 * `deleteByUser`, each one transaction serialized per user by an advisory lock (which `create`
 * of a user's session takes too), so that parallel sign-ins cannot overshoot the cap nor
 * outlive a "log out all devices". Connection failures and pool timeouts throw `StoreError`
 * `ERR_STORE_UNAVAILABLE`; a row it cannot read throws `ERR_STORE_CORRUPT`.
 *
 * Data is stored as jsonb, so strings must not contain U+0000 or a lone surrogate (PostgreSQL
 * refuses both: `ERR_STORE_VALUE_REFUSED`, a 400) and key order is not kept.
 *
 * ```ts
 * const store = postgresStore({ pool, table: "app_sessions" });
 * const sessions = createSessions({ store });
 * ```
 */
export function postgresStore(options: PostgresStoreOptions): PostgresSessionStore {
  checkStoreOptions(
    "postgresStore",
    options,
    Object.keys({ pool: true, table: true, now: true } satisfies KnownKeys<PostgresStoreOptions>),
    "postgresStore({ pool })",
  );
  const table = checkTable(options.table);
  const pool = options.pool;
  checkPool(pool, false);
  const now = clockOption(options.now);
  const q = `"${table}"`;
  const renamed = ident(renamedTable(table));
  const live = "expires_at > $2";

  const sql = {
    get: `SELECT ${COLUMNS} FROM ${q} WHERE key = $1 AND ${live}`,
    // The session under the key, or the one a key renamed with a grace window leads to (one
    // step: a key renamed again is no longer new_key), in one round trip: the second probe is
    // of a table that holds a few seconds' worth of rotations.
    getOrFollow: `SELECT ${COLUMNS} FROM ${q} WHERE key = $1 AND ${live}
      UNION ALL SELECT ${columnsOf("s")} FROM ${renamed} a JOIN ${q} s ON s.key = a.new_key
      WHERE a.old_key = $1 AND a.expires_at > $2 AND s.expires_at > $2`,
    sweepRenamed: `DELETE FROM ${renamed} WHERE expires_at <= $1`,
    insert: `INSERT INTO ${q} (key, id, user_id, data, created_at, last_seen_at, idle_expires_at, absolute_expires_at, elevated_at, user_agent)
      VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10) ${UPSERT}`,
    // The insert of a user's session, under the user's lock (held to the end of its
    // transaction), so that it either commits before a deleteByUser snapshot or waits for the
    // DELETE: no extra round trip. Two-key advisory locks live apart from the one-key ones an
    // application may use; a hash collision only makes two users' sign-ins take turns.
    insertLocked: `WITH lock AS (SELECT pg_advisory_xact_lock(hashtext($11::text), hashtext($3::text)))
      INSERT INTO ${q} (key, id, user_id, data, created_at, last_seen_at, idle_expires_at, absolute_expires_at, elevated_at, user_agent)
      SELECT $1::text, $2::text, $3::text, $4::jsonb, $5::bigint, $6::bigint, $7::bigint, $8::bigint, $9::bigint, $10::text FROM lock
      ${UPSERT}`,
    lockUser: "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))",
    // Keeps the newest `cap` live sessions (the new one first among equal creation times).
    evict: `DELETE FROM ${q} WHERE key IN (
        SELECT key FROM ${q} WHERE user_id = $1 AND ${live}
        ORDER BY created_at DESC, (key = $3) DESC, key DESC OFFSET $4
      ) RETURNING ${COLUMNS}`,
    exists: `SELECT 1 FROM ${q} WHERE key = $1 AND ${live}`,
    delete: `DELETE FROM ${q} WHERE key = $1 RETURNING ${COLUMNS}`,
    list: `SELECT ${COLUMNS} FROM ${q} WHERE user_id = $1 AND ${live} ORDER BY created_at, key`,
    deleteByUser: `DELETE FROM ${q} WHERE user_id = $1 AND key IS DISTINCT FROM $2 RETURNING ${COLUMNS}`,
    sweep: `DELETE FROM ${q} WHERE key IN (
        SELECT key FROM ${q} WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
  };

  const run = async <T>(operation: string, body: () => Promise<T>): Promise<T> => {
    try {
      return await body();
    } catch (error) {
      throw mapError(error, table, operation);
    }
  };
  const query = async (text: string, params: unknown[]): Promise<Row[]> =>
    (await pool.query<Row>(text, params)).rows;

  /** BEGIN … COMMIT on one borrowed connection; a connection that failed is not pooled again. */
  const transaction = <T>(body: (client: PoolClient) => Promise<T>): Promise<T> =>
    inTransaction(pool, body);

  /**
   * `fallback` where the table of renamed keys is missing (a table made by an earlier
   * migrate()): then no rename kept a key, and there is nothing to follow or sweep.
   */
  const withoutRenamed = async <T>(body: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await body();
    } catch (error) {
      if (
        codeOf(error) === "42P01" &&
        String((error as Error).message).includes(renamedTable(table))
      )
        return fallback;
      throw error;
    }
  };
  // When the table of renamed keys was missing: until a minute later, reads do without it.
  let renamedMissingAt = Number.NEGATIVE_INFINITY;
  const RECHECK_MS = 60_000;
  /** The live row under `key`, or the one it was renamed to within a grace window. */
  const getRow = async (key: string, t: number): Promise<Row | undefined> => {
    if (Date.now() - renamedMissingAt >= RECHECK_MS) {
      const rows = await withoutRenamed(() => query(sql.getOrFollow, [key, t]), undefined);
      if (rows !== undefined) return rows.find((r) => r.key === key) ?? rows[0];
      renamedMissingAt = Date.now();
    }
    return (await query(sql.get, [key, t]))[0];
  };

  const insertParams = (key: string, r: SessionRecord): unknown[] => [
    key,
    r.id,
    r.userId,
    JSON.stringify(r.data),
    ms("createdAt", r.createdAt),
    ms("lastSeenAt", r.lastSeenAt),
    ms("idleExpiresAt", r.idleExpiresAt),
    ms("absoluteExpiresAt", r.absoluteExpiresAt),
    r.elevatedAt === null ? null : ms("elevatedAt", r.elevatedAt),
    r.userAgent,
  ];

  return {
    renameGrace: true,

    get: (key) =>
      run("get", async () => {
        const row = await getRow(key, now());
        return row === undefined ? null : decode(row, table).record;
      }),

    create: (key, record, createOptions?: CreateOptions) =>
      run("create", async () => {
        const params = insertParams(key, record);
        const cap = createOptions?.maxPerUser;
        if (record.userId === null) {
          await query(sql.insert, params);
          return [];
        }
        const userId = record.userId;
        params.push(table);
        if (cap === undefined) {
          await query(sql.insertLocked, params);
          return [];
        }
        return transaction(async (client) => {
          // Parallel sign-ins of one user take turns on the insert's lock: each eviction sees
          // the rows the previous ones committed, so the cap holds (row locks alone cannot stop
          // new rows appearing).
          await client.query(sql.insertLocked, params);
          const { rows } = await client.query<Row>(sql.evict, [
            userId,
            now(),
            key,
            Math.max(0, Math.ceil(cap)),
          ]);
          return readable(rows, table)
            .map((d) => d.record)
            .sort(oldestFirst);
        });
      }),

    update: (key, patch) =>
      run("update", async () => {
        const params: unknown[] = [key, now()];
        const sets = patchSql(patch, params);
        if (sets.length === 0) return (await query(sql.exists, params)).length > 0;
        const text = `UPDATE ${q} SET ${sets.join(", ")} WHERE key = $1 AND ${live}`;
        return ((await pool.query(text, params)).rowCount ?? 0) > 0;
      }),

    rename: (oldKey, newKey, patch, renameOptions) =>
      run("rename", async () => {
        const graceMs = checkGrace("postgres store", renameOptions);
        // newKey is the hash of a fresh token, so it is free: the row keeps its place, its id
        // and its user, and no one can find it under oldKey once this statement commits (but
        // get, through the renamed keys, for the grace window). One statement either way.
        const t = now();
        const params: unknown[] = [oldKey, t, newKey];
        const sets = ["key = $3", ...patchSql(patch ?? {}, params)];
        let text = `UPDATE ${q} SET ${sets.join(", ")} WHERE key = $1 AND ${live}`;
        const keep = graceMs > 0 && newKey !== oldKey;
        if (keep) {
          params.push(t + graceMs);
          text = `WITH moved AS (${text} RETURNING key)
            INSERT INTO ${renamed} (old_key, new_key, expires_at)
            SELECT $1, key, $${params.length} FROM moved
            ON CONFLICT (old_key) DO UPDATE SET new_key = EXCLUDED.new_key, expires_at = EXCLUDED.expires_at`;
        }
        const moved = ((await pool.query(text, params)).rowCount ?? 0) > 0;
        // The table of renamed keys is there (this statement used it): reads follow them again.
        if (keep) renamedMissingAt = Number.NEGATIVE_INFINITY;
        return moved;
      }),

    delete: (key) =>
      run("delete", async () => {
        // An expired row is deleted too, but reported as absent, as get would.
        const row = (await query(sql.delete, [key]))[0];
        if (row === undefined) return null;
        const d = decode(row, table);
        return d.expiresAt > now() ? d.record : null;
      }),

    listByUser: (userId) =>
      run("listByUser", async (): Promise<StoredSession[]> => {
        const rows = await query(sql.list, [userId, now()]);
        return readable(rows, table).map((d) => ({ key: d.key, record: d.record }));
      }),

    deleteByUser: (userId, deleteOptions) =>
      run("deleteByUser", async () => {
        // A lone DELETE would miss a sign-in's row inserted after its snapshot, while that
        // sign-in deletes the old row before the DELETE reaches it. Under the user's lock, the
        // DELETE's snapshot (taken after it) has every insert that got the lock first, and later
        // ones find their old row gone (a 409). Rows moved by rename are followed by the DELETE.
        const rows = await transaction(async (client) => {
          await client.query(sql.lockUser, [table, userId]);
          const params = [userId, deleteOptions?.exceptKey ?? null];
          return (await client.query<Row>(sql.deleteByUser, params)).rows;
        });
        return liveRecords(readable(rows, table), now());
      }),

    sweep: (sweepOptions) =>
      run("sweep", async () => {
        const { batchSize: batch, maxBatches } = sweepLimits(sweepOptions);
        // The renamed keys live seconds: there are few, and they go in one statement.
        await withoutRenamed(() => pool.query(sql.sweepRenamed, [now()]), undefined);
        let total = 0;
        for (let i = 0; i < maxBatches; i++) {
          const n = (await pool.query(sql.sweep, [now(), batch])).rowCount ?? 0;
          total += n;
          if (n < batch) break;
        }
        return total;
      }),

    async close() {
      // Nothing to release: the pool belongs to the application.
    },
  };
}
