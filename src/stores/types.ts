import { SessionjarError } from "../errors.js";

/**
 * One server-side session as a store holds it. Times are milliseconds since the epoch, from the
 * server's clock. `data` holds JSON values only.
 */
export interface SessionRecord {
  /** Public id: random, safe to show and log, used to list and revoke. Never the token. */
  readonly id: string;
  /** The signed-in user, or null for an anonymous session (a cart before sign-in). */
  readonly userId: string | null;
  readonly data: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  /** When the session last extended its idle expiry (updated at most once per touch interval). */
  readonly lastSeenAt: number;
  /** The sliding expiry: it moves forward while the session is used. */
  readonly idleExpiresAt: number;
  /** The hard cap: the session ends then, however active it is. */
  readonly absoluteExpiresAt: number;
  /** When the session was last elevated (MFA, role change), or null. */
  readonly elevatedAt: number | null;
  /** The User-Agent that created it, for the "your devices" page. */
  readonly userAgent: string | null;
}

/**
 * A change to one session: only the keys named here are written, so concurrent requests that
 * change different keys of one session lose nothing.
 */
export interface SessionPatch {
  /** Keys of `data` to set (JSON values). */
  readonly set?: Readonly<Record<string, unknown>>;
  /** Keys of `data` to remove. */
  readonly unset?: readonly string[];
  readonly lastSeenAt?: number;
  readonly idleExpiresAt?: number;
  readonly elevatedAt?: number | null;
}

/** A record together with the key it is stored under. */
export interface StoredSession {
  readonly key: string;
  readonly record: SessionRecord;
}

/** Options of {@link SessionStore.create}. */
export interface CreateOptions {
  /**
   * At most this many sessions for the record's user, a whole number of at least 1: the oldest
   * beyond it are removed in the same atomic step, and returned.
   */
  readonly maxPerUser?: number;
}

/**
 * Where server-side sessions live. Keys are `<shard>.<hash>`: the SHA-256 of the token, never
 * the token, behind a short shard tag that is the same for all of one user's sessions, so that
 * a partitioned store (Redis Cluster) can keep a user's keys together. Other stores may treat
 * the key as an opaque string.
 *
 * The session layer keeps to these rules, and a store may rely on them:
 * - a record's user never changes: signing in creates a new record (and deletes the old one);
 *   no patch changes `userId`;
 * - the key of a session with a user has shard `shardFor(userId)`: the first 4 characters of
 *   the base64url SHA-256 of the user id (an anonymous session's shard is random);
 * - `rename` keeps the shard: the new key has the old key's shard.
 *
 * So a user's sessions and their index can live together, and every method can be one atomic
 * step in one partition. A store may refuse keys that break these rules with a `TypeError`
 * naming the rule: a programming error of the caller, not a store failure.
 *
 * Every method is one atomic change in the store, including the per-user index. A record past
 * `min(idleExpiresAt, absoluteExpiresAt)` is gone: `get` never returns it, whether or not the
 * store has cleaned it up yet.
 *
 * Failures of the store itself (connection refused, timeout) throw {@link StoreError} with code
 * `ERR_STORE_UNAVAILABLE`, so that the session layer can answer 503 and change nothing.
 *
 * Prove a store with `testSessionStore` from `sessionjar/stores/conformance`.
 */
export interface SessionStore {
  /** The live record under `key`, or null. One round trip. */
  get(key: string): Promise<SessionRecord | null>;
  /**
   * Stores a new record and adds it to its user's index. Returns the records the cap removed.
   * For a record with a user, `key` has shard `shardFor(record.userId)`.
   */
  create(key: string, record: SessionRecord, options?: CreateOptions): Promise<SessionRecord[]>;
  /** Applies `patch` to a live record. Returns false, writing nothing, when it does not exist. */
  update(key: string, patch: SessionPatch): Promise<boolean>;
  /**
   * Moves a live record to `newKey` with `patch` applied, and removes `oldKey` in the same step
   * (rotation): from then on only `newKey` finds it. Returns false when `oldKey` does not exist.
   * `newKey` has the shard of `oldKey`; the record keeps its user.
   */
  rename(oldKey: string, newKey: string, patch?: SessionPatch): Promise<boolean>;
  /** Removes one record and its index entry. Returns what was removed, or null. */
  delete(key: string): Promise<SessionRecord | null>;
  /** Every live session of a user, oldest first. */
  listByUser(userId: string): Promise<StoredSession[]>;
  /** Removes every session of a user, except `exceptKey` if given. Returns what was removed. */
  deleteByUser(userId: string, options?: { exceptKey?: string }): Promise<SessionRecord[]>;
  /** Releases what the store holds open (timers; never the user's own client). */
  close?(): Promise<void>;
}

/** Codes of {@link StoreError}. */
export type StoreErrorCode =
  /** The store cannot be reached or did not answer: the session layer answers 503. */
  | "ERR_STORE_UNAVAILABLE"
  /** The store is out of room (the memory store's bound, a full disk). */
  | "ERR_STORE_FULL"
  /** The store holds something it cannot read back. */
  | "ERR_STORE_CORRUPT"
  /** The store cannot hold this value (PostgreSQL's jsonb refuses U+0000, for one). */
  | "ERR_STORE_VALUE_REFUSED"
  /** The store was created with options it cannot work with. */
  | "ERR_STORE_OPTIONS_INVALID";

/** A store failed: it is down, full, misconfigured, or cannot hold or read a value. */
export class StoreError extends SessionjarError {
  declare readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
