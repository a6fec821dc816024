// @internal What the SQL stores (PostgreSQL, SQLite) share: the row of the sessions table and
// its decoding into a SessionRecord. The two differ only in how their drivers return integer
// and JSON columns, which each store passes in.
import { type SessionRecord, StoreError } from "./types.js";

const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Refuses a table name that would need escaping: only plain identifiers are ever spliced in.
 * `kind` names the identifier in the error: "PostgreSQL", "SQL".
 */
export function checkTableName(t: unknown, kind: string): string {
  if (typeof t !== "string" || !TABLE_NAME.test(t)) {
    throw new StoreError(
      "ERR_STORE_OPTIONS_INVALID",
      `table must be a plain ${kind} identifier (lower-case letters, digits and "_", at most 63 characters, not starting with a digit), got ${JSON.stringify(t)}`,
    );
  }
  return t;
}

/** A row of the sessions table, as the driver returns it: nothing is trusted yet. */
export interface SqlRow {
  key: unknown;
  id: unknown;
  user_id: unknown;
  data: unknown;
  created_at: unknown;
  last_seen_at: unknown;
  idle_expires_at: unknown;
  absolute_expires_at: unknown;
  elevated_at: unknown;
  user_agent: unknown;
  expires_at: unknown;
}

/** The columns of {@link SqlRow}, for SELECT and RETURNING. */
export const COLUMNS =
  "key, id, user_id, data, created_at, last_seen_at, idle_expires_at, absolute_expires_at, elevated_at, user_agent, expires_at";

/** {@link COLUMNS} of the table called `alias` in a join: `s.key, s.id, …`. */
export function columnsOf(alias: string): string {
  return COLUMNS.split(", ")
    .map((c) => `${alias}.${c}`)
    .join(", ");
}

export interface Decoded {
  key: string;
  record: SessionRecord;
  expiresAt: number;
}

/** How one database's driver returns the columns whose representation differs. */
export interface SqlDialect {
  /** Names the database in errors: "PostgreSQL", "SQLite". */
  readonly name: string;
  /** An integer column's value as a number; anything but a safe integer is refused after. */
  int(v: unknown): number;
  /**
   * The data column's value, parsed; `text` reads it as a non-null text column, `corrupt` makes
   * the error for a row this store cannot read. The result is checked to be a JSON object.
   */
  data(v: unknown, text: (v: unknown) => string, corrupt: (what: string) => StoreError): unknown;
}

/** Turns a row into a record, refusing anything a store of ours cannot have written. */
export function decodeRow(dialect: SqlDialect, row: SqlRow, table: string): Decoded {
  const corrupt = (what: string): StoreError =>
    new StoreError(
      "ERR_STORE_CORRUPT",
      `${dialect.name} table "${table}" holds a row this store cannot read (${what}): was it written by something else?`,
    );
  const int = (column: string, v: unknown): number => {
    const n = dialect.int(v);
    if (!Number.isSafeInteger(n)) throw corrupt(`${column} is ${String(v)}`);
    return n;
  };
  const text = (column: string, v: unknown, nullable: boolean): string | null => {
    if (typeof v === "string" || (nullable && v === null)) return v;
    throw corrupt(`${column} is ${typeof v}`);
  };
  const data = dialect.data(row.data, (v) => text("data", v, false) as string, corrupt);
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw corrupt("data is not a JSON object");
  }
  return {
    key: text("key", row.key, false) as string,
    expiresAt: int("expires_at", row.expires_at),
    record: {
      id: text("id", row.id, false) as string,
      userId: text("user_id", row.user_id, true),
      data: data as Record<string, unknown>,
      createdAt: int("created_at", row.created_at),
      lastSeenAt: int("last_seen_at", row.last_seen_at),
      idleExpiresAt: int("idle_expires_at", row.idle_expires_at),
      absoluteExpiresAt: int("absolute_expires_at", row.absolute_expires_at),
      elevatedAt: row.elevated_at === null ? null : int("elevated_at", row.elevated_at),
      userAgent: text("user_agent", row.user_agent, true),
    },
  };
}

