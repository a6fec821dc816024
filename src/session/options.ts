import type { SameSite } from "../cookie/index.js";
import { booleanOption, type KnownKeys, refuseUnknownKeys } from "../lib/options.js";
import type { StandardSchemaV1 } from "../lib/standard-schema.js";
import type { SessionStore } from "../stores/types.js";
import { SessionError } from "./errors.js";
import type { SessionResponseHeaders } from "./request-session.js";
import type { SessionTransport } from "./transport.js";

/** Options of `createSessions`. Every default is the safe one; each is explained in docs/sessions.md. */
export interface SessionsOptions<Data> {
  /**
   * Where sessions live: `memoryStore()`, `redisStore(…)`, `postgresStore(…)`, `sqliteStore(…)`.
   * Required but with a stateless transport (signed, encrypted or JWT cookie, bearer JWT).
   */
  store?: SessionStore;
  /**
   * How the credential travels and where the session lives, from `sessionjar/transports`:
   * `opaqueCookie()` (the default), `signedCookie(…)`, `encryptedCookie(…)`, `jwtCookie(…)`,
   * `bearerJwt(…)`, `opaqueBearer()`. Handlers are the same whichever it is. Cookie transports
   * need the CSRF guard in the adapter (see docs/transports.md).
   */
  transport?: SessionTransport;
  cookie?: {
    /**
     * Default `__Host-session`: the prefix makes browsers refuse the cookie unless it is Secure,
     * host-only and Path=/, so a sibling subdomain cannot plant or shadow it.
     */
    name?: string;
    /** Default `Lax`: sent on top-level navigations from other sites, not on their POSTs or fetches. */
    sameSite?: SameSite;
    /** Widens the cookie to subdomains. Refused with a `__Host-` name; prefer an exchange. */
    domain?: string;
    /** Default `/`. Must be `/` with a `__Host-` name. */
    path?: string;
  };
  /** Seconds without use before a session ends. Default 1800 (30 minutes, OWASP's upper bound for low-risk apps). */
  idleTimeout?: number;
  /** Seconds after sign-in when a session ends however active it is. Default 28800 (8 hours, a working day). */
  absoluteTimeout?: number;
  /**
   * Seconds between extensions of the idle expiry. Default 60: a read-only request within a
   * minute of the last extension costs one store read and no write.
   */
  touchInterval?: number;
  /**
   * Periodic rotation, off by default: once every `interval` seconds of a session's life, the
   * first request gets a new token (its response sets the new cookie) and the old one dies, so a
   * token copied from a device stops working within one interval of the device's next use.
   * Requests already in flight with the old token are still served for `grace` seconds (default
   * 10), read-only: a change they make answers 409 `session_conflict` (`ERR_SESSION_CONFLICT`),
   * and a retry, which carries the new cookie, succeeds. `interval` must be longer than
   * `touchInterval` and shorter than `absoluteTimeout`; `grace` shorter than `touchInterval`,
   * and above 0 only with a store that keeps the old key for it (`renameGrace`: every built-in
   * store).
   */
  rotation?: { interval: number; grace?: number };
  /** At most this many sessions per user; signing in once more ends the oldest. Default: no cap. */
  maxSessionsPerUser?: number;
  /**
   * Trust `X-Forwarded-Proto` / `Forwarded: proto=` for the request's scheme. Set it only behind
   * a proxy that terminates TLS and overwrites those headers. Default false.
   */
  trustProxy?: boolean;
  /**
   * Allow sessions over plain `http://` when the host is `localhost`, `127.0.0.1` or `[::1]`,
   * for local development. Chromium and Firefox accept Secure and `__Host-` cookies from
   * http://localhost; Safari does not. Default false: over plain HTTP, setting a session cookie
   * throws `ERR_SESSION_INSECURE_TRANSPORT` with the reason instead of the browser silently
   * dropping it.
   */
  insecureLocalhost?: boolean;
  /**
   * Headers on responses that read a session without setting its cookie: by default
   * `Cache-Control: private` and `Vary: Cookie`, so shared caches never store a personalized
   * page. Responses that set the cookie always get `Cache-Control: no-store`.
   */
  cacheControl?: { private?: boolean; vary?: boolean };
  /**
   * Development aid: audit every Set-Cookie the session layer writes with `sessionjar/audit`
   * and warn once per rule, with the fix; each finding is also an `audit` event. `true` warns
   * with `console.warn`; `{ warn }` sends the text elsewhere (`false`: events only); `false`
   * turns it off. Default: on outside production (`NODE_ENV` other than `production`), off in
   * production. The safe defaults audit clean, so it stays silent unless a setting weakens them.
   */
  audit?: boolean | { warn?: ((text: string) => void) | false; maxLifetime?: number };
  /**
   * Validates `data` (any Standard Schema validator: Zod, Valibot, ArkType…) on every load, where
   * a session that fails is ended (`revoked`, `invalid-data`), and before every write (`signIn`,
   * the commit of `set`/`unset`), where data that fails is not stored and the call throws
   * `ERR_SESSION_DATA_INVALID`. Keys it requires must be given to `signIn(userId, { data })`.
   */
  schema?: StandardSchemaV1<unknown, Data>;
  /**
   * The clock, in ms since the epoch. For tests; give the store the same one (every built-in
   * store takes `now`), or sessions look expired, or alive, to one of the two.
   */
  now?: () => number;
}

