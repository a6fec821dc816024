import type { RuleId, Severity } from "./catalogue.js";

/** One header as sent: name in any case, value as written. */
export type HeaderPair = readonly [name: string, value: string];

/**
 * Headers in any of the usual shapes: pairs in order (Set-Cookie once per cookie), a Web
 * `Headers` (its `getSetCookie()` keeps the cookies apart), or a record of values or lists
 * (Node's `res.getHeaders()`).
 */
export type HeaderInput =
  | readonly HeaderPair[]
  | Headers
  | Readonly<Record<string, string | number | readonly string[] | undefined>>;

/** A CORS probe the auditor sent, for findings about what the server echoed. */
export type CorsProbe =
  /** An origin on a random site. */
  | "random"
  /** `Origin: null` (sandboxed frames, local files, some redirects). */
  | "null"
  /** The site's host with another domain after it (`https://www.shop.test.evil.example`). */
  | "prefix"
  /** Another name ending with the site's host (`https://evilwww.shop.test`). */
  | "suffix"
  /** The site's own origin over `http:`. */
  | "http-downgrade";

/** One response to audit, with the request that got it when that is known. */
export interface AuditResponse {
  /** The URL that was requested. */
  readonly url: string;
  readonly status: number;
  /** Every response header; Set-Cookie once per cookie. */
  readonly headers: HeaderInput;
  readonly request?: {
    readonly method?: string;
    readonly headers?: HeaderInput;
    /** Set when the request was a CORS probe of `sessionjar audit --probe-cors`. */
    readonly probe?: CorsProbe;
  };
}

/** Options of the audit. */
export interface AuditOptions {
  /**
   * Names of the session cookies (case-sensitive, prefixes included). When given, only these
   * are session cookies; otherwise they are recognised by name and by the entropy of the value.
   */
  readonly sessionCookies?: readonly string[];
  /**
   * Show session cookie values only by their first four characters in evidence and fixes, so
   * that reports can go into CI logs. Default false; the command turns it on (`--show-values`
   * turns it off).
   */
  readonly redact?: boolean;
  /** The longest acceptable session cookie lifetime in seconds. Default 2592000 (30 days). */
  readonly maxLifetime?: number;
  /** The time the cookies are evaluated at, in ms since the epoch. Default `Date.now()`. */
  readonly now?: number;
  /**
   * Hosts known to send Strict-Transport-Security (from earlier responses of the same visit),
   * lower-case, with whether their policy includes subdomains.
   */
  readonly hsts?: ReadonlyMap<string, { readonly includeSubDomains: boolean }>;
}

/** One audit result: what rule fired, where, what was seen, why it matters and the fix. */
export interface Finding {
  readonly id: RuleId;
  readonly severity: Severity;
  /** The cookie's name, or undefined for a finding about the response (caching, CORS). */
  readonly cookie: string | undefined;
  /** The header the finding is about, lower-case (`set-cookie`, `cache-control`, …). */
  readonly header: string;
  /** The URL of the response. */
  readonly url: string;
  /** What was seen, quoted from the response. */
  readonly evidence: string;
  /** Why it matters, in one sentence. */
  readonly why: string;
  /** The corrected header, written out, or the change to make. */
  readonly fix: string;
  /** For a cookie: its Set-Cookie line with the fixes of all of its findings applied. */
  readonly corrected?: string;
}
