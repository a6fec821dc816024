// What every adapter shares: turning session errors into HTTP answers, and session headers into
// response headers. Adapters only translate; the logic stays here and in sessionjar/session.
import type { SessionjarError } from "../errors.js";
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
 * carry their own status (503 store down, 401 no session, 400 plain HTTP); anything else gives
 * undefined, for the framework's own error handling.
 */
export function errorAnswer(error: unknown): ErrorAnswer | undefined {
  if (!(error instanceof SessionError)) return undefined;
  const body = JSON.stringify({ error: { code: codeOf(error), message: error.message } });
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
  };
  if (error.status === 503) headers["retry-after"] = "5";
  if (error.wwwAuthenticate !== undefined) headers["www-authenticate"] = error.wwwAuthenticate;
  return { status: error.status, body, headers };
}

/** The lower-case code of the JSON body, e.g. `session_store_unavailable`. */
function codeOf(error: SessionjarError): string {
  return error.code.replace(/^ERR_/, "").toLowerCase();
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
    // An explicit no-store from the handler already covers everything; otherwise add ours.
    if (existing === undefined) set("cache-control", h.cacheControl);
    else if (
      !/\bno-store\b/i.test(existing) &&
      !new RegExp(`\\b${h.cacheControl}\\b`, "i").test(existing)
    ) {
      set("cache-control", `${h.cacheControl}, ${existing}`);
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
