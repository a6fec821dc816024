import { SessionjarError } from "../errors.js";

/**
 * One server-side session as a store holds it. Times are milliseconds since the epoch, from the
 * application's clock (the `now` of `createSessions`, `Date.now` by default), never the
 * database's. `data` holds JSON values only.
 */
export interface SessionRecord {
  /** Public id: random, safe to show and log, used to list and revoke. Never the token. */
  readonly id: string;
  /**
   * The signed-in user, or null for an anonymous session (a cart before sign-in). A non-empty
   * string of well-formed Unicode (`signIn` refuses lone surrogates), of any length, compared
   * exactly: see {@link SessionStore}.
   */
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
  /**
   * Keys of `data` to set, to JSON values. A key set to `undefined` is removed, as
   * `JSON.stringify` would leave it out: `{ set: { cart: undefined } }` is `{ unset: ["cart"] }`.
   */
  readonly set?: Readonly<Record<string, unknown>>;
  /** Keys of `data` to remove, after `set`: one named in both is removed. Absent keys are fine. */
  readonly unset?: readonly string[];
  /** The new `lastSeenAt`; left as it is when undefined, as are the fields below. */
  readonly lastSeenAt?: number;
  /** The new idle expiry. It never moves the absolute one: the record ends at the earlier one. */
  readonly idleExpiresAt?: number;
  /** The new `elevatedAt`; null clears it. */
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
   * At most this many live sessions for the record's user, the new one included, a whole number
   * of at least 1: the oldest (by `createdAt`) beyond it are removed in the same atomic step, and
   * returned. Expired sessions are neither counted nor returned (the store may remove them
   * silently), and a record that `create` replaces counts once. Parallel creates of one user
   * take turns: each session they remove is returned by exactly one of them. Ignored for an
   * anonymous record.
   */
  readonly maxPerUser?: number;
  /**
   * The key of the session this one replaces (a sign-in's), which the caller deletes right
   * after. A store with a size bound lets it make the room instead of refusing or evicting
   * another session (or that very one). Other stores may ignore it.
   */
  readonly replaces?: string;
}

/** Options of {@link SessionStore.rename}. */
export interface RenameOptions {
  /**
   * For this many ms after the rename, `get(oldKey)` still finds the record (as it is under
   * `newKey` then), so that requests already in flight with the old token are served during a
   * periodic rotation. Every other method treats `oldKey` as gone at once: `update`, `rename`
   * and `delete` of it return false or null and leave the record as it is, and the user's index
   * and `listByUser` know only `newKey`. The old key follows one step: once the record under
   * `newKey` is deleted, expires or is renamed again, `get(oldKey)` returns null. A whole number
   * of at least 0; 0 (the default) kills the old key at once. A store that does not say
   * {@link SessionStore.renameGrace} ignores it, and kills the old key at once.
   */
  readonly graceMs?: number;
}

/** @internal The grace of `rename`'s options, or 0; a bad one is the caller's TypeError. */
export function checkGrace(store: string, options: RenameOptions | undefined): number {
  const graceMs = options?.graceMs ?? 0;
  if (!Number.isSafeInteger(graceMs) || graceMs < 0) {
    throw new TypeError(
      `${store}: rename's graceMs must be a whole number of ms, at least 0, not ${String(graceMs)}`,
    );
  }
  return graceMs;
}

