// What every adapter shares: turning session errors into HTTP answers, and session headers into
// response headers. Adapters only translate; the logic stays here and in sessionjar/session.
import type { Csrf } from "../csrf/create-csrf.js";
import type { SessionjarError } from "../errors.js";
import { refuseUnknownKeys } from "../lib/options.js";
import type { Sessions } from "../session/create-sessions.js";
import { SessionError } from "../session/errors.js";
import type { SessionResponseHeaders } from "../session/request-session.js";

/** A JSON error body, the same from every adapter: `{ error: { code, message } }`. */
export interface ErrorAnswer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/**
 * The HTTP answer for an error thrown while loading or committing a session. Session errors
 * carry their own status (503 store down, 401 no session, 400 plain HTTP, 501 an operation the
 * transport cannot do); anything else, and a session error that is a programming error (500),
 * gives undefined, for the framework's own error handling.
 */
export function errorAnswer(error: unknown): ErrorAnswer | undefined {
  // A 500 is a programming error (a change after commit, bad options): it goes to the
  // framework's error handling, which logs it, rather than being answered here unseen. A 501
  // (an operation the transport cannot do, such as listing stateless sessions) is answered.
  if (!(error instanceof SessionError) || error.status === 500) return undefined;
  // A 503's message names what failed inside (a store's address, a migration to run): that is
  // for the operator, who has it in the thrown error and the `store-error` event.
  const message = error.status === 503 ? UNAVAILABLE : error.message;
  const body = JSON.stringify({ error: { code: codeOf(error), message } });
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
  };
  if (error.status === 503) headers["retry-after"] = "5";
  if (error.wwwAuthenticate !== undefined) headers["www-authenticate"] = error.wwwAuthenticate;
  return { status: error.status, body, headers };
}

const UNAVAILABLE = "the session store is unavailable; try again shortly";

/** The lower-case code of the JSON body, e.g. `session_store_unavailable`. */
function codeOf(error: SessionjarError): string {
  return error.code.replace(/^ERR_/, "").toLowerCase();
}

/**
 * The handler's `Cache-Control` with the session's directive in force. `no-store` replaces it
 * (a response that sets the cookie must not be stored, whatever else it says); `private` drops
 * what would let a shared cache keep it (`public`, `s-maxage`) and keeps the rest (`max-age` for
 * the browser's own cache). A handler's own `no-store` already covers both.
 */
export function mergeCacheControl(existing: string, ours: string): string {
  const directives = existing
    .split(",")
    .map((d) => d.trim())
    .filter((d) => d !== "");
  const name = (d: string): string => (d.split("=")[0] ?? "").trim().toLowerCase();
  if (directives.some((d) => name(d) === "no-store")) return existing;
  if (ours === "no-store") return "no-store";
  const dropped = ours === "private" ? ["public", "s-maxage", "private"] : [name(ours)];
  return [ours, ...directives.filter((d) => !dropped.includes(name(d)))].join(", ");
}

/** Merges the session's headers into a response's, through the framework's own accessors. */
export function applyHeaders(
  h: SessionResponseHeaders,
  get: (name: string) => string | undefined,
  set: (name: string, value: string) => void,
  appendSetCookie: (value: string) => void,
): void {
  for (const c of h.setCookie) appendSetCookie(c);
  if (h.headers !== undefined) for (const [n, v] of Object.entries(h.headers)) set(n, v);
  if (h.cacheControl !== undefined) {
    const existing = get("cache-control");
    if (existing === undefined) set("cache-control", h.cacheControl);
    else {
      const merged = mergeCacheControl(existing, h.cacheControl);
      if (merged !== existing) set("cache-control", merged);
    }
    // CDN-Cache-Control (RFC 9213) speaks to CDNs with the same directives, and a CDN that
    // honours it reads it instead of Cache-Control: it gets the session's directive too.
    const cdn = get("cdn-cache-control");
    if (cdn !== undefined) {
      const merged = mergeCacheControl(cdn, h.cacheControl);
      if (merged !== cdn) set("cdn-cache-control", merged);
    }
  }
  if (h.vary !== undefined) {
    const existing = get("vary");
    if (existing === undefined) set("vary", h.vary);
    else if (
      !existing
        .split(",")
        .some((v) => v.trim().toLowerCase() === h.vary?.toLowerCase() || v.trim() === "*")
    ) {
      set("vary", `${existing}, ${h.vary}`);
    }
  }
}

/**
 * Refuses an adapter's options with a key not among `known` (a misspelt `crsf` would leave the
 * CSRF check to the transport's default without a word), as `createSessions` does.
 */
export function checkAdapterOptions(
  options: object,
  known: readonly string[],
  where: string,
): void {
  if (options === null || typeof options !== "object") {
    throw new SessionError(
      "ERR_SESSION_OPTIONS_INVALID",
      500,
      `${where}: options must be an object, not ${JSON.stringify(options) ?? String(options)}`,
    );
  }
  refuseUnknownKeys(options, known, "", (message) => {
    throw new SessionError("ERR_SESSION_OPTIONS_INVALID", 500, `${where}: ${message}`);
  });
}

/**
 * The CSRF guard an adapter runs, checked when the adapter is made. A cookie is an ambient
 * credential (browsers attach it to requests other sites make), so a cookie transport without
 * the guard is refused with `ERR_SESSION_CSRF_REQUIRED`, unless the application says
 * `csrf: false` (unsafe requests are guarded some other way). A bearer token is sent only by
 * code: a guard there would refuse API clients, so it is refused too.
 */
export function csrfFor(
  sessions: Pick<Sessions<never>, "capabilities">,
  csrf: Csrf | false | undefined,
  where: string,
): Csrf | undefined {
  const { ambient, name } = sessions.capabilities;
  const made = csrf as Partial<Record<keyof Csrf, unknown>> | false | undefined | null;
  if (
    made !== undefined &&
    made !== false &&
    (made === null || typeof made.check !== "function" || typeof made.issue !== "function")
  ) {
    throw new SessionError(
      "ERR_SESSION_OPTIONS_INVALID",
      500,
      `csrf of ${where} must be what createCsrf(…) returns, or false, not ${JSON.stringify(csrf) ?? String(csrf)}`,
    );
  }
  if (ambient && csrf === undefined) {
    throw new SessionError(
      "ERR_SESSION_CSRF_REQUIRED",
      500,
      `the ${name} transport is a cookie, which browsers attach to requests made by other sites: give ${where} { csrf: createCsrf(…) } so that unsafe requests are checked, or { csrf: false } to say they are guarded some other way`,
    );
  }
  if (!ambient && csrf !== undefined && csrf !== false) {
    throw new SessionError(
      "ERR_SESSION_OPTIONS_INVALID",
      500,
      `the ${name} transport is not ambient (only code sends a bearer token), so it needs no CSRF guard, which would refuse API clients: leave csrf out of ${where}`,
    );
  }
  return csrf === false ? undefined : csrf;
}
