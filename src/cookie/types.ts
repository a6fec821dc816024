/** The SameSite values a server can write, as RFC 6265bis spells them. */
export type SameSite = "Strict" | "Lax" | "None";

/** The Priority values Chromium understands. */
export type Priority = "Low" | "Medium" | "High";

/** A cookie as a server writes it with `Set-Cookie`: the input of `serializeSetCookie`. */
export interface SetCookieInit {
  /** An RFC 9110 token. Prefixes `__Secure-`, `__Host-`, `__Http-` and `__Host-Http-` add rules. */
  name: string;
  /** cookie-octets, optionally in double quotes. Encode anything else first (`encodeCookieValue`). */
  value: string;
  /** An absolute expiry, written as an IMF-fixdate (to the second). With `maxAge`, browsers use `maxAge`. */
  expires?: Date;
  /** Seconds until expiry; zero or less deletes the cookie. Browsers cap it at 400 days. */
  maxAge?: number;
  /** Widens the cookie to this domain and its subdomains. Leave it out for a host-only cookie. */
  domain?: string;
  /** The path prefix, by whole segments; must start with `/`. */
  path?: string;
  /** Sent only over HTTPS, and only settable from HTTPS. */
  secure?: boolean;
  /** Invisible to `document.cookie`. */
  httpOnly?: boolean;
  /** When cross-site requests carry the cookie. `None` requires `secure`. */
  sameSite?: SameSite | Lowercase<SameSite>;
  /** CHIPS: keyed by the top-level site as well. Requires `secure`. */
  partitioned?: boolean;
  /** Chromium's eviction priority. */
  priority?: Priority | Lowercase<Priority>;
}

/** One attribute of a Set-Cookie line, trimmed, as it was written. */
export interface CookieAttribute {
  readonly name: string;
  readonly value: string;
}

/** Why an attribute of a Set-Cookie line had no effect, or not the effect it seems to ask for. */
export type AttributeProblemReason =
  /** The value is over 1024 octets: RFC 6265bis 5.6 ignores the attribute. */
  | "value-too-long"
  /** Expires is not a cookie-date: the attribute is ignored. */
  | "expires-invalid"
  /** Max-Age is not an optionally negative integer: the attribute is ignored. */
  | "max-age-invalid"
  /** SameSite has a value other than Strict, Lax or None: the cookie gets the default mode. */
  | "samesite-unrecognized"
  /** Priority has a value other than Low, Medium or High. */
  | "priority-unrecognized";

/** An attribute that did not do what it seems to say, and why. */
export interface AttributeProblem extends CookieAttribute {
  readonly reason: AttributeProblemReason;
}

/**
 * A Set-Cookie line as a browser reads it (RFC 6265bis section 5.6). Where an attribute appears
 * more than once, the last valid one wins, as in the RFC's cookie-attribute-list.
 */
export interface ParsedSetCookie {
  readonly name: string;
  readonly value: string;
  /** The last valid Expires, as written: browsers cap it at 400 days from the time it is set. */
  readonly expires: Date | undefined;
  /** The last valid Max-Age in seconds, as written (zero or negative: expire now). */
  readonly maxAge: number | undefined;
  /**
   * The last Domain, leading dot dropped, lower-cased. `""` when the last Domain was empty,
   * which makes the cookie host-only.
   */
  readonly domain: string | undefined;
  /** The last Path if it starts with `/`; absent when the browser uses the default path. */
  readonly path: string | undefined;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly partitioned: boolean;
  /**
   * The enforcement of the last SameSite attribute. Absent means "Default": no SameSite, or an
   * unrecognized value (listed in `problems`).
   */
  readonly sameSite: SameSite | undefined;
  readonly priority: Priority | undefined;
  /** Attributes the RFC does not define, in order, for an auditor to report. */
  readonly extensions: readonly CookieAttribute[];
  /** Attributes that were ignored or did not mean what they seem to, with the reason. */
  readonly problems: readonly AttributeProblem[];
}

/** Why a browser ignores a whole Set-Cookie line. */
export type IgnoredReason =
  /** A control character other than HTAB (5.6 step 1). */
  | "control-character"
  /** Both the name and the value are empty (5.7 step 2). */
  | "empty-name-and-value"
  /** Name and value together are over 4096 octets (5.6 step 5). */
  | "name-value-too-long"
  /** The effective Domain holds a character outside US-ASCII (5.7 step 8). */
  | "domain-not-ascii";

/** What `parseSetCookie` returns: a cookie, or the reason a browser would ignore the line. */
export type SetCookieParseResult =
  | { readonly type: "cookie"; readonly cookie: ParsedSetCookie }
  | { readonly type: "ignored"; readonly reason: IgnoredReason; readonly message: string };