/**
 * The rows that decode, leaving out those this store cannot read: for the queries over a
 * user's sessions (listing, the cap, deleteByUser), where one such row, which can never load,
 * must not fail the user's sign-ins and "log out all devices". A row's own key still reports it
 * (`get` throws ERR_STORE_CORRUPT), and the session layer then deletes it.
 */
export function readableRows(
  dialect: SqlDialect,
  rows: readonly SqlRow[],
  table: string,
): Decoded[] {
  const out: Decoded[] = [];
  for (const row of rows) {
    try {
      out.push(decodeRow(dialect, row, table));
    } catch (error) {
      if (!(error instanceof StoreError && error.code === "ERR_STORE_CORRUPT")) throw error;
    }
  }
  return out;
}

/** A time for an integer column: a fraction or a non-finite number would fail there anyway. */
export function ms(name: string, v: number): number {
  if (!Number.isSafeInteger(v)) {
    throw new TypeError(`${name} must be a whole number of milliseconds, got ${String(v)}`);
  }
  return v;
}

export const oldestFirst = (a: SessionRecord, b: SessionRecord): number =>
  a.createdAt - b.createdAt;

/** The records of the decoded rows that are still live at `t`, oldest first. */
export function liveRecords(rows: readonly Decoded[], t: number): SessionRecord[] {
  return rows
    .filter((d) => d.expiresAt > t)
    .map((d) => d.record)
    .sort(oldestFirst);
}

/** A column of the sessions table as a store needs it, in one database's terms. */
export interface ColumnSpec {
  readonly name: string;
  /** The type as the catalog names it ("bigint"), or null where any declared type works. */
  readonly type: string | null;
  /** Its definition in CREATE TABLE, and in the ALTER TABLE an error suggests. */
  readonly definition: string;
  /** Computed by the database (expires_at), so that it never disagrees with the two expiries. */
  readonly generated: boolean;
  /** ALTER TABLE … ADD COLUMN can add it to a table that has rows: nullable, defaulted, computed. */
  readonly addable: boolean;
}

/** The column list of CREATE TABLE for `layout`. */
export function definitions(layout: readonly ColumnSpec[]): string {
  return layout.map((c) => `${c.name} ${c.definition}`).join(", ");
}

/** A column of an existing table, as the database's catalog describes it. */
export interface FoundColumn {
  readonly name: string;
  readonly type: string;
  readonly generated: boolean;
  /** NOT NULL with no default, not computed: an insert that leaves it out fails. */
  readonly required: boolean;
}

/** What a store found under its table name, and how to name and fix it in an error. */
export interface FoundTable {
  /** The database's name in errors: "PostgreSQL", "SQLite". */
  readonly database: string;
  /** The table as a qualified, quoted name: `"app"."sessions"`. */
  readonly label: string;
  readonly columns: readonly FoundColumn[];
  /** Whether `key` alone has a unique, non-partial index (the primary key does): ON CONFLICT needs it. */
  readonly keyUnique: boolean;
  /** Who created (and never alters) the table, for the message: "migrate()", "sqliteStore()". */
  readonly creator: string;
}

/**
 * Refuses a table that the store's statements would fail on, one by one, with errors that name
 * a column but not the cause: a table of an older layout, or another application's table of the
 * same name. The error lists every problem, and how to fix it.
 */
