import { SessionjarError } from "../errors.js";

/** Every code a {@link SessionError} can carry. */
export type SessionErrorCode =
  | "ERR_SESSION_OPTIONS_INVALID"
  | "ERR_SESSION_INSECURE_TRANSPORT"
  | "ERR_SESSION_STORE_UNAVAILABLE"
  | "ERR_SESSION_REQUIRED"
  | "ERR_SESSION_DATA_INVALID"
  | "ERR_SESSION_COMMITTED"
  /**
   * Another request rotated, replaced or ended the session while this one ran, so this one's
   * change had nowhere to go (409): nothing was written; retry with the current cookie.
   */
  | "ERR_SESSION_CONFLICT"
  /** A cookie transport was wired into an adapter without the CSRF guard, and without saying so. */
  | "ERR_SESSION_CSRF_REQUIRED"
  /** The operation needs what this transport does not keep (a list of a user's sessions). */
  | "ERR_SESSION_UNSUPPORTED"
  /** A bearer request's `Authorization` header is malformed, of another scheme, or its token does not verify (401). */
  | "ERR_SESSION_TOKEN_INVALID"
  /**
   * A bearer-JWT refresh token gives no session (401): malformed, unknown, revoked, used
   * before, or past the session's timeouts. Sign in again; refreshing again cannot help.
   */
  | "ERR_SESSION_REFRESH_INVALID";

/** Options of a {@link SessionError}. */
export interface SessionErrorOptions extends ErrorOptions {
  /** The `WWW-Authenticate` value of a 401 of a bearer transport (RFC 6750). */
  readonly wwwAuthenticate?: string;
}

/**
 * Thrown by `sessionjar/session`. `status` is the HTTP status an adapter answers with when the
 * error reaches it: 503 when the store is down (fail closed), 401 when a route needs a session
 * or a bearer token does not verify, 400 for a request over plain HTTP that needs a Secure
 * cookie, 409 when another request rotated or ended the session under a change; 500 only for
 * programming errors (invalid options, a change after commit), 501 for an operation the
 * transport cannot do. Adapters answer the 4xx, the 501 and the 503 (whose body then says only
 * that the store is unavailable: the message, with the store's own words, stays on the server)
 * and pass the 500 on to the framework's error handling, which logs it.
 */
export class SessionError extends SessionjarError {
  declare readonly code: SessionErrorCode;
  readonly status: number;
  /** The `WWW-Authenticate` header of the answer, for bearer transports. */
  readonly wwwAuthenticate: string | undefined;

  constructor(
    code: SessionErrorCode,
    status: number,
    message: string,
    options?: SessionErrorOptions,
  ) {
    super(code, message, options);
    this.status = status;
    this.wwwAuthenticate = options?.wwwAuthenticate;
  }
}
