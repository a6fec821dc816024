import type { ExclusionReason, RejectionReason } from "./types.js";

/** Why a Set-Cookie is ignored, in plain words, with what to change. */
export const REJECTION_MESSAGES: Readonly<Record<RejectionReason, string>> = {
  "control-character":
    "the line holds a control character (other than tab): the whole Set-Cookie is ignored",
  "empty-name-and-value": "the cookie has neither a name nor a value",
  "name-value-too-long": "name and value together are over 4096 bytes",
  "domain-not-ascii": "the Domain attribute is not ASCII: write it in punycode (xn--…)",
  "domain-public-suffix":
    "Domain is a public suffix (like com or github.io): no cookie may be shared with a whole suffix",
  "domain-mismatch":
    "Domain does not cover the host that set it: a site may only set cookies for itself and its parent domains",
  "secure-from-insecure": "a Secure cookie can only be set from an https page",
  "http-only-from-script": "document.cookie cannot write an HttpOnly cookie",
  "shadows-secure":
    "an http page may not set a cookie with the name of a Secure cookie of an overlapping domain and path",
  "samesite-cross-site":
    "a cookie without SameSite=None set by a cross-site request (not a top-level navigation) is ignored",
  "samesite-none-insecure": "SameSite=None needs Secure",
  "partitioned-insecure": "Partitioned needs Secure",
  "third-party-blocked":
    "third-party cookies are blocked in this profile: add Partitioned (and Secure) to keep a cookie per top-level site",
  "prefix-secure": "a __Secure- cookie needs the Secure attribute (and an https page)",
  "prefix-host": "a __Host- cookie needs Secure, Path=/ and no Domain",
  "prefix-http":
    "a __Http- cookie needs Secure and HttpOnly, set over HTTP (not by document.cookie)",
  "nameless-prefix":
    "a cookie without a name may not have a value that starts with __Secure-, __Host- or __Http-",
  "overwrites-http-only": "document.cookie cannot overwrite an HttpOnly cookie",
};

/** Why a stored cookie is not sent, in plain words (the exact strings of the replay format). */
export const EXCLUSION_MESSAGES: Readonly<Record<ExclusionReason, string>> = {
  expired: "the cookie has expired",
  "host-mismatch": "host-only cookie of another host",
  "domain-mismatch": "the request's host is not within the cookie's domain",
  "path-mismatch": "the request's path is not within the cookie's path",
  "not-secure": "secure-only cookie on a non-secure request",
  "http-only": "HttpOnly cookie, invisible to script",
  "same-site-strict": "SameSite=Strict cookie on a cross-site request",
  "same-site-lax":
    "SameSite=Lax cookie on a cross-site request that is not a top-level navigation with a safe method",
  "same-site-default":
    "cookie without SameSite (treated as Lax) on a cross-site request that is not a top-level navigation with a safe method",
  "partition-mismatch": "partitioned cookie of another top-level site",
  "third-party-blocked": "third-party cookies are blocked in this profile",
};
