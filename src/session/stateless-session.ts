import type { Emitter } from "../lib/emitter.js";
import { TransportError } from "../transports/errors.js";
import { newSessionId, type SessionPayload } from "../transports/payload.js";
import type { RefreshFamily, RefreshStore } from "../transports/refresh-tokens.js";
import type { RevocationStore } from "../transports/revocation.js";
import { refreshError, SET_AUTH_TOKEN, SET_REFRESH_TOKEN } from "./bearer.js";
import { SessionError } from "./errors.js";
import type { RevokeReason, SessionEvent } from "./events.js";
import type { ResolvedOptions } from "./options.js";
import {
  guarded,
  type LoadedState,
  RequestSession,
  type SessionInfo,
  type SessionResponseHeaders,
} from "./request-session.js";
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
  sessionCookie,
  stagedCopy,
  stagedData,
  stagedValue,
} from "./session-common.js";
import { isWellFormedToken, newToken, shardFor, storeKey } from "./tokens.js";
import type { Carrier, StatelessCodec } from "./transport.js";

/** What a stateless session needs besides the sessions' options. */
export interface StatelessSetup {
  readonly codec: StatelessCodec;
  readonly revocation: RevocationStore | null;
  readonly carrier: Carrier;
  /** The transport's name, for messages. */
  readonly name: string;
  /**
   * Bearer JWT: where refresh-token families live. A signed-in session is a family (its id is
   * the session's), whose claims hold the data, so that a refreshed access token carries it.
   */
  readonly refresh: RefreshStore | null;
}

/** A new credential id for `userId`'s session: its shard, a dot, 128 random bits. */
function newSid(userId: string | null): string {
  return `${shardFor(userId)}.${newSessionId()}`;
}

function unsupported(name: string, what: string): SessionError {
  return new SessionError(
    "ERR_SESSION_UNSUPPORTED",
    501,
    `the ${name} transport keeps sessions in the credential, so no server knows a user's sessions: it cannot ${what}. Use revokeAll() ("log out all devices"), or server sessions (the opaque cookie) for a devices page`,
  );
}

/**
 * The session of a stateless transport (signed, encrypted or JWT cookie, bearer JWT): the same
 * API as the store's sessions, with the session in the credential itself. Changes are sealed
 * into a new credential on commit; ending a session puts its id on the denylist, and "log out
 * all devices" sets its user's not-before time. A user's sessions cannot be listed.
 */
export class StatelessSession<
  Data extends DataShape<Data> = Record<string, unknown>,