type Keys<T> = readonly (keyof T & string)[];

// The keys each option object may have; the types make these lists whole and exact.
const KNOWN = {
  top: Object.keys({
    store: true,
    transport: true,
    cookie: true,
    idleTimeout: true,
    absoluteTimeout: true,
    touchInterval: true,
    rotation: true,
    maxSessionsPerUser: true,
    trustProxy: true,
    insecureLocalhost: true,
    cacheControl: true,
    audit: true,
    schema: true,
    now: true,
  } satisfies KnownKeys<SessionsOptions<unknown>>) as Keys<SessionsOptions<unknown>>,
  cookie: Object.keys({
    name: true,
    sameSite: true,
    domain: true,
    path: true,
  } satisfies KnownKeys<SessionsOptions<unknown>["cookie"]>),
  rotation: Object.keys({
    interval: true,
    grace: true,
  } satisfies KnownKeys<SessionsOptions<unknown>["rotation"]>),
  cacheControl: Object.keys({
    private: true,
    vary: true,
  } satisfies KnownKeys<SessionsOptions<unknown>["cacheControl"]>),
  audit: Object.keys({
    warn: true,
    maxLifetime: true,
  } satisfies KnownKeys<Exclude<SessionsOptions<unknown>["audit"], boolean>>),
};

/** A misspelt key leaves a default in force without a word: refuse keys the options do not have. */
function refuseUnknown<Data>(o: SessionsOptions<Data>): void {
  refuseUnknownKeys(o, KNOWN.top, "", invalid);
  for (const part of ["cookie", "rotation", "cacheControl"] as const) {
    const value = o[part];
    if (value === undefined) continue;
    if (value === null || typeof value !== "object") {
      invalid(`${part} must be an object, not ${shown(value)}`);
    }
    refuseUnknownKeys(value, KNOWN[part], `${part}.`, invalid);
  }
  // audit is a flag or an object; only the object has keys to misspell.
  if (typeof o.audit === "object" && o.audit !== null) {
    refuseUnknownKeys(o.audit, KNOWN.audit, "audit.", invalid);
  }
}

const flag = (name: string, value: unknown, fallback: boolean): boolean =>
  booleanOption(name, value, fallback, invalid);

const STORE_METHODS = [
  "get",
  "create",
  "update",
  "rename",
  "delete",
  "listByUser",
  "deleteByUser",
] as const;

// Stateless transports never reach the store; this says so should one ever try.
const NO_STORE: SessionStore = new Proxy({} as SessionStore, {
  get: (_target, name) => () =>
    Promise.reject(
      new SessionError(
        "ERR_SESSION_UNSUPPORTED",
        501,
        `a stateless transport has no store (${String(name)})`,
      ),
    ),
});

