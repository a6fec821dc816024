import type { Priority } from "../cookie/index.js";

/** A stored cookie's SameSite enforcement; `Default` when the cookie had none (or an unknown value). */
export type SameSiteMode = "Strict" | "Lax" | "None" | "Default";

/** A cookie in the jar: the fields of RFC 6265bis 5.7, times in milliseconds since the epoch. */
export interface StoredCookie {
  readonly name: string;
  readonly value: string;
  /** The host (host-only cookies) or the Domain attribute's value, canonical. */
  readonly domain: string;
  readonly path: string;
  /** Sent only to `domain` itself, not to its subdomains (no Domain attribute). */
  readonly hostOnly: boolean;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: SameSiteMode;
  /** When it expires; `undefined` for a session cookie. */
  readonly expires: number | undefined;
  readonly creationTime: number;
  readonly lastAccessTime: number;
  /** CHIPS: the top-level site it is keyed by; `undefined` for an unpartitioned cookie. */
  readonly partitionKey: string | undefined;
  readonly priority: Priority;
}

/** Why a Set-Cookie was not stored. The parser's reasons come first, then the jar's. */
export type RejectionReason =
  | "control-character"
  | "empty-name-and-value"
  | "name-value-too-long"
  | "domain-not-ascii"
  | "domain-public-suffix"
  | "domain-mismatch"
  | "secure-from-insecure"
  | "http-only-from-script"
  | "shadows-secure"
  | "samesite-cross-site"
  | "samesite-none-insecure"
  | "partitioned-insecure"
  | "third-party-blocked"
  | "prefix-secure"
  | "prefix-host"
  | "prefix-http"
  | "nameless-prefix"
  | "overwrites-http-only";

/** What `setCookie` did with one Set-Cookie field. */
export type SetCookieResult =
  /** Stored; `replaced` when it took the place (and creation time) of a cookie with its name, domain and path. */
  | { readonly type: "stored"; readonly cookie: StoredCookie; readonly replaced: boolean }
  /** Already expired on arrival (Max-Age ≤ 0, Expires in the past): `removed` says whether it deleted a cookie. */
  | { readonly type: "deleted"; readonly name: string; readonly removed: boolean }
  /** Ignored, as a browser would, with the reason. */
  | { readonly type: "rejected"; readonly reason: RejectionReason; readonly message: string };

/** The checks of the retrieval algorithm (RFC 6265bis 5.8.3), in the order the jar makes them. */
export type CheckName =
  | "expiry"
  | "host"
  | "path"
  | "secure"
  | "http-only"
  | "same-site"
  | "partition"
  | "third-party";

/** Why a stored cookie is not sent with a request. */
export type ExclusionReason =
  | "expired"
  | "host-mismatch"
  | "domain-mismatch"
  | "path-mismatch"
  | "not-secure"
  | "http-only"
  | "same-site-strict"
  | "same-site-lax"
  | "same-site-default"
  | "partition-mismatch"
  | "third-party-blocked";