> extends RequestSession<Data> {
  readonly #o: ResolvedOptions<Data>;
  readonly #events: Emitter<SessionEvent>;
  readonly #s: StatelessSetup;
  readonly #secure: boolean;
  readonly #forwardedHttps: boolean;
  #payload: SessionPayload | undefined;
  /** The credential to send, once sealed. */
  #value: string | undefined;
  #set: Record<string, unknown> = {};
  #unset = new Set<string>();
  #dirty = false;
  #noTouch = false;
  #clear: boolean;
  #read = false;
  #committed: SessionResponseHeaders | undefined;
  /** A new refresh token to hand the client (bearer JWT). */
  #refreshToken: string | undefined;

  constructor(
    o: ResolvedOptions<Data>,
    events: Emitter<SessionEvent>,
    setup: StatelessSetup,
    state: {
      payload: SessionPayload | undefined;
      value: string | undefined;
      clear: boolean;
      problem: LoadedState["problem"];
      secure: boolean;
      forwardedHttps: boolean;
    },
  ) {
    super(o, events, {
      token: undefined,
      key: undefined,
      record: undefined,
      clearCookie: false,
      problem: state.problem,
      secure: state.secure,
      forwardedHttps: state.forwardedHttps,
      host: undefined,
      userAgent: null,
    });
    this.#o = o;
    this.#events = events;
    this.#s = setup;
    this.#payload = state.payload;
    this.#value = state.value;
    this.#clear = state.clear;
    this.#secure = state.secure;
    this.#forwardedHttps = state.forwardedHttps;
  }

  override get active(): boolean {
    this.#read = true;
    return this.#payload !== undefined;
  }

  override get userId(): string | null {
    this.#read = true;
    return this.#payload?.sub ?? null;
  }

  override get anonymous(): boolean {
    return this.#payload !== undefined && this.#payload.sub === null;
  }

  /** The credential's id: it changes at sign-in and rotation. Bind CSRF tokens to it. */
  override get binding(): string | null {
    return this.#payload?.sid ?? null;
  }

  override get info(): SessionInfo | null {
    this.#read = true;
    const p = this.#payload;
    if (p === undefined) return null;
    return {
      id: p.sid,
      userId: p.sub,
      createdAt: new Date(p.iat),
      lastSeenAt: new Date(Math.max(p.iat, p.idleExp - this.#o.idleMs)),
      idleExpiresAt: new Date(p.idleExp),
      absoluteExpiresAt: new Date(p.absExp),
      elevatedAt: p.elv === null ? null : new Date(p.elv),
      userAgent: null,
      current: true,
    };
  }

  override get<K extends keyof Data & string>(key: K): Data[K] | undefined {
    this.#read = true;
    return stagedValue(this.#payload?.data, this.#set, this.#unset, key) as Data[K] | undefined;
  }

  override keys(): (keyof Data & string)[] {
    this.#read = true;
    return Object.keys(this.#currentData()) as (keyof Data & string)[];
  }

  override set<K extends keyof Data & string>(key: K, value: Exclude<Data[K], undefined>): void {
    this.#assertOpen();
    checkEntry(key, value);
    this.#unset.delete(key);
    this.#set[key] = stagedCopy(value);
    this.#dirty = true;
  }

  override unset<K extends keyof Data & string>(key: K): void {
    this.#assertOpen();
    // Without a session there is nothing to remove: no credential is issued for it.
    if (this.#payload === undefined && !this.#dirty) return;
    delete this.#set[key];
    this.#unset.add(key);
    this.#dirty = true;
  }

  override signIn(userId: string, options: SignInOptions<Data> = {}): Promise<void> {
    return this.settle(this.#signIn(userId, options));
  }

  async #signIn(userId: string, options: SignInOptions<Data>): Promise<void> {
    this.#assertOpen();
    this.#assertSecure();
    checkUserId(userId);
    const now = this.#o.now();
    const previous = this.#payload;
    const carried = carriedData(previous?.sub === null ? this.#currentData() : {}, options.carry);
    checkData(options.data ?? {});
    const data = { ...carried, ...(options.data ?? {}) };
    await checkSchema(this.#o, data);
    const next: SessionPayload = {
      v: 1,
      sid: newSid(userId),
      sub: userId,
      data,
      iat: now,
      idleExp: Math.min(now + this.#o.idleMs, now + this.#o.absoluteMs),
      absExp: now + this.#o.absoluteMs,
      elv: null,
    };
    // Sealed before the previous session ends: a sign-in whose data cannot travel changes nothing.
    const value = await this.#seal(next);
    if (previous !== undefined) await this.#end(previous, "sign-in");
    this.#set = {};
    this.#unset.clear();
    this.#dirty = false;
    await this.#newFamily(next);
    this.#adopt(next, value);
    this.#read = true;
    this.#events.emit({ type: "created", sessionId: next.sid, userId });
  }

  override rotate(options: { elevate?: boolean } = {}): Promise<void> {
    return this.settle(this.#rotate(options));
  }

  async #rotate(options: { elevate?: boolean }): Promise<void> {
    this.#assertOpen();
    this.#assertSecure();
    const p = this.#require("rotate");
    const now = this.#o.now();
    const next: SessionPayload = {
      ...p,
      sid: newSid(p.sub),
      ...(options.elevate === true ? { elv: now } : {}),
    };
    const value = await this.#seal(next);
    // The old value must stop working now: deny its id; the session goes on under the new one.
    await this.#denyId(p.sid, p);
    await this.#revokeFamily(p);
    await this.#newFamily(next);
    this.#adopt(next, value);
    this.#events.emit({
      type: "rotated",
      sessionId: next.sid,
      userId: p.sub,
      reason: options.elevate === true ? "elevate" : "rotate",
    });
  }

  override signOut(): Promise<void> {
    return this.settle(this.#signOut());
  }

  async #signOut(): Promise<void> {
    this.#assertOpen();
    const p = this.#payload;
    if (p !== undefined) await this.#end(p, "sign-out");
    this.#forget();
  }

  override async list(): Promise<SessionInfo[]> {
    this.#requireUser("list sessions");
    throw unsupported(this.#s.name, "list a user's sessions");
  }

  /**
   * Ends every other session of this user: their not-before time moves to now, and this
   * session is sealed anew, issued now. Returns null: how many ended is not known.
   */
  override revokeOthers(): Promise<number | null> {
    return this.settle(this.#revokeOthers());
  }

  async #revokeOthers(): Promise<number | null> {
    const p = this.#requireUser("revoke other sessions");
    this.#assertOpen();
    const now = this.#o.now();
    const next: SessionPayload = { ...p, sid: newSid(p.sub), iat: now };
    const value = await this.#seal(next);
    await this.#notBefore(p.sub as string, now, "revoke other sessions");
    await this.#denyId(p.sid, p);
    await this.#revokeFamily(p);
    await this.#newFamily(next);
    this.#adopt(next, value);
    return null;
  }

  /**
   * "Log out all devices": every session of this user issued until now ends at its next
   * request (the not-before time), this one included. Returns null: how many is not known.
   */
  override revokeAll(): Promise<number | null> {
    return this.settle(this.#revokeAll());
  }

  async #revokeAll(): Promise<number | null> {
    const p = this.#requireUser("revoke all sessions");
    this.#assertOpen();
    await this.#notBefore(p.sub as string, this.#o.now() + 1, "revoke all sessions");
    this.#emitRevoked(p, "revoke-all");
    this.#forget();
    return null;
  }

  /**
   * Ends one of this user's sessions by its id (`info.id`): the id goes on the denylist. False
   * for an id that cannot be one of this user's.
   */
  override revoke(sessionId: string): Promise<boolean> {
    return this.settle(this.#revoke(sessionId));
  }

  async #revoke(sessionId: string): Promise<boolean> {
    const p = this.#requireUser("revoke a session");
    if (sessionId === p.sid) {
      await this.signOut();
      return true;
    }
    if (typeof sessionId !== "string" || !sessionId.startsWith(`${shardFor(p.sub)}.`)) return false;
    const r = this.#revocation("revoke a session");
    const now = this.#o.now();
    await guarded(this.#events, "deny", () => r.deny(sessionId, now + this.#o.absoluteMs));
    const refresh = this.#s.refresh;
    if (refresh !== null) {
      await guarded(this.#events, "revokeFamily", () => refresh.revokeFamily(sessionId, now));
    }
    this.#events.emit({ type: "revoked", sessionId, userId: p.sub, reason: "revoke-one" });
    return true;
  }

  /**
   * Bearer JWT: uses `refreshToken` once, for a new access token and a new refresh token (in
   * `Set-Auth-Token` and `Set-Refresh-Token`), the session's data carried over. A token used a
   * second time revokes its family and denies its access tokens: both its holders must sign in
   * again. Throws a 401 {@link SessionError} `ERR_SESSION_REFRESH_INVALID`, with an
   * `invalid_token` challenge, when the token gives no session.
   */
  override refresh(refreshToken: string): Promise<void> {
    return this.settle(this.#refresh(refreshToken));
  }

  async #refresh(refreshToken: string): Promise<void> {
    this.#assertOpen();
    const store = this.#s.refresh;
    if (store === null) return super.refresh(refreshToken);
    if (typeof refreshToken !== "string" || !isWellFormedToken(refreshToken)) {
      this.#events.emit({ type: "suspicious", reason: "malformed-token" });
      throw refreshError("malformed");
    }
    const now = this.#o.now();
    const key = storeKey(refreshToken);
    // The access token is made before the refresh token is used: a refresh that cannot issue one
    // leaves the refresh token as it was, rather than spending it and making its next use a reuse.
    const peeked = await guarded(this.#events, "peek", () => store.peek(key, now));
    const early = peeked === null ? undefined : await this.#refreshed(peeked, now);
    const next = newToken(refreshToken.slice(0, 4));
    const outcome = await guarded(this.#events, "rotate", () =>
      store.rotate(key, storeKey(next), { now, ttlMs: this.#o.idleMs }),
    );
    if (!outcome.ok) {
      const f = outcome.family;
      switch (outcome.reason) {
        case "reused": {
          this.#events.emit({ type: "suspicious", reason: "refresh-reuse" });
          // Two parties hold this family's tokens: its access tokens end now too.
          const r = this.#s.revocation;
          if (f !== null && r !== null) {
            await guarded(this.#events, "deny", () => r.deny(f.id, f.expiresAt));
          }
          // A burst of replays revokes the family once, and says so once.
          if (f !== null && outcome.changed) {
            this.#events.emit({
              type: "revoked",
              sessionId: f.id,
              userId: f.userId,
              reason: "refresh-reuse",
            });
          }
          break;
        }
        case "expired":
          // The session's own timeout, not an attack.
          if (f !== null) {
            this.#events.emit({
              type: "expired",
              sessionId: f.id,
              userId: f.userId,
              reason: now >= f.expiresAt ? "absolute" : "idle",
            });
          }
          break;
        case "unknown":
          this.#events.emit({ type: "suspicious", reason: "unknown-token" });
          break;
        default:
          this.#events.emit({ type: "suspicious", reason: "revoked-token" });
      }
      throw refreshError(outcome.reason === "expired" ? "expired" : "invalid");
    }
    const f = outcome.family;
    const r = this.#s.revocation;
    // "Log out all devices" ends refreshes too: a family from before the not-before time.
    if (
      r !== null &&
      !(await guarded(this.#events, "check", () => r.check(f.id, f.userId, f.createdAt)))
    ) {
      await guarded(this.#events, "revokeFamily", () => store.revokeFamily(f.id, now));
      this.#events.emit({ type: "suspicious", reason: "revoked-token" });
      throw refreshError("invalid");
    }
    // A change of data between the two reads: the access token must carry the latest.
    const made = early?.claims === JSON.stringify(f.claims) ? early : await this.#refreshed(f, now);
    this.#adopt(made.payload, made.value);
    this.#refreshToken = next;
    this.#read = true;
    this.#events.emit({ type: "rotated", sessionId: f.id, userId: f.userId, reason: "refresh" });
  }

  /**
   * Bearer JWT: the session of family `f` and its access token, or a 401 `session_refresh_invalid`
   * when its data no longer makes a token (a smaller `maxTokenLength`, or a key with a longer
   * signature, since it was written): refreshing cannot help, signing in can.
   */
  async #refreshed(
    f: RefreshFamily,
    now: number,
  ): Promise<{ payload: SessionPayload; value: string; claims: string }> {
    const claims = f.claims as { data?: Record<string, unknown>; elv?: number | null };
    const payload: SessionPayload = {
      v: 1,
      sid: f.id,
      sub: f.userId,
      data: claims.data ?? {},
      iat: f.createdAt,
      idleExp: Math.min(now + this.#o.idleMs, f.expiresAt),
      absExp: f.expiresAt,
      elv: claims.elv ?? null,
    };
    try {
      return { payload, value: await this.#seal(payload), claims: JSON.stringify(f.claims) };
    } catch (error) {
      if (!(error instanceof SessionError)) throw error;
      throw refreshError("unusable", error);
    }
  }

  /** As {@link RequestSession.discard}: a sign-in or rotation made here is still sealed and sent. */
  override discard(): void {
    this.#set = {};
    this.#unset.clear();
    this.#dirty = false;
    this.#noTouch = true;
  }

  override async save(): Promise<void> {
    this.#assertOpen();
    await this.#flush(false);
  }

  override async commit(): Promise<SessionResponseHeaders> {
    if (this.operating) await this.operationsSettled();
    if (this.#committed !== undefined) return this.#committed;
    if (this.#needsWrite()) await this.#flush(!this.#noTouch);
    this.#committed = this.#headers();
    return this.#committed;
  }

  override commitSync(): SessionResponseHeaders | undefined {
    if (this.operating) return undefined;
    if (this.#committed !== undefined) return this.#committed;
    if (this.#needsWrite()) return undefined;
    this.#committed = this.#headers();
    return this.#committed;
  }

  #needsWrite(): boolean {
    return (
      this.#dirty ||
      (this.#payload !== undefined &&
        !this.#noTouch &&
        this.#touchDue(this.#payload, this.#o.now()))
    );
  }

  #touchDue(p: SessionPayload, now: number): boolean {
    const idleExp = Math.min(now + this.#o.idleMs, p.absExp);
    return now - (p.idleExp - this.#o.idleMs) >= this.#o.touchMs && idleExp > p.idleExp;
  }

  async #flush(touch: boolean): Promise<void> {
    const now = this.#o.now();
    let p = this.#payload;
    const dirty = this.#dirty;
    if (dirty) await checkSchema(this.#o, this.#currentData());
    const created = p === undefined;
    if (p === undefined) {
      if (!dirty) return;
      // Data without a session: an anonymous session (a cart before sign-in).
      this.#assertSecure();
      p = {
        v: 1,
        sid: newSid(null),
        sub: null,
        data: {},
        iat: now,
        idleExp: now + this.#o.idleMs,
        absExp: now + this.#o.absoluteMs,
        elv: null,
      };
    }
    if (dirty) p = { ...p, data: this.#currentData() };
    const touched = touch && this.#touchDue(p, now);
    if (touched) p = { ...p, idleExp: Math.min(now + this.#o.idleMs, p.absExp) };
    if (p === this.#payload) return;
    // Sealed before anything is written: a change that cannot travel leaves the family as it was.
    const value = await this.#seal(p);
    // False: the family was revoked or expired meanwhile, and the change has nowhere to go.
    if ((dirty && !(await this.#keepClaims(p))) || (touched && !(await this.#slideRefresh(p)))) {
      this.#forget();
      return;
    }
    if (created) this.#events.emit({ type: "created", sessionId: p.sid, userId: null });
    this.#set = {};
    this.#unset.clear();
    this.#dirty = false;
    this.#adopt(p, value);
  }

  /**
   * The credential of `p`. Throws a {@link SessionError} `ERR_SESSION_DATA_INVALID`: 400 when
   * the data is too large to travel, 500 when it cannot be sealed at all (not JSON).
   */
  async #seal(p: SessionPayload): Promise<string> {
    try {
      return await this.#s.codec.seal(p);
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      // Too large for a cookie, or not JSON: the data the handler set, not the request.
      throw new SessionError(
        "ERR_SESSION_DATA_INVALID",
        error.code === "ERR_TRANSPORT_TOO_LARGE" ? 400 : 500,
        `the session cannot be sealed: ${error.message}`,
        { cause: error },
      );
    }
  }

  /** `p` is the session now, and `value`, its credential, is owed to the client. */
  #adopt(p: SessionPayload, value: string): void {
    this.#payload = p;
    this.#value = value;
    this.#sent = false;
    this.#clear = false;
  }

  /** The sealed value has not been sent yet. */
  #sent = true;

  #headers(): SessionResponseHeaders {
    const p = this.#payload;
    const fresh = p !== undefined && this.#value !== undefined && !this.#sent;
    this.#sent = true;
    if (this.#s.carrier === "bearer") {
      const headers: Record<string, string> = {};
      if (fresh) headers[SET_AUTH_TOKEN] = this.#value as string;
      else if (this.#clear) headers[SET_AUTH_TOKEN] = "";
      if (this.#refreshToken !== undefined) headers[SET_REFRESH_TOKEN] = this.#refreshToken;
      else if (this.#clear && this.#s.refresh !== null) headers[SET_REFRESH_TOKEN] = "";
      const changed = Object.keys(headers).length > 0;
      return {
        setCookie: [],
        cacheControl: changed ? "no-store" : this.#read && p !== undefined ? "private" : undefined,
        vary: this.#read ? "Authorization" : undefined,
        ...(changed ? { headers } : {}),
      };
    }
    const setCookie: string[] = [];
    if (fresh)
      setCookie.push(
        sessionCookie(this.#o, this.#value as string, { idle: p.idleExp, absolute: p.absExp }),
      );
    else if (this.#clear) setCookie.push(sessionCookie(this.#o, "", undefined));
    let cacheControl: string | undefined;
    if (setCookie.length > 0) cacheControl = "no-store";
    else if (this.#read && p !== undefined && this.#o.cachePrivate) cacheControl = "private";
    return {
      setCookie,
      cacheControl,
      vary: this.#read && this.#o.varyCookie ? "Cookie" : undefined,
    };
  }

  #currentData(): Record<string, unknown> {
    return stagedData(this.#payload?.data, this.#set, this.#unset);
  }

  #revocation(action: string): RevocationStore {
    if (this.#s.revocation === null) {
      throw new SessionError(
        "ERR_SESSION_UNSUPPORTED",
        501,
        `the ${this.#s.name} transport was made with revocation: false, so it cannot ${action}: give it a revocation store`,
      );
    }
    return this.#s.revocation;
  }

  /** Puts `sid` on the denylist until the value that carries it would have expired anyway. */
  async #denyId(sid: string, p: SessionPayload): Promise<void> {
    const r = this.#s.revocation;
    if (r === null) return;
    await guarded(this.#events, "deny", () => r.deny(sid, Math.min(p.idleExp, p.absExp)));
  }

  /** Ends `p`: its id on the denylist, its refresh family revoked. */
  async #end(p: SessionPayload, reason: RevokeReason): Promise<void> {
    await this.#denyId(p.sid, p);
    await this.#revokeFamily(p);
    this.#emitRevoked(p, reason);
  }

  /** Bearer JWT: a refresh family for a signed-in `p`, and its first refresh token. */
  async #newFamily(p: SessionPayload): Promise<void> {
    const store = this.#s.refresh;
    if (store === null || p.sub === null) return;
    const sub = p.sub;
    const token = newToken(shardFor(sub));
    const now = this.#o.now();
    await guarded(this.#events, "create", () =>
      store.create(
        {
          id: p.sid,
          userId: sub,
          createdAt: p.iat,
          expiresAt: p.absExp,
          revokedAt: null,
          claims: { data: p.data, elv: p.elv },
        },
        storeKey(token),
        Math.min(now + this.#o.idleMs, p.absExp),
      ),
    );
    this.#refreshToken = token;
  }

  async #revokeFamily(p: SessionPayload): Promise<void> {
    const store = this.#s.refresh;
    if (store === null || p.sub === null) return;
    await guarded(this.#events, "revokeFamily", () => store.revokeFamily(p.sid, this.#o.now()));
  }

  /** Bearer JWT: the family keeps the data, for the access tokens of later refreshes. */
  async #keepClaims(p: SessionPayload): Promise<boolean> {
    const store = this.#s.refresh;
    if (store === null || p.sub === null) return true;
    return guarded(this.#events, "setClaims", () =>
      store.setClaims(p.sid, { data: p.data, elv: p.elv }, this.#o.now()),
    );
  }

  /**
   * Bearer JWT: a touch moves the refresh token's expiry with the access token's idle expiry,
   * or a client that never needed to refresh would find its refresh token dead one idle timeout
   * after sign-in. False when the family was revoked or has expired meanwhile.
   */
  async #slideRefresh(p: SessionPayload): Promise<boolean> {
    const store = this.#s.refresh;
    if (store === null || p.sub === null) return true;
    return guarded(this.#events, "touch", () => store.touch(p.sid, p.idleExp, this.#o.now()));
  }

  async #notBefore(userId: string, time: number, action: string): Promise<void> {
    const r = this.#revocation(action);
    await guarded(this.#events, "setNotBefore", () => r.setNotBefore(userId, time));
  }

  #emitRevoked(p: SessionPayload, reason: RevokeReason): void {
    this.#events.emit({ type: "revoked", sessionId: p.sid, userId: p.sub, reason });
  }

  #forget(): void {
    this.#payload = undefined;
    this.#value = undefined;
    this.#refreshToken = undefined;
    this.#set = {};
    this.#unset.clear();
    this.#dirty = false;
    this.#clear = true;
  }

  #require(action: string): SessionPayload {
    // What the action answers (a list of devices, how many were revoked) is this user's.
    this.#read = true;
    if (this.#payload === undefined) throw noSession(action, this.#o);
    return this.#payload;
  }

  #requireUser(action: string): SessionPayload {
    const p = this.#require(action);
    if (p.sub === null) throw anonymousSession(action, this.#o);
    return p;
  }

  #assertOpen(): void {
    if (this.#committed !== undefined) throw alreadyCommitted();
  }

  #assertSecure(): void {
    if (!this.#secure) {
      throw insecureTransport(this.#o, { forwardedHttps: this.#forwardedHttps });
    }
  }

  override assertCookieAllowed(): void {
    this.#assertSecure();
  }
}
