import { SessionjarError } from "../errors.js";

/** Every code a {@link CookieError} can carry. */
export type CookieErrorCode =
  | "ERR_COOKIE_NAME_INVALID"
  | "ERR_COOKIE_VALUE_INVALID"
  | "ERR_COOKIE_TOO_LARGE"
  | "ERR_COOKIE_ATTRIBUTE_TOO_LONG"
  | "ERR_COOKIE_DOMAIN_INVALID"
  | "ERR_COOKIE_PATH_INVALID"
  | "ERR_COOKIE_MAX_AGE_INVALID"
  | "ERR_COOKIE_EXPIRES_INVALID"
  | "ERR_COOKIE_SAMESITE_INVALID"
  | "ERR_COOKIE_SAMESITE_NONE_INSECURE"
  | "ERR_COOKIE_PARTITIONED_INSECURE"
  | "ERR_COOKIE_PRIORITY_INVALID"
  | "ERR_COOKIE_PREFIX_SECURE"
  | "ERR_COOKIE_PREFIX_HOST"
  | "ERR_COOKIE_PREFIX_HTTP";

/**
 * Thrown by the cookie serializers when asked to write something a browser would reject, drop
 * or misread. `attribute` names the part of the cookie at fault (`"name"`, `"value"`,
 * `"domain"`, …).
 */
export class CookieError extends SessionjarError {
  declare readonly code: CookieErrorCode;
  readonly attribute: string;

  constructor(code: CookieErrorCode, attribute: string, message: string) {
    super(code, message);
    this.attribute = attribute;
  }
}
