import { SessionjarError } from "../errors.js";

/** Every code a {@link SessionError} can carry. */
export type SessionErrorCode =
  | "ERR_SESSION_OPTIONS_INVALID"
  | "ERR_SESSION_INSECURE_TRANSPORT"
  | "ERR_SESSION_STORE_UNAVAILABLE"
  | "ERR_SESSION_REQUIRED"
  | "ERR_SESSION_DATA_INVALID"
  | "ERR_SESSION_COMMITTED";

/**
 * Thrown by `sessionjar/session`. `status` is the HTTP status an adapter answers with when the
 * error reaches it: 503 when the store is down (fail closed), 401 when a route needs a session,
 * 400 for a request over plain HTTP that needs a Secure cookie; 500 only for programming errors
 * (invalid options, a change after commit).
 */
export class SessionError extends SessionjarError {
  declare readonly code: SessionErrorCode;
  readonly status: number;

  constructor(code: SessionErrorCode, status: number, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.status = status;
  }
}
