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
