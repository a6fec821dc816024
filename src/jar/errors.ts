import { SessionjarError } from "../errors.js";

/** Every code a {@link JarError} can carry. */
export type JarErrorCode =
  /** A URL that is not absolute http(s) or ws(s). */
  | "ERR_JAR_URL_INVALID"
  /** A request context with a field of the wrong type or an origin that is not an origin. */
  | "ERR_JAR_CONTEXT_INVALID"
  /** An unknown profile name, or a profile option of the wrong type. */
  | "ERR_JAR_PROFILE_INVALID"
  /** `fromJSON` was given something `toJSON` did not write. */
  | "ERR_JAR_JSON_INVALID"
  /** A scenario file that breaks the jar-scenario/1 format. */
  | "ERR_JAR_SCENARIO_INVALID"
  /** A redirect loop or more redirects than `maxRedirects` in `withCookieJar`. */
  | "ERR_JAR_TOO_MANY_REDIRECTS";

/**
 * Thrown by `sessionjar/jar` for a programming error: a URL or context that cannot be a
 * browser's, a profile that does not exist, a persisted jar or scenario that cannot be read.
 * A Set-Cookie a browser would ignore is never thrown: `setCookie` returns why.
 */
export class JarError extends SessionjarError {
  declare readonly code: JarErrorCode;

  constructor(code: JarErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