export function checkLayout(found: FoundTable, expected: readonly ColumnSpec[]): void {
  const byName = new Map(found.columns.map((c) => [c.name, c]));
  const wanted = new Set(expected.map((c) => c.name));
  const missing = expected.filter((c) => !byName.has(c.name));
  const problems: string[] = [];
  if (missing.length === expected.length) {
    // Another application's table of the same name: what else is wrong with it is noise.
    const has = found.columns.map((c) => c.name).join(", ") || "none";
    problems.push(`it has none of the store's columns (its columns: ${has})`);
  } else {
    if (missing.length > 0) {
      problems.push(`it has no column ${missing.map((c) => c.name).join(", ")}`);
    }
    for (const spec of expected) {
      const c = byName.get(spec.name);
      if (c === undefined) continue;
      if (spec.type !== null && c.type !== spec.type) {
        problems.push(`${c.name} is ${c.type}, not ${spec.type}`);
      }
      if (spec.generated && !c.generated) {
        problems.push(`${c.name} is a plain column, not ${spec.definition}`);
      } else if (!spec.generated && c.generated) {
        problems.push(`${c.name} is generated, but the store writes it`);
      }
    }
    for (const c of found.columns) {
      if (!wanted.has(c.name) && c.required) {
        problems.push(`${c.name} is NOT NULL without a default, and the store never writes it`);
      }
    }
    if (byName.has("key") && !found.keyUnique) {
      problems.push("key is neither its primary key nor unique");
    }
  }
  if (problems.length === 0) return;

  const elsewhere = `give the sessions a table of their own (another name in the table option), which ${found.creator} then creates`;
  let advice: string;
  if (missing.some((c) => !c.addable)) {
    advice = `if the table belongs to something else, ${elsewhere}`;
  } else if (missing.length > 0 && problems.length === 1) {
    // Only columns that a later version added, and each can be added in place.
    const alter = missing.map(
      (c) => `ALTER TABLE ${found.label} ADD COLUMN ${c.name} ${c.definition};`,
    );
    advice = `to upgrade it, add ${missing.length === 1 ? "it" : "them"}: ${alter.join(" ")}`;
  } else {
    advice = `change the table to the layout in docs/stores.md, or ${elsewhere}`;
  }
  throw new StoreError(
    "ERR_STORE_OPTIONS_INVALID",
    `${found.database} table ${found.label} is not laid out as the sessions store needs: ${problems.join("; ")}. ${found.creator} never alters an existing table: ${advice}`,
  );
}

/** The limits of one sweep() call: whole numbers of at least 1 (maxBatches may be Infinity). */
export function sweepLimits(options: unknown): { batchSize: number; maxBatches: number } {
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw new StoreError(
      "ERR_STORE_OPTIONS_INVALID",
      `sweep options must be an object ({ batchSize, maxBatches }), got ${String(options)}`,
    );
  }
  const o = (options ?? {}) as { batchSize?: unknown; maxBatches?: unknown };
  const batchSize = o.batchSize ?? 1_000;
  const maxBatches = o.maxBatches ?? Number.POSITIVE_INFINITY;
  if (typeof batchSize !== "number" || !Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new StoreError(
      "ERR_STORE_OPTIONS_INVALID",
      `sweep: batchSize must be a whole number of at least 1 (rows per statement; default 1000), not ${JSON.stringify(batchSize) ?? String(batchSize)}`,
    );
  }
  if (
    typeof maxBatches !== "number" ||
    !(Number.isSafeInteger(maxBatches) || maxBatches === Number.POSITIVE_INFINITY) ||
    maxBatches < 1
  ) {
    throw new StoreError(
      "ERR_STORE_OPTIONS_INVALID",
      `sweep: maxBatches must be a whole number of at least 1 (leave it out to sweep until nothing expired is left), not ${JSON.stringify(maxBatches) ?? String(maxBatches)}`,
    );
  }
  return { batchSize, maxBatches };
}

/** The `now` option: a function returning ms since the epoch, or the system clock. */
export function clockOption(now: unknown): () => number {
  if (now === undefined) return Date.now;
  if (typeof now !== "function") {
    throw new StoreError(
      "ERR_STORE_OPTIONS_INVALID",
      `now must be a function returning milliseconds since the epoch (it is for tests; leave it out for Date.now), got ${typeof now}`,
    );
  }
  return now as () => number;
}
