// What every session class (the store's, the stateless one) writes the same way: the session
// cookie's Set-Cookie line, and the errors of misuse.
import { serializeSetCookie } from "../cookie/index.js";
import { jsonValueProblem } from "../transports/payload.js";
import { SessionError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";

/** When a session ends, in ms: by its idle (sliding) expiry or by its absolute one. */
export interface SessionExpiry {
  readonly idle: number;
  readonly absolute: number;
}

/**
 * The Set-Cookie line of the session cookie: `value` until `expiry`, or a clearing line (empty
 * value, Max-Age=0) when `expiry` is undefined. Max-Age counts whole seconds: the idle part is
 * rounded up (a sign-in's cookie says the idle timeout itself, not a second less), the absolute
 * part down, so the cookie never outlives the absolute expiry; with less than a second of it left,
 * Max-Age is 0.
 */
export function sessionCookie(
  o: ResolvedOptions<never> | ResolvedOptions<Record<string, unknown>>,
  value: string,
  expiry: SessionExpiry | undefined,
): string {
  let maxAge = 0;
  if (expiry !== undefined) {
    const now = o.now();
    const idle = Math.max(1, Math.ceil((expiry.idle - now) / 1000));
    maxAge = Math.min(idle, Math.max(0, Math.floor((expiry.absolute - now) / 1000)));
  }
  return serializeSetCookie({
    name: o.cookieName,
    value,
    path: o.path,
    ...(o.domain === undefined ? {} : { domain: o.domain }),
    secure: true,
    httpOnly: true,
    sameSite: o.sameSite,
    maxAge,
  });
}

// A lone surrogate has no UTF-8 form: a store would keep another user id than the one given.
// PostgreSQL's text cannot hold U+0000 at all.
const UNSTORABLE = /\p{Cs}|\u0000/u;

/** Refuses a user id that some store cannot keep as given: not a string, empty, or not Unicode. */
export function checkUserId(userId: unknown): asserts userId is string {
  if (typeof userId !== "string" || userId === "" || UNSTORABLE.test(userId)) {
    throw new SessionError(
      "ERR_SESSION_DATA_INVALID",
      500,
      "signIn needs a non-empty user id string of well-formed Unicode (no lone surrogates) without U+0000",
    );
  }
}

/**
 * What a session's data type may be: any object type, an `interface` included. (A constraint of
 * `Record<string, unknown>` would refuse an interface, which has no index signature: TS2344.)
 */
export type DataShape<Data> = { [K in keyof Data]: unknown };

/**
 * The constraint of `createSessions<Data>`: a `DataShape` whose values are JSON. A value that
 * would not come back from the store as it went in is refused at compile time, and the error
 * quotes what to store instead (`set` refuses it at run time too).
 */
export type JsonShape<Data> = { [K in keyof Data]: JsonData<Data[K]> };

/** `T` where it is JSON; elsewhere a message type that the compiler's error quotes. */
type JsonData<T> = unknown extends T
  ? T
  : T extends string | number | boolean | null | undefined
    ? T
    : T extends Date
      ? "a Date is not JSON: store its getTime() or toISOString()"
      : T extends ReadonlyMap<unknown, unknown> | ReadonlySet<unknown>
        ? "a Map or Set is not JSON: store an object or an array"
        : T extends bigint | symbol | ((...args: never[]) => unknown)
          ? "a bigint, symbol or function is not JSON"
          : T extends readonly (infer Item)[]
            ? readonly JsonData<Item>[]
            : JsonShape<T>;

/** Options of `signIn`. */
export interface SignInOptions<Data extends DataShape<Data>> {
  /** Data of the new session, over what is carried from an anonymous one. */
  data?: Partial<Data>;
  /**
   * Which data of the anonymous session the request carried (a cart filled before signing in)
   * the signed-in one keeps: all of it (`true`, the default), none (`false`), or the keys
   * listed. That data was chosen by whoever held the anonymous cookie, so keep only what is
   * meant to cross into the account.
   */
  carry?: boolean | readonly (keyof Data & string)[];
}

/** What of an anonymous session's `data` a sign-in keeps, by its `carry` option. */
export function carriedData(
  data: Record<string, unknown>,
  carry: SignInOptions<Record<string, unknown>>["carry"],
): Record<string, unknown> {
  if (carry === undefined || carry === true) return data;
  if (carry === false) return {};
  if (!Array.isArray(carry) || !carry.every((k) => typeof k === "string")) {
    throw new SessionError(
      "ERR_SESSION_OPTIONS_INVALID",
      500,
      `signIn's carry must be true, false or a list of data keys, got ${JSON.stringify(carry) ?? String(carry)}`,
    );
  }
  const kept: Record<string, unknown> = {};
  for (const k of carry) if (Object.hasOwn(data, k)) kept[k] = data[k];
  return kept;
}

/**
 * Whether the nearest proxy says (`X-Forwarded-Proto`, else `Forwarded`) that it took the request
 * over HTTPS; undefined without either header. trustProxy reads it; on plain HTTP without
 * trustProxy, a true is the usual sign of a forgotten trustProxy.
 */
export function forwardedHttps(req: {
  header(name: string): string | undefined;
}): boolean | undefined {
  const xfp = req.header("x-forwarded-proto");
  if (xfp !== undefined) return xfp.split(",")[0]?.trim().toLowerCase() === "https";
  const fwd = req.header("forwarded");
  if (fwd === undefined) return undefined;
  return /(?:^|[;,\s])proto="?https"?(?:[;,\s]|$)/i.test(fwd.split(",")[0] ?? "");
}

/**
 * The 400 of a request over plain HTTP that would need a Secure credential; `request` says
 * whether it carried {@link forwardedHttps} that trustProxy being off left unread.
 */
export function insecureTransport(
  o: {
    trustProxy: boolean;
    insecureLocalhost: boolean;
    /** Set for bearer transports (their `WWW-Authenticate` challenge): no cookie is involved. */
    challenge: string | undefined;
  },
  request: { forwardedHttps: boolean },
): SessionError {
  // Only the remedies not taken yet, and why the ones taken did not apply to this request.
  const remedies = ["serve the app over HTTPS"];
  const taken: string[] = [];
  if (o.trustProxy) {
    taken.push(
      "trustProxy is on, but the request had no X-Forwarded-Proto: https or Forwarded proto=https",
    );
  } else if (request.forwardedHttps) {
    remedies.push(
      "set trustProxy: true in createSessions: the request says a proxy took it over HTTPS (X-Forwarded-Proto or Forwarded), which is read only with trustProxy on (set it only behind a proxy that sets or strips that header)",
    );
  } else remedies.push("set trustProxy: true behind a proxy that terminates TLS");
  if (o.insecureLocalhost) {
    taken.push("insecureLocalhost is on, but covers only the hosts localhost, 127.0.0.1 and [::1]");
  } else {
    remedies.push(
      "set insecureLocalhost: true in createSessions for http://localhost during development",
    );
  }
  const last = remedies.pop() as string;
  const advice = remedies.length === 0 ? last : `${remedies.join(", ")}, or ${last}`;
  return new SessionError(
    "ERR_SESSION_INSECURE_TRANSPORT",
    400,
    `this request came over plain http://, ${o.challenge === undefined ? "where browsers refuse to store a Secure session cookie" : "where a bearer token would travel in the clear"}: ${advice}${taken.length === 0 ? "" : ` (${taken.join("; ")})`}`,
  );
}

/**
 * The 401 of an operation that needs a session. With a bearer transport it carries the bare
 * `WWW-Authenticate: Bearer` challenge every 401 owes (RFC 9110 11.6.1, RFC 6750 3).
 */
export function noSession(
  action: string,
  o: Pick<ResolvedOptions<never>, "challenge">,
): SessionError {
  return new SessionError(
    "ERR_SESSION_REQUIRED",
    401,
    `cannot ${action} without a session: sign in first`,
    o.challenge === undefined ? undefined : { wwwAuthenticate: o.challenge },
  );
}

/** The 401 of an operation that needs a signed-in user, as {@link noSession}. */
export function anonymousSession(
  action: string,
  o: Pick<ResolvedOptions<never>, "challenge">,
): SessionError {
  return new SessionError(
    "ERR_SESSION_REQUIRED",
    401,
    `cannot ${action} of an anonymous session: sign in first`,
    o.challenge === undefined ? undefined : { wwwAuthenticate: o.challenge },
  );
}

/** A change after commit: a programming error. */
export function alreadyCommitted(): SessionError {
  return new SessionError(
    "ERR_SESSION_COMMITTED",
    500,
    "the session was already committed for this response: change it before the response is sent",
  );
}

/**
 * Refuses data that the `schema` option would refuse when the session is next loaded (which
 * would end the session), before it is written: `ERR_SESSION_DATA_INVALID`, nothing stored.
 */
export async function checkSchema(
  o: ResolvedOptions<never> | ResolvedOptions<Record<string, unknown>>,
  data: Record<string, unknown>,
): Promise<void> {
  const schema = o.schema as ResolvedOptions<Record<string, unknown>>["schema"];
  if (schema === undefined) return;
  const result = await schema["~standard"].validate(data);
  if (result.issues === undefined) return;
  const said = result.issues.slice(0, 3).map((issue) => {
    const path = (issue as { path?: readonly (PropertyKey | { key: PropertyKey })[] }).path ?? [];
    const at = path.map((p) => String(typeof p === "object" ? p.key : p)).join(".");
    return at === "" ? issue.message : `${at}: ${issue.message}`;
  });
  throw new SessionError(
    "ERR_SESSION_DATA_INVALID",
    500,
    `the session data does not match the schema, so it was not saved (the next load would end the session): ${said.join("; ")}`,
  );
}

/** A change to a session that another request rotated, replaced or ended meanwhile. */
export function sessionConflict(): SessionError {
  return new SessionError(
    "ERR_SESSION_CONFLICT",
    409,
    "another request rotated, replaced or ended this session while this one ran, so its change was not saved: retry with the current cookie",
  );
}

/**
 * The value `set` stages: a copy of an object or array, so that changing the caller's value
 * afterwards (`cart.push(new Date())`) neither slips past {@link checkEntry} nor changes what
 * is saved.
 */
export function stagedCopy<T>(value: T): T {
  return typeof value === "object" && value !== null ? structuredClone(value) : value;
}

/**
 * Refuses, where the handler sets it, a data entry that would not come back as it was set: the
 * key that would become the data object's prototype, and any value JSON cannot hold exactly
 * (every store and transport keeps data as JSON). Found at `set`, it is a 500 naming the path,
 * instead of a store's own error later (a 500 without a code, or a 503 that blames the store) or
 * a value changed without a word (a Date read back as a string, a Map as `{}`).
 */
export function checkEntry(key: string, value: unknown): void {
  if (key === "__proto__")
    throw new SessionError("ERR_SESSION_DATA_INVALID", 500, 'a session key cannot be "__proto__"');
  const problem = jsonValueProblem(value);
  if (problem === undefined) return;
  throw new SessionError(
    "ERR_SESSION_DATA_INVALID",
    500,
    `session data ${JSON.stringify(key)}${problem.at} ${problem.what}: session data is JSON (strings, finite numbers, booleans, null, arrays and plain objects); to remove a key, unset() it`,
  );
}

/** Every entry of a `signIn` `data` option, as {@link checkEntry}. */
export function checkData(data: Readonly<Record<string, unknown>>): void {
  for (const [k, v] of Object.entries(data)) checkEntry(k, v);
}

/**
 * A data key as this request sees it: staged changes over the stored data. Own keys only: a key
 * the data lacks is undefined, not `Object.prototype`'s (`constructor`, `__proto__`).
 */
export function stagedValue(
  base: Readonly<Record<string, unknown>> | undefined,
  set: Readonly<Record<string, unknown>>,
  unset: ReadonlySet<string>,
  key: string,
): unknown {
  if (unset.has(key)) return undefined;
  if (Object.hasOwn(set, key)) return set[key];
  return base !== undefined && Object.hasOwn(base, key) ? base[key] : undefined;
}

/** The whole data as this request sees it: a copy, staged changes applied. */
export function stagedData(
  base: Readonly<Record<string, unknown>> | undefined,
  set: Readonly<Record<string, unknown>>,
  unset: ReadonlySet<string>,
): Record<string, unknown> {
  const data: Record<string, unknown> = { ...(base ?? {}), ...set };
  for (const k of unset) delete data[k];
  return data;
}