/**
 * Where server-side sessions live. Keys are `<shard>.<hash>`: the SHA-256 of the token, never
 * the token, behind a short shard tag that is the same for all of one user's sessions, so that
 * a partitioned store (Redis Cluster) can keep a user's keys together. Other stores may treat
 * the key as an opaque string.
 *
 * A key is always 48 ASCII characters, as `storeKey` makes it from a well-formed token: the 4
 * base64url characters of the shard, a dot, and the 43 of the token's SHA-256 in unpadded
 * base64url (`/^[A-Za-z0-9_-]{4}\.[A-Za-z0-9_-]{43}$/`). A column of 48 bytes holds any key.
 *
 * Keys and user ids are compared exactly, code unit for code unit (byte for byte in UTF-8): no
 * case folding, no trailing-space padding, no accent folding, no Unicode normalization. `alice`,
 * `Alice` and `alice ` are three users; `zoé` with a precomposed é (U+00E9) and with `e` and
 * U+0301 are two; a key in other case is another key. A SQL store needs binary comparison in
 * those columns (`bytea`, `BLOB`, `VARBINARY`, or a binary or `C` collation): the default
 * collation of MariaDB and MySQL (`utf8mb4_general_ci`) ignores case, accents and trailing
 * spaces, and would hand one user's sessions to another.
 *
 * The session layer keeps to these rules, and a store may rely on them:
 * - a record's user never changes: signing in creates a new record (and deletes the old one);
 *   no patch changes `userId`;
 * - the key of a session with a user has shard `shardFor(userId)`: the first 4 characters of
 *   the base64url SHA-256 of the user id (an anonymous session's shard is random);
 * - `rename` keeps the shard: the new key has the old key's shard.
 *
 * So a user's sessions and their index can live together, and every method can be one atomic
 * step in one partition. A store may refuse input that breaks these rules or the shapes above
 * (a key of another shape or shard, a bad `maxPerUser`, a time its columns cannot hold: the SQL
 * stores refuse one that is not a whole number) with a `TypeError` naming the rule. That is a
 * programming error of the caller, not a store failure: the session layer lets it through as it
 * is (a logged 500), never as an outage.
 *
 * Every method is one atomic change in the store, including the per-user index.
 *
 * A record is live while the store's clock is before `min(idleExpiresAt, absoluteExpiresAt)`,
 * and expired from that millisecond on. The store reads its clock from its own `now` option,
 * `Date.now` by default: the application's clock, that wrote the times, never the database
 * server's (whose TTLs may clean up, but never decide what is live). An expired record is gone
 * for every method, whether or not the store has removed it yet: `get` returns null; `update`
 * and `rename` return false and write nothing (no patch revives it); `delete` returns null;
 * `listByUser` leaves it out; `deleteByUser` and the cap of `create` neither count nor return
 * it. A store may remove expired records at any time, silently.
 *
 * Failures of the store itself throw {@link StoreError}, with the driver's error as `cause`
 * and one of the codes of {@link StoreErrorCode}: `ERR_STORE_UNAVAILABLE` when it
 * cannot be reached or did not answer (connection refused, timeout, a missing table), so that
 * the session layer answers 503 and changes nothing; `ERR_STORE_FULL`; `ERR_STORE_CORRUPT` for
 * what it holds but cannot read back; `ERR_STORE_VALUE_REFUSED` for a value it cannot hold; and,
 * from the function that makes the store, `ERR_STORE_OPTIONS_INVALID`.
 *
 * Prove a store with `testSessionStore` from `sessionjar/stores/conformance`.
 */
export interface SessionStore {
  /** The live record under `key`, or null (none, or expired). One round trip. */
  get(key: string): Promise<SessionRecord | null>;
  /**
   * Stores a new record and adds it to its user's index. Returns the records the cap removed,
   * oldest first (none without `maxPerUser`). For a record with a user, `key` has shard
   * `shardFor(record.userId)`. A record already under `key`, live or expired, is replaced as if
   * deleted first (with its index entry), and not returned.
   */
  create(key: string, record: SessionRecord, options?: CreateOptions): Promise<SessionRecord[]>;
  /**
   * Applies `patch` to the live record under `key`, changing only what it names. Returns false,
   * writing nothing, when there is no live record there (none, or expired).
   */
  update(key: string, patch: SessionPatch): Promise<boolean>;
  /**
   * Moves a live record to `newKey` with `patch` applied, and removes `oldKey` in the same step
   * (rotation): from then on only `newKey` finds it (but see {@link RenameOptions.graceMs}). Returns false, writing nothing, when there is
   * no live record under `oldKey` (none, or expired). `newKey` has the shard of `oldKey` and is
   * new (the hash of a fresh token); the record keeps its user, id and absolute expiry.
   */
  rename(
    oldKey: string,
    newKey: string,
    patch?: SessionPatch,
    options?: RenameOptions,
  ): Promise<boolean>;
  /**
   * Removes the record under `key` and its index entry. Returns it if it was live; null if there
   * was none or it had expired (the store may remove an expired one all the same).
   */
  delete(key: string): Promise<SessionRecord | null>;
  /** Every live session of a user, oldest first (by `createdAt`). */
  listByUser(userId: string): Promise<StoredSession[]>;
  /**
   * Removes every session of a user, except the one under `exceptKey` (compared exactly) if
   * given. Returns the live ones it removed; expired ones may be removed too, but not returned.
   */
  deleteByUser(userId: string, options?: { exceptKey?: string }): Promise<SessionRecord[]>;
  /**
   * True when `rename` honours {@link RenameOptions.graceMs}, which periodic rotation with a
   * grace window needs (`createSessions` refuses a `rotation.grace` otherwise).
   */
  readonly renameGrace?: boolean;
  /** Releases what the store holds open (timers; never the user's own client). */
  close?(): Promise<void>;
}

/** Codes of {@link StoreError}. */
export type StoreErrorCode =
  /**
   * The store cannot be reached or did not answer (connection refused, timeout, a missing
   * table): the session layer answers 503 and changes nothing.
   */
  | "ERR_STORE_UNAVAILABLE"
  /** The store is out of room (the memory store's bound, a full disk). */
  | "ERR_STORE_FULL"
  /** The store holds something it cannot read back. */
  | "ERR_STORE_CORRUPT"
  /** The store cannot hold this value (PostgreSQL's jsonb refuses U+0000, for one). */
  | "ERR_STORE_VALUE_REFUSED"
  /** The store was created with options it cannot work with (thrown when it is made). */
  | "ERR_STORE_OPTIONS_INVALID";

/** A store failed: it is down, full, misconfigured, or cannot hold or read a value. */
export class StoreError extends SessionjarError {
  declare readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
