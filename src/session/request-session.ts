import type { Emitter } from "../lib/emitter.js";
import { type SessionPatch, type SessionRecord, StoreError } from "../stores/types.js";
import { SessionError } from "./errors.js";
import type { RevokeReason, SessionEvent } from "./events.js";
import type { ResolvedOptions } from "./options.js";
import {
  alreadyCommitted,
  anonymousSession,
  carriedData,
  checkData,
  checkEntry,
  checkSchema,
  checkUserId,
  type DataShape,
  insecureTransport,
  noSession,
  type SignInOptions,
  sessionConflict,
  sessionCookie,
  stagedCopy,
  stagedData,
  stagedValue,
} from "./session-common.js";
import { newPublicId, newToken, shardFor, storeKey } from "./tokens.js";

/** What a handler may show about a session: never the token. */
export interface SessionInfo {
  /** Public id, for "your devices" and revocation. */
  readonly id: string;
  readonly userId: string | null;
  readonly createdAt: Date;
  readonly lastSeenAt: Date;
  readonly idleExpiresAt: Date;
  readonly absoluteExpiresAt: Date;
  readonly elevatedAt: Date | null;
  readonly userAgent: string | null;
  /** True for the session of the request that asked. */
  readonly current: boolean;
}

/** The headers an adapter adds to the response, computed by `commit()`. */
export interface SessionResponseHeaders {
  /** Set-Cookie field values, one per cookie. */
  readonly setCookie: readonly string[];
  /** `no-store` when a cookie is set; `private` when the session was read; else undefined. */
  readonly cacheControl: string | undefined;
  /** `Cookie` when the response depends on the session cookie (`Authorization` for bearer transports). */
  readonly vary: string | undefined;
  /** Other headers to set: a bearer transport's `Set-Auth-Token`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The state a request starts from, found by the manager's `load`. */
export interface LoadedState {
  token: string | undefined;
  key: string | undefined;
  record: SessionRecord | undefined;
  /**
   * The request carried a session cookie to clear: malformed, or of a session that load itself
   * ended (expired, unreadable, data the schema refuses). An unknown token's cookie is left
   * alone (a rotation may have just replaced it, and clearing would delete the new one), and so
   * are duplicates (clearing would remove the genuine host-only one, not a planted one).
   */
  clearCookie: boolean;
  /** Why the request has no session although it carried a cookie, for 401 bodies. */
  problem:
    | "duplicate-cookie"
    | "unknown-token"
    | "malformed-token"
    | "expired"
    | "tampered-token"
    | "revoked"
    | undefined;
  secure: boolean;
  /** On plain HTTP: a forwarded scheme of https that trustProxy being off left unread. */
  forwardedHttps: boolean;
  /** The Host header, for the URL the runtime audit reports. */
  host: string | undefined;
  userAgent: string | null;
}

export function toInfo(r: SessionRecord, current: boolean): SessionInfo {
  return {
    id: r.id,
    userId: r.userId,
    createdAt: new Date(r.createdAt),
    lastSeenAt: new Date(r.lastSeenAt),
    idleExpiresAt: new Date(r.idleExpiresAt),
    absoluteExpiresAt: new Date(r.absoluteExpiresAt),
    elevatedAt: r.elevatedAt === null ? null : new Date(r.elevatedAt),
    userAgent: r.userAgent,
    current,
  };
}

/** Whether a SessionError of guarded() comes from a store that is full (ERR_STORE_FULL). */
function fullStore(error: SessionError): boolean {
  return error.cause instanceof StoreError && error.cause.code === "ERR_STORE_FULL";
}

/**
 * Runs one store call; a store failure becomes a 503 SessionError and an event. With
 * `unreadable`, a record the store holds but cannot read (ERR_STORE_CORRUPT) is handed to it
 * instead, after the event.
 */
export async function guarded<T>(
  events: Emitter<SessionEvent>,
  operation: string,
  call: () => Promise<T>,
  unreadable?: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    // A TypeError from a store is the caller's programming error (a bad key, by the store
    // contract), not an outage: it goes on as it is, to a 500 that is logged, not a 503.
    if (error instanceof TypeError) throw error;
    const code = error instanceof StoreError ? error.code : "ERR_STORE_UNAVAILABLE";
    const message = error instanceof Error ? error.message : String(error);
    events.emit({ type: "store-error", operation, code, message });
    if (unreadable !== undefined && code === "ERR_STORE_CORRUPT") return unreadable();
    if (error instanceof StoreError && error.code === "ERR_STORE_VALUE_REFUSED") {
      // The client gets the code and what to do; the store's own words (its name, the driver's
      // message) are in the event and the cause.
      throw new SessionError(
        "ERR_SESSION_DATA_INVALID",
        400,
        "the session store refused a value of this session's data (for instance U+0000 in a string)",
        { cause: error },
      );
    }
    if (error instanceof StoreError && error.code === "ERR_STORE_FULL") {
      throw new SessionError(
        "ERR_SESSION_STORE_UNAVAILABLE",
        503,
        `the session store is full: ${message}`,
        { cause: error },
      );
    }
    throw new SessionError(
      "ERR_SESSION_STORE_UNAVAILABLE",
      503,
      `the session store failed during ${operation}; try again shortly (${message})`,
      { cause: error },
    );
  }
}