export interface ResolvedOptions<Data> {
  store: SessionStore;
  cookieName: string;
  sameSite: SameSite;
  domain: string | undefined;
  path: string;
  idleMs: number;
  absoluteMs: number;
  touchMs: number;
  /**
   * Keys whose idle extension is being written by a request of this process: a concurrent
   * request of the same session (a page's burst of API calls) skips its own, which would write
   * the same thing.
   */
  touching: Set<string>;
  /** The periodic rotation's interval in ms, or undefined without one. */
  rotateMs: number | undefined;
  /** How long the old token of a periodic rotation still reads, in ms. */
  graceMs: number;
  maxPerUser: number | undefined;
  trustProxy: boolean;
  insecureLocalhost: boolean;
  cachePrivate: boolean;
  varyCookie: boolean;
  /** The `WWW-Authenticate` of a 401 for a bearer transport (`Bearer`); undefined for cookies. */
  challenge: string | undefined;
  schema: StandardSchemaV1<unknown, Data> | undefined;
  now: () => number;
  /** Audits the headers of a response that sets the cookie (`audit` option), or undefined. */
  audit: ((headers: SessionResponseHeaders, url: string) => void) | undefined;
}

function invalid(message: string): never {
  throw new SessionError("ERR_SESSION_OPTIONS_INVALID", 500, message);
}

/** A value as an error message shows it: a string read from the environment is named as one. */
function shown(value: unknown): string {
  return typeof value === "string"
    ? `the string ${JSON.stringify(value)} (convert it with Number())`
    : String(value);
}

/** A duration option in whole ms (stores keep times as integers): `1000 / 3` s is 333 ms. */
function seconds(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0.001)
    invalid(`${name} must be a number of seconds, at least 0.001, got ${shown(value)}`);
  return Math.round(v * 1000);
}

/** The default `rotation.grace`, in seconds. */
const DEFAULT_GRACE_S = 10;

/** The `rotation` option in ms, checked against the timeouts and the store. */
function rotation<Data>(
  o: SessionsOptions<Data>,
  touchMs: number,
  absoluteMs: number,
): { rotateMs: number | undefined; graceMs: number } {
  const r = o.rotation;
  if (r === undefined) return { rotateMs: undefined, graceMs: 0 };
  if (o.transport?.stateless !== undefined) {
    invalid(
      `rotation is for sessions in a store; the ${o.transport.capabilities.name} transport re-issues its credential on every extension already`,
    );
  }
  const rotateMs = seconds("rotation.interval", r.interval, Number.NaN);
  const grace = r.grace ?? DEFAULT_GRACE_S;
  if (typeof grace !== "number" || !Number.isFinite(grace) || grace < 0) {
    invalid(`rotation.grace must be a number of seconds, at least 0, got ${shown(r.grace)}`);
  }
  const graceMs = Math.round(grace * 1000);
  const s = (ms: number): string => `${ms / 1000} s`;
  if (rotateMs <= touchMs) {
    invalid(
      `rotation.interval (${s(rotateMs)}) must be longer than touchInterval (${s(touchMs)}): rotating on nearly every request would make most of them writes`,
    );
  }
  if (rotateMs >= absoluteMs) {
    invalid(
      `rotation.interval (${s(rotateMs)}) must be shorter than absoluteTimeout (${s(absoluteMs)}), or no session would rotate`,
    );
  }
  if (graceMs >= touchMs) {
    // Requests with the old token must not extend the session: their response would set the
    // old token's cookie over the new one.
    invalid(
      `rotation.grace (${r.grace === undefined ? `the default, ${DEFAULT_GRACE_S} s` : s(graceMs)}) must be shorter than touchInterval (${s(touchMs)}): set a shorter rotation.grace, or a longer touchInterval`,
    );
  }
  if (graceMs > 0 && o.store?.renameGrace !== true) {
    invalid(
      "rotation.grace needs a store that keeps the old key readable for it (renameGrace, as every built-in store does); with this store set rotation.grace to 0, and requests in flight with the old cookie are then served as without a session",
    );
  }
  return { rotateMs, graceMs };
}

