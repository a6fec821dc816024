import { SessionjarError } from "../errors.js";

/** Every code a {@link CorsError} can carry. */
export type CorsErrorCode =
  /** `origins: "*"` (or `"*"` among methods or headers) with `credentials: true`. */
  | "ERR_CORS_CREDENTIALS_WILDCARD"
  /** `origins: true`, or a home-made function, with `credentials: true`: any site could read as the user. */
  | "ERR_CORS_REFLECT_ANY_ORIGIN"
  /** An origin that is not written as browsers send it, a wildcard, or an empty list. */
  | "ERR_CORS_ORIGIN_INVALID"
  /** `"null"` as an allowed origin with `credentials: true`. */
  | "ERR_CORS_NULL_ORIGIN"
  /** A method that is not an upper-case token, or one browsers never send (CONNECT, TRACE, TRACK). */
  | "ERR_CORS_METHOD_INVALID"
  /** A header name that is not a token. */
  | "ERR_CORS_HEADER_INVALID"
  /** `maxAge` that is not a whole number of seconds, zero or more. */
  | "ERR_CORS_MAX_AGE_INVALID"
  /** `maxAge` above 7200 seconds (2 hours). */
  | "ERR_CORS_MAX_AGE_TOO_LONG"
  /** Options that are not an object, or a callback that is not a function. */
  | "ERR_CORS_OPTIONS_INVALID"
  /** `explainCors` was given a URL or origin it cannot read. */
  | "ERR_CORS_EXPLAIN_INPUT_INVALID";

/**
 * Thrown by `sessionjar/cors` when a policy is configured in a way that would expose users'
 * data or not work in browsers. Always at construction, never per request: `decide()` does not
 * throw.
 */
export class CorsError extends SessionjarError {
  declare readonly code: CorsErrorCode;

  constructor(code: CorsErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