/**
 * The session of one request. Reads are synchronous (the record was loaded with the request);
 * `set` and `unset` are staged and written as one delta by `commit()` (or an explicit `save()`),
 * before the response leaves. Sign-in, rotation and revocation write at once.
 */
export class RequestSession<Data extends DataShape<Data> = Record<string, unknown>> {
  readonly #o: ResolvedOptions<Data>;
  readonly #events: Emitter<SessionEvent>;
  #token: string | undefined;
  #key: string | undefined;
  #record: SessionRecord | undefined;
  #set: Record<string, unknown> = {};
  #unset = new Set<string>();
  #dirty = false;
  #noTouch = false;
  #cookieChanged = false;
  #clearCookie: boolean;
  #read = false;
  #committed: SessionResponseHeaders | undefined;
  // Made at the first operation: a read-only request allocates nothing for it.
  #inFlight: Set<Promise<unknown>> | undefined;
  readonly #secure: boolean;
  readonly #forwardedHttps: boolean;
  readonly #host: string | undefined;
  readonly #userAgent: string | null;
  /** Why a cookie the request carried gave no session, if it did not. */
  readonly problem: LoadedState["problem"];

  constructor(o: ResolvedOptions<Data>, events: Emitter<SessionEvent>, state: LoadedState) {
    this.#o = o;
    this.#events = events;
    this.#token = state.token;
    this.#key = state.key;
    this.#record = state.record;
    this.#clearCookie = state.clearCookie;
    this.#secure = state.secure;
    this.#forwardedHttps = state.forwardedHttps;
    this.#host = state.host;
    this.#userAgent = state.userAgent;
    this.problem = state.problem;
  }

  /** True when the request has a live session (anonymous or signed in). */
  get active(): boolean {
    this.#read = true;
    return this.#record !== undefined;
  }

  /** The signed-in user, or null (no session, or an anonymous one). */
  get userId(): string | null {
    this.#read = true;
    return this.#record?.userId ?? null;
  }

  /**
   * Identifies this session for CSRF tokens, or null without one: bind CSRF tokens to it. It
   * changes when the user signs in and when the session is elevated, and stays through periodic
   * rotation, so that the tokens a page holds keep working when its cookie is renewed.
   */
  get binding(): string | null {
    const r = this.#record;
    if (r === undefined) return null;
    return r.elevatedAt === null ? r.id : `${r.id}.${r.elevatedAt}`;
  }

  /**
   * True for a live session without a user (a cart before sign-in). For the CSRF check, which
   * then also takes a token of the pre-session cookie, made before this session was; reading it
   * does not count as reading the session (no `Cache-Control: private`).
   */
  get anonymous(): boolean {
    return this.#record !== undefined && this.#record.userId === null;
  }

  /** What may be shown about this session, or null without one. */
  get info(): SessionInfo | null {
    this.#read = true;
    return this.#record === undefined ? null : toInfo(this.#record, true);
  }