export function resolveOptions<Data>(o: SessionsOptions<Data>): ResolvedOptions<Data> {
  if (o === null || typeof o !== "object") invalid("createSessions needs options: { store }");
  refuseUnknown(o);
  const stateless = o.transport?.stateless !== undefined;
  if (!stateless && o.store === undefined) {
    invalid(
      "createSessions needs a store: pass { store: memoryStore() } or a Redis / PostgreSQL store",
    );
  }
  if (!stateless && o.store !== undefined) {
    // A factory passed uncalled (`store: memoryStore`) or a half-made store would otherwise
    // answer 503 on every request that needs it.
    const missing = STORE_METHODS.filter(
      (m) => typeof (o.store as unknown as Record<string, unknown> | null)?.[m] !== "function",
    );
    if (missing.length > 0) {
      invalid(
        `the store lacks ${missing.join(", ")}: pass a SessionStore, such as memoryStore() (called, not the function itself)`,
      );
    }
  }
  if (stateless && o.store !== undefined) {
    invalid(
      `the ${o.transport?.capabilities.name} transport keeps sessions in their credentials and never uses a store: leave store out (revocations go to the transport's revocation store)`,
    );
  }
  if (stateless && o.maxSessionsPerUser !== undefined) {
    invalid(
      "maxSessionsPerUser needs a store that knows a user's sessions; stateless transports keep none",
    );
  }
  if (
    o.schema !== undefined &&
    typeof (o.schema as Partial<StandardSchemaV1>)?.["~standard"]?.validate !== "function"
  ) {
    invalid(
      "schema must be a Standard Schema validator (it has no ~standard.validate): Zod 3.24 or later, Valibot 1, ArkType 2 and others implement it",
    );
  }
  const cookieName = o.cookie?.name ?? "__Host-session";
  const idleMs = seconds("idleTimeout", o.idleTimeout, 1800);
  const absoluteMs = seconds("absoluteTimeout", o.absoluteTimeout, 28_800);
  // Both values in the message, and which one is a default the caller never set.
  const said = (name: string, value: number | undefined, ms: number): string =>
    `${name} (${ms / 1000} s${value === undefined ? ", the default" : ""})`;
  if (idleMs > absoluteMs)
    invalid(
      `${said("idleTimeout", o.idleTimeout, idleMs)} cannot be longer than ${said("absoluteTimeout", o.absoluteTimeout, absoluteMs)}; timeouts are in seconds, not milliseconds`,
    );
  const touchMs = seconds("touchInterval", o.touchInterval, 60);
  if (touchMs >= idleMs)
    invalid(
      `${said("touchInterval", o.touchInterval, touchMs)} must be shorter than ${said("idleTimeout", o.idleTimeout, idleMs)}, or sessions would expire between extensions`,
    );
  const { rotateMs, graceMs } = rotation(o, touchMs, absoluteMs);
  const sameSite = o.cookie?.sameSite ?? "Lax";
  if (sameSite === "None") {
    invalid(
      'cookie.sameSite "None" sends the session cookie on every cross-site request: use "Lax" (the default) or "Strict", and an exchange or bearer tokens for cross-site clients',
    );
  }
  const max = o.maxSessionsPerUser;
  if (max !== undefined && !(Number.isSafeInteger(max) && max >= 1))
    invalid("maxSessionsPerUser must be a whole number of at least 1");
  return {
    store: o.store ?? NO_STORE,
    cookieName,
    sameSite,
    domain: o.cookie?.domain,
    path: o.cookie?.path ?? "/",
    idleMs,
    absoluteMs,
    touchMs,
    touching: new Set(),
    rotateMs,
    graceMs,
    maxPerUser: max,
    trustProxy: flag("trustProxy", o.trustProxy, false),
    insecureLocalhost: flag("insecureLocalhost", o.insecureLocalhost, false),
    cachePrivate: flag("cacheControl.private", o.cacheControl?.private, true),
    varyCookie: flag("cacheControl.vary", o.cacheControl?.vary, true),
    challenge: o.transport?.carrier === "bearer" ? "Bearer" : undefined,
    schema: o.schema,
    // Whole milliseconds: stores keep times as integers.
    now: o.now === undefined ? Date.now : () => Math.floor((o.now as () => number)()),
    audit: undefined,
  };
}
