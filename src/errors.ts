/**
 * The one base class of every error sessionjar throws.
 *
 * Programs match on `code`, which never changes between versions; people read `message`, which
 * says what is wrong and what to do about it.
 *
 * ```ts
 * try {
 *   serializeSetCookie({ name: "__Host-sid", value, domain: "example.com" });
 * } catch (err) {
 *   if (err instanceof SessionjarError && err.code === "ERR_COOKIE_PREFIX_HOST") { … }
 * }
 * ```
 */
export class SessionjarError extends Error {
  /** A stable, machine-readable identifier such as `ERR_COOKIE_VALUE_INVALID`. */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