  /** A value of the session's data, including changes staged by this request. */
  get<K extends keyof Data & string>(key: K): Data[K] | undefined {
    this.#read = true;
    return stagedValue(this.#record?.data, this.#set, this.#unset, key) as Data[K] | undefined;
  }

  /** The keys of the session's data, including changes staged by this request. */
  keys(): (keyof Data & string)[] {
    this.#read = true;
    return Object.keys(this.#currentData()) as (keyof Data & string)[];
  }

  /**
   * Stages `key = value` (a JSON value; `unset` removes a key). Without a session, one is
   * created (anonymous) on commit.
   */
  set<K extends keyof Data & string>(key: K, value: Exclude<Data[K], undefined>): void {
    this.#assertOpen();
    checkEntry(key, value);
    this.#unset.delete(key);
    this.#set[key] = stagedCopy(value);
    this.#dirty = true;
  }

  /** Stages the removal of `key`. */
  unset<K extends keyof Data & string>(key: K): void {
    this.#assertOpen();
    // Without a session there is nothing to remove: no session is made for it (a flash read).
    if (this.#record === undefined && !this.#dirty) return;
    delete this.#set[key];
    this.#unset.add(key);
    this.#dirty = true;
  }

  /**
   * Signs `userId` in: whatever session the request carried is ended and replaced by a new one
   * with a new token (no session fixation); an anonymous session's data is carried over (all
   * of it, or what `carry` says). When
   * another request ended or replaced the carried session meanwhile (a double-submitted
   * sign-in form), it throws 409 `ERR_SESSION_CONFLICT` and leaves no new session behind.
   * Changes staged before it follow the rule of the stored data: an anonymous session's are
   * carried as `carry` says (a staged unset leaves its key out), and no other staged change
   * reaches the new session.
   */
  signIn(userId: string, options: SignInOptions<Data> = {}): Promise<void> {
    return this.settle(this.#signIn(userId, options));
  }

  async #signIn(userId: string, options: SignInOptions<Data>): Promise<void> {
    this.#assertOpen();
    this.#assertSecure();
    checkUserId(userId);
    const now = this.#o.now();
    // The staged changes count as the anonymous session's data: carried by the same rule, and
    // dropped below. Nothing is carried from a signed-in session: the user may change.
    // Checked even with nothing to carry, so that a wrong carry fails on every sign-in.
    const carried = carriedData(
      this.#record?.userId === null ? this.#currentData() : {},
      options.carry,
    );
    checkData(options.data ?? {});
    const data = { ...carried, ...(options.data ?? {}) };
    await checkSchema(this.#o, data);
    const token = newToken(shardFor(userId));
    const key = storeKey(token);
    const record: SessionRecord = {
      id: newPublicId(),
      userId,
      data,
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: Math.min(now + this.#o.idleMs, now + this.#o.absoluteMs),
      absoluteExpiresAt: now + this.#o.absoluteMs,
      elevatedAt: null,
      userAgent: this.#userAgent,
    };
    const previous = this.#record;
    const previousKey = this.#key;
    const cap = this.#o.maxPerUser;
    // Created before the old one is ended, so that a "log out all devices" running meanwhile
    // finds one of the two, and a store that fails leaves the old session as it was.
    const evicted = await guarded(this.#events, "create", () =>
      this.#o.store.create(key, record, {
        ...(cap === undefined ? {} : { maxPerUser: cap }),
        ...(previousKey === undefined ? {} : { replaces: previousKey }),
      }),
    );
    // The per-user cap may have removed the old session itself (a sign-in again at the cap).
    const capped = previous === undefined ? undefined : evicted.find((r) => r.id === previous.id);
    if (previous !== undefined && previousKey !== undefined && capped === undefined) {
      const ended = await guarded(this.#events, "delete", () => this.#o.store.delete(previousKey));
      if (ended === null) {
        // Another request ended or replaced the carried session meanwhile (two sign-ins with
        // one cookie): this one steps back, so that one cookie leaves at most one successor.
        await guarded(this.#events, "delete", () => this.#o.store.delete(key));
        this.#emitRevoked(evicted, "max-sessions");
        this.discard();
        throw sessionConflict();
      }
    }
    this.#clearStaged();
    this.#adopt(token, key, record);
    if (previous !== undefined) this.#emitRevoked([previous], "sign-in");
    this.#events.emit({ type: "created", sessionId: record.id, userId });
    this.#emitRevoked(
      evicted.filter((r) => r !== capped),
      "max-sessions",
    );
  }

  /**
   * Gives the session a new token and kills the old one at once, keeping its data. With
   * `elevate`, also marks it elevated (after MFA, a role change). When another request rotated,
   * replaced or ended the session meanwhile, it throws 409 `ERR_SESSION_CONFLICT`.
   */
  rotate(options: { elevate?: boolean } = {}): Promise<void> {
    return this.settle(this.#rotate(options));
  }

  async #rotate(options: { elevate?: boolean }): Promise<void> {
    this.#assertOpen();
    this.#assertSecure();
    const record = this.#requireRecord("rotate");
    const oldKey = this.#key as string;
    const token = this.#nextToken();
    const key = storeKey(token);
    const now = this.#o.now();
    const patch: SessionPatch = {
      ...(await this.#checkedPatch()),
      ...(options.elevate === true ? { elevatedAt: now } : {}),
    };
    const moved = await guarded(this.#events, "rename", () =>
      this.#o.store.rename(oldKey, key, patch),
    );
    if (!moved) {
      // Another request rotated, replaced or ended the session meanwhile. The record is kept so
      // that a later change in this request is refused too, and no cookie is set or cleared:
      // the other response may carry the session's new one.
      this.discard();
      throw sessionConflict();
    }
    this.#adopt(token, key, applyPatch(record, patch));
    this.#emitRotated(record, options.elevate === true ? "elevate" : "rotate");
  }

  /** Ends this session and clears its cookie. Without a session it only clears the cookie. */
  signOut(): Promise<void> {
    return this.settle(this.#signOut());
  }

  async #signOut(): Promise<void> {
    this.#assertOpen();
    const record = this.#record;
    const key = this.#key;
    if (record !== undefined && key !== undefined) {
      let ended = await guarded(this.#events, "delete", () => this.#o.store.delete(key));
      if (ended === null && record.userId !== null) {
        // Another request rotated it meanwhile (MFA in another tab): the session lives on under
        // its new token, which this response's clearing cookie may delete in the browser. A
        // sign-out must end it.
        ended = await this.#deleteById(record.userId, record.id);
      }
      // Else another request ended it, and said so in its own event.
      if (ended !== null) this.#emitRevoked([ended], "sign-out");
    }
    this.#forget();
    this.#clearCookie = true;
  }

  /** This user's live sessions, oldest first, the current one marked. */
  async list(): Promise<SessionInfo[]> {
    const record = this.#requireUser("list sessions");
    const all = await guarded(this.#events, "listByUser", () =>
      this.#o.store.listByUser(record.userId as string),
    );
    // By public id: a request in a rotation's grace still has the old key.
    return all.map((s) => toInfo(s.record, s.record.id === record.id));
  }

  /**
   * Ends every other session of this user ("sign out other devices"). Returns how many, or null
   * for a stateless transport, which cannot count them.
   */
  revokeOthers(): Promise<number | null> {
    return this.settle(this.#revokeOthers());
  }

  async #revokeOthers(): Promise<number | null> {
    const record = this.#requireUser("revoke other sessions");
    const userId = record.userId as string;
    // Kept by public id: a request that came with the old token of a rotation (in its grace, or
    // overtaken by another request's) would otherwise end the very session it asks to keep.
    const all = await guarded(this.#events, "listByUser", () => this.#o.store.listByUser(userId));
    const key = all.find((s) => s.record.id === record.id)?.key ?? (this.#key as string);
    const removed = await guarded(this.#events, "deleteByUser", () =>
      this.#o.store.deleteByUser(userId, { exceptKey: key }),
    );
    this.#emitRevoked(removed, "revoke-others");
    return removed.length;
  }

  /**
   * Ends every session of this user, this one included ("log out all devices"). Returns how
   * many, or null for a stateless transport, which cannot count them.
   */
  revokeAll(): Promise<number | null> {
    return this.settle(this.#revokeAll());
  }

  async #revokeAll(): Promise<number | null> {
    const record = this.#requireUser("revoke all sessions");
    const removed = await guarded(this.#events, "deleteByUser", () =>
      this.#o.store.deleteByUser(record.userId as string),
    );
    this.#emitRevoked(removed, "revoke-all");
    this.#forget();
    this.#clearCookie = true;
    return removed.length;
  }

  /** Ends one of this user's sessions by its public id. False when no such session is theirs. */
  revoke(sessionId: string): Promise<boolean> {
    return this.settle(this.#revoke(sessionId));
  }

  async #revoke(sessionId: string): Promise<boolean> {
    const record = this.#requireUser("revoke a session");
    const removed = await this.#deleteById(record.userId as string, sessionId);
    if (removed !== null) this.#emitRevoked([removed], "revoke-one");
    if (sessionId === record.id) {
      this.#forget();
      this.#clearCookie = true;
    }
    return removed !== null;
  }

  /**
   * Deletes the session of `userId` with public id `id`, which rotation keeps, wherever its key
   * is now: a rotation between the list and the delete moves it, so the list is read again, a
   * bounded number of times. The record deleted, or null when there is no such session.
   */
  async #deleteById(userId: string, id: string): Promise<SessionRecord | null> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const all = await guarded(this.#events, "listByUser", () => this.#o.store.listByUser(userId));
      const target = all.find((s) => s.record.id === id);
      if (target === undefined) return null;
      const removed = await guarded(this.#events, "delete", () => this.#o.store.delete(target.key));
      if (removed !== null) return removed;
    }
    return null;
  }

  /**
   * Uses a refresh token for new tokens: the bearer-JWT transport only (see its documentation);
   * any other transport answers 501 `ERR_SESSION_UNSUPPORTED`.
   */
  async refresh(_refreshToken: string): Promise<void> {
    throw new SessionError(
      "ERR_SESSION_UNSUPPORTED",
      501,
      "refresh tokens belong to the bearer-jwt transport; this one has none",
    );
  }

  /**
   * Drops the changes that `set` and `unset` staged and that are not saved yet, and skips this
   * request's idle extension: committing then writes nothing. The adapters call it for a
   * response with a 5xx status (a handler that threw, a store that failed), so that a failed
   * request saves none of its half-made changes. What was written at once (sign-in, rotation,
   * revocation, an explicit `save()`) stays done, and its cookie is still sent.
   */
  discard(): void {
    this.#clearStaged();
    this.#noTouch = true;
  }

  /** Writes staged changes now, e.g. before streaming a response. `commit()` does it anyway. */
  async save(): Promise<void> {
    this.#assertOpen();
    await this.#flush(false);
  }

  /**
   * Tracks an operation until it settles. An un-awaited `signIn()` (the express-session habit
   * of `req.session.regenerate()` without its callback) would otherwise be committed half done:
   * its old session ended, its cookie never sent. Commit waits for every tracked one.
   */
  protected settle<T>(op: Promise<T>): Promise<T> {
    this.#inFlight ??= new Set();
    const inFlight = this.#inFlight;
    inFlight.add(op);
    const done = (): void => {
      inFlight.delete(op);
    };
    op.then(done, done);
    return op;
  }

  /** Whether an operation is still running: `commitSync` then defers to `commit`. */
  protected get operating(): boolean {
    return this.#inFlight !== undefined && this.#inFlight.size > 0;
  }

  /**
   * Waits for the operations still running when the commit began. The handler did not await
   * them, and tracking them marked their rejection handled, so a failure is thrown here: it
   * becomes the response's answer instead of vanishing.
   */
  protected async operationsSettled(): Promise<void> {
    const inFlight = this.#inFlight;
    while (inFlight !== undefined && inFlight.size > 0) {
      const results = await Promise.allSettled([...inFlight]);
      const failed = results.find((r) => r.status === "rejected");
      if (failed !== undefined) throw failed.reason;
    }
  }

  /**
   * Writes what changed (one delta, plus the idle extension when it is due) and returns the
   * headers for the response. Adapters call it once, after the handler, before the response is
   * sent; later calls return the same headers and write nothing. An operation still running
   * (a `signIn()` the handler did not await) is waited for first.
   */
  async commit(): Promise<SessionResponseHeaders> {
    if (this.operating) await this.operationsSettled();
    if (this.#committed !== undefined) return this.#committed;
    if (this.#needsWrite()) await this.#flush(!this.#noTouch);
    this.#committed = this.#headers();
    return this.#committed;
  }

  /**
   * The response headers at once when committing needs no store write, as for most read-only
   * requests; undefined when it does, and `commit()` must be awaited. Adapters use it to send
   * such responses without waiting a turn of the event loop.
   */
  commitSync(): SessionResponseHeaders | undefined {
    if (this.operating) return undefined;
    if (this.#committed !== undefined) return this.#committed;
    if (this.#needsWrite()) return undefined;
    this.#committed = this.#headers();
    return this.#committed;
  }

  #needsWrite(): boolean {
    if (this.#dirty) return true;
    const r = this.#record;
    if (r === undefined || this.#noTouch) return false;
    const now = this.#o.now();
    return this.#touchDue(r, now) || this.#rotationDue(r, now);
  }

  /**
   * Whether periodic rotation is due: the session has entered a new rotation interval (counted
   * from its creation) since it was last extended or rotated, and no other request of this
   * process is writing it right now. Rotation sets `lastSeenAt`, so it happens once per interval,
   * and needs no field of its own in the store.
   */
  #rotationDue(record: SessionRecord, now: number): boolean {
    const every = this.#o.rotateMs;
    if (every === undefined) return false;
    return (
      Math.floor((now - record.createdAt) / every) >
        Math.floor((record.lastSeenAt - record.createdAt) / every) &&
      !this.#o.touching.has(this.#key as string)
    );
  }

  /** A new token in the shard of the current one, so that a partitioned store moves the record within one slot. */
  #nextToken(): string {
    return newToken((this.#token as string).slice(0, 4));
  }

  /**
   * Whether the idle expiry is due to move: the last extension is a touch interval old, and no
   * other request of this process is writing it right now.
   */
  #touchDue(record: SessionRecord, now: number): boolean {
    const idleExpiresAt = Math.min(now + this.#o.idleMs, record.absoluteExpiresAt);
    return (
      now - record.lastSeenAt >= this.#o.touchMs &&
      idleExpiresAt > record.idleExpiresAt &&
      !this.#o.touching.has(this.#key as string)
    );
  }

  #headers(): SessionResponseHeaders {
    const setCookie: string[] = [];
    if (this.#record !== undefined && this.#token !== undefined && this.#cookieChanged) {
      setCookie.push(this.#cookie(this.#token, this.#record));
    } else if (this.#clearCookie) {
      setCookie.push(this.#cookie("", undefined));
    }
    let cacheControl: string | undefined;
    if (setCookie.length > 0) cacheControl = "no-store";
    else if (this.#read && this.#record !== undefined && this.#o.cachePrivate)
      cacheControl = "private";
    const vary = this.#read && this.#o.varyCookie ? "Cookie" : undefined;
    const headers = { setCookie, cacheControl, vary };
    if (this.#o.audit !== undefined && setCookie.length > 0) this.#audit(headers);
    return headers;
  }

  /** Hands the headers to the runtime audit; a Host it cannot read is no reason to fail. */
  #audit(headers: SessionResponseHeaders): void {
    let url: string;
    try {
      url = new URL(`${this.#secure ? "https" : "http"}://${this.#host ?? "localhost"}/`).href;
    } catch {
      return;
    }
    this.#o.audit?.(headers, url);
  }

  async #flush(touch: boolean): Promise<void> {
    const now = this.#o.now();
    if (this.#record === undefined) {
      if (!this.#dirty) return;
      // Data without a session: an anonymous session (a cart before sign-in).
      this.#assertSecure();
      await checkSchema(this.#o, this.#currentData());
      const token = newToken(shardFor(null));
      const key = storeKey(token);
      const record: SessionRecord = {
        id: newPublicId(),
        userId: null,
        data: this.#currentData(),
        createdAt: now,
        lastSeenAt: now,
        idleExpiresAt: now + this.#o.idleMs,
        absoluteExpiresAt: now + this.#o.absoluteMs,
        elevatedAt: null,
        userAgent: this.#userAgent,
      };
      await guarded(this.#events, "create", () => this.#o.store.create(key, record));
      this.#clearStaged();
      this.#adopt(token, key, record);
      this.#events.emit({ type: "created", sessionId: record.id, userId: null });
      return;
    }
    const record = this.#record;
    let patch: SessionPatch = this.#dirty ? await this.#checkedPatch() : {};
    // Extend the idle expiry only when it is due: most read-only requests then cost one store
    // read and no write. A periodic rotation extends it too, in the same write.
    const rotateDue = touch && this.#rotationDue(record, now);
    const touchDue = rotateDue || (touch && this.#touchDue(record, now));
    if (touchDue) {
      patch = {
        ...patch,
        lastSeenAt: now,
        idleExpiresAt: Math.min(now + this.#o.idleMs, record.absoluteExpiresAt),
      };
    }
    const changesData = patch.set !== undefined || patch.unset !== undefined;
    if (!changesData && !touchDue) return;
    const key = this.#key as string;
    const token = rotateDue ? this.#nextToken() : undefined;
    const newKey = token === undefined ? undefined : storeKey(token);
    if (touchDue) this.#o.touching.add(key);
    let ok: boolean;
    try {
      ok = await guarded(this.#events, newKey === undefined ? "update" : "rename", () =>
        newKey === undefined
          ? this.#o.store.update(key, patch)
          : this.#o.store.rename(key, newKey, patch, { graceMs: this.#o.graceMs }),
      );
    } catch (error) {
      // A full store (Redis at maxmemory) refuses the touch or rotation of a read: the read is
      // served and the session not extended, rather than every signed-in user locked out. A
      // change of data still fails. guarded() has emitted the store-error event.
      if (!changesData && error instanceof SessionError && fullStore(error)) return;
      throw error;
    } finally {
      if (touchDue) this.#o.touching.delete(key);
    }
    if (!ok) {
      // Another request rotated, replaced (sign-in) or ended the session meanwhile, or this one
      // came with the old token of a periodic rotation, within its grace. No clearing cookie: a
      // response of that request may already have set the new one, which it would delete. A
      // due touch is simply skipped; a change of data is refused, not lost silently.
      if (changesData) throw sessionConflict();
      return;
    }
    if (token !== undefined && newKey !== undefined) {
      this.#adopt(token, newKey, applyPatch(record, patch));
      this.#emitRotated(record, "periodic");
      return;
    }
    this.#record = applyPatch(record, patch);
    if (touchDue) this.#cookieChanged = true;
  }

  #cookie(value: string, record: SessionRecord | undefined): string {
    return sessionCookie(
      this.#o,
      value,
      record === undefined
        ? undefined
        : { idle: record.idleExpiresAt, absolute: record.absoluteExpiresAt },
    );
  }

  #currentData(): Record<string, unknown> {
    return stagedData(this.#record?.data, this.#set, this.#unset);
  }

  /** The staged changes as a patch, once the data they make passes the schema (if any). */
  async #checkedPatch(): Promise<SessionPatch> {
    await checkSchema(this.#o, this.#currentData());
    const patch: SessionPatch = {
      ...(Object.keys(this.#set).length > 0 ? { set: this.#set } : {}),
      ...(this.#unset.size > 0 ? { unset: [...this.#unset] } : {}),
    };
    this.#clearStaged();
    return patch;
  }

  /** Forgets the staged changes: new objects, since a patch may still hold the old ones. */
  #clearStaged(): void {
    this.#set = {};
    this.#unset = new Set();
    this.#dirty = false;
  }

  #adopt(token: string, key: string, record: SessionRecord): void {
    this.#token = token;
    this.#key = key;
    this.#record = record;
    this.#cookieChanged = true;
    this.#clearCookie = false;
    this.#read = true;
  }

  #forget(): void {
    this.#token = undefined;
    this.#key = undefined;
    this.#record = undefined;
    this.#cookieChanged = false;
    this.#clearStaged();
  }

  #emitRotated(record: SessionRecord, reason: "elevate" | "rotate" | "periodic"): void {
    this.#events.emit({ type: "rotated", sessionId: record.id, userId: record.userId, reason });
  }

  #emitRevoked(records: readonly SessionRecord[], reason: RevokeReason): void {
    for (const r of records)
      this.#events.emit({ type: "revoked", sessionId: r.id, userId: r.userId, reason });
  }

  #requireRecord(action: string): SessionRecord {
    // What the action answers (a list of devices, how many were revoked) is this user's.
    this.#read = true;
    if (this.#record === undefined) throw noSession(action, this.#o);
    return this.#record;
  }

  #requireUser(action: string): SessionRecord {
    const r = this.#requireRecord(action);
    if (r.userId === null) throw anonymousSession(action, this.#o);
    return r;
  }

  #assertOpen(): void {
    if (this.#committed !== undefined) throw alreadyCommitted();
  }

  #assertSecure(): void {
    if (!this.#secure) {
      throw insecureTransport(this.#o, { forwardedHttps: this.#forwardedHttps });
    }
  }

  /**
   * Throws `ERR_SESSION_INSECURE_TRANSPORT` (400) when this request's response may not set a
   * Secure cookie: plain HTTP without `trustProxy` or `insecureLocalhost` applying. For cookies
   * set beside the session's own, such as the CSRF pre-session cookie.
   */
  assertCookieAllowed(): void {
    this.#assertSecure();
  }
}

export function applyPatch(r: SessionRecord, patch: SessionPatch): SessionRecord {
  const { set, unset, ...meta } = patch;
  let data = r.data;
  if (set !== undefined || unset !== undefined) {
    const next: Record<string, unknown> = { ...r.data, ...(set ?? {}) };
    for (const k of unset ?? []) delete next[k];
    data = next;
  }
  return { ...r, ...meta, data };
}
