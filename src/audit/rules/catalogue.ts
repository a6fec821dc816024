/** How much a finding matters: `high` is exploitable or breaks sessions, `info` is a note. */
export type Severity = "high" | "medium" | "low" | "info";

/** Severities from the most to the least serious. */
export const SEVERITIES: readonly Severity[] = Object.freeze(["high", "medium", "low", "info"]);

/** Every rule's stable id. Ids are never renamed; new rules only add to the list. */
export type RuleId =
  | "session-no-secure"
  | "cookie-no-secure"
  | "session-no-httponly"
  | "cookie-no-httponly"
  | "samesite-missing"
  | "samesite-invalid"
  | "samesite-none"
  | "samesite-none-insecure"
  | "prefix-violation"
  | "host-prefix-missing"
  | "loose-domain"
  | "path-not-root"
  | "secure-over-http"
  | "long-lifetime"
  | "cookie-too-large"
  | "low-entropy-id"
  | "set-cookie-cacheable"
  | "set-cookie-public-cache"
  | "id-in-url"
  | "cors-wildcard-credentials"
  | "cors-reflect-credentials"
  | "cors-reflect"
  | "cors-no-vary"
  | "csrf-cookie-not-host"
  | "cookie-ignored"
  | "domain-mismatch"
  | "partitioned-no-secure"
  | "attribute-invalid"
  | "attribute-unknown"
  | "lifetime-capped"
  | "hsts-missing"
  | "cookie-duplicate";

/** What the catalogue says about one rule: for reports, docs and the page. */
export interface RuleInfo {
  readonly id: RuleId;
  /** The usual severity; the notes say when a finding is raised or lowered. */
  readonly severity: Severity;
  /** The finding in a few words. */
  readonly title: string;
  /** Why it matters, in one sentence. */
  readonly why: string;
  /** When the severity differs from the usual one. */
  readonly notes?: string;
}

function rule(
  id: RuleId,
  severity: Severity,
  title: string,
  why: string,
  notes?: string,
): RuleInfo {
  return Object.freeze(
    notes === undefined ? { id, severity, title, why } : { id, severity, title, why, notes },
  );
}

/** Every rule, in the order reports list them. */
export const RULES: Readonly<Record<RuleId, RuleInfo>> = Object.freeze({
  "session-no-secure": rule(
    "session-no-secure",
    "high",
    "a session cookie without Secure",
    "Without Secure the browser also sends the session cookie over plain http, where anyone on the network can read it and take over the session.",
  ),
  "cookie-no-secure": rule(
    "cookie-no-secure",
    "medium",
    "a cookie without Secure on an HTTPS response",
    "A cookie without Secure is sent over plain http too, where it can be read, and a network attacker can overwrite it from http.",
    "low when HSTS (with includeSubDomains for a Domain cookie) keeps the browser off http",
  ),
  "session-no-httponly": rule(
    "session-no-httponly",
    "medium",
    "a session cookie without HttpOnly",
    "Without HttpOnly any script on the page, an injected one included, can read the session token and send it away.",
  ),
  "cookie-no-httponly": rule(
    "cookie-no-httponly",
    "low",
    "a cookie without HttpOnly",
    "Scripts can read a cookie without HttpOnly; only cookies that a script must read (a double-submit CSRF cookie) need that.",
  ),
  "samesite-missing": rule(
    "samesite-missing",
    "medium",
    "no SameSite attribute",
    "Without SameSite the browser's default decides: Chromium treats it as Lax (and still sends it on cross-site POSTs in the first two minutes), other browsers may send it on every cross-site request.",
    "low for a cookie that is not a session cookie",
  ),
  "samesite-invalid": rule(
    "samesite-invalid",
    "medium",
    "an empty or unknown SameSite value",
    "Browsers ignore a SameSite value other than Strict, Lax or None, so the cookie gets the browser's default instead of what was meant.",
    "low for a cookie that is not a session cookie",
  ),
  "samesite-none": rule(
    "samesite-none",
    "medium",
    "SameSite=None",
    "SameSite=None sends the cookie on every cross-site request, forms and fetches from any site included, which leaves only other defences against CSRF.",
    "low for a cookie that is not a session cookie",
  ),
  "samesite-none-insecure": rule(
    "samesite-none-insecure",
    "high",
    "SameSite=None without Secure",
    "Browsers refuse a SameSite=None cookie without Secure, so the cookie is never stored.",
    "medium for a cookie that is not a session cookie",
  ),
  "prefix-violation": rule(
    "prefix-violation",
    "high",
    "a cookie prefix whose rules are broken",
    "Browsers refuse a __Host- cookie with Domain, a Path other than / or without Secure, a __Secure- cookie without Secure, and an __Http- cookie without HttpOnly: the cookie is never stored (nor deleted).",
  ),
  "host-prefix-missing": rule(
    "host-prefix-missing",
    "low",
    "a session cookie without the __Host- prefix",
    "Only a __Host- name makes the browser refuse a copy of the cookie planted by a sibling subdomain or over http (cookie tossing, session fixation).",
  ),
  "loose-domain": rule(
    "loose-domain",
    "medium",
    "a Domain attribute that shares the cookie with sibling hosts",
    "A Domain attribute sends the cookie to every host under that domain, so any sibling host (a blog, a staging server, a user-content host) receives it and can overwrite it.",
    "low for a cookie that is not a session cookie",
  ),
  "path-not-root": rule(
    "path-not-root",
    "low",
    "a session cookie scoped to a Path other than /",
    "Path is not a security boundary (any page of the origin can read or shadow the cookie), and a narrower path leaves the session missing from other pages or duplicated under two paths.",
  ),
  "secure-over-http": rule(
    "secure-over-http",
    "medium",
    "a Secure cookie set by an http:// response",
    "Browsers refuse a Secure cookie that arrives over plain http, so the cookie is never stored.",
    "info on http://localhost, where Chromium and Firefox accept it and Safari does not",
  ),
  "long-lifetime": rule(
    "long-lifetime",
    "medium",
    "a session cookie living longer than the limit",
    "A long-lived session cookie keeps a stolen or forgotten session usable for longer than the server's own timeouts need.",
  ),
  "cookie-too-large": rule(
    "cookie-too-large",
    "medium",
    "name and value over 4096 bytes",
    "Browsers drop a cookie whose name and value are over 4096 bytes: the whole Set-Cookie is ignored.",
  ),
  "low-entropy-id": rule(
    "low-entropy-id",
    "high",
    "a session id with under 128 bits of randomness",
    "A session id with too little randomness can be guessed by trying values, which takes over someone else's session.",
    "medium between 64 and 128 bits (a UUID v4 has 122)",
  ),
  "set-cookie-cacheable": rule(
    "set-cookie-cacheable",
    "medium",
    "a response that sets a cookie without Cache-Control: no-store or private",
    "A cache may store the response with its Set-Cookie and hand the same cookie, a session included, to other users.",
    "low when no session cookie is set",
  ),
  "set-cookie-public-cache": rule(
    "set-cookie-public-cache",
    "high",
    "a response that sets a cookie and is marked public or has s-maxage",
    "public or s-maxage tells shared caches and CDNs to store the response, Set-Cookie included, and serve it to everyone.",
    "medium when no session cookie is set",
  ),
  "id-in-url": rule(
    "id-in-url",
    "high",
    "a session id in a URL or a Location header",
    "A session id in a URL leaks through Referer headers, browser history, logs and shared links, and lets an attacker fix a victim's session.",
  ),
  "cors-wildcard-credentials": rule(
    "cors-wildcard-credentials",
    "medium",
    "Access-Control-Allow-Origin: * with credentials",
    "Browsers refuse credentialed responses with a * origin, so the intended sharing does not work, and the header shows the server means to let any site read as the user.",
  ),
  "cors-reflect-credentials": rule(
    "cors-reflect-credentials",
    "high",
    "an arbitrary, null or look-alike origin echoed with credentials",
    "A server that echoes such an origin with Access-Control-Allow-Credentials: true lets any site (or a sandboxed frame, or a look-alike domain) read its responses as the signed-in user.",
    "medium when only the http: downgrade of the site's own origin is echoed (a network attacker can then read)",
  ),
  "cors-reflect": rule(
    "cors-reflect",
    "low",
    "an arbitrary, null or look-alike origin echoed without credentials",
    "Any site can read the response; harmless for public data, a leak for anything the network position grants (an intranet, an IP allowlist).",
  ),
  "cors-no-vary": rule(
    "cors-no-vary",
    "medium",
    "an origin-dependent Access-Control-Allow-Origin without Vary: Origin",
    "Without Vary: Origin a cache can serve one origin's grant to another origin, or a response without a grant to the allowed one.",
    "low without credentials",
  ),
  "csrf-cookie-not-host": rule(
    "csrf-cookie-not-host",
    "medium",
    "a CSRF cookie without the __Host- prefix",
    "A sibling subdomain or a network attacker over http can plant their own CSRF cookie (cookie tossing) and then forge requests with the matching token.",
  ),
  "cookie-ignored": rule(
    "cookie-ignored",
    "medium",
    "a Set-Cookie line the browser ignores",
    "A control character, an empty name and value, or a non-ASCII Domain makes the browser ignore the whole line.",
  ),
  "domain-mismatch": rule(
    "domain-mismatch",
    "medium",
    "a Domain that does not cover the host, or is a public suffix",
    "Browsers refuse a cookie whose Domain the host that set it does not belong to, or which is a public suffix such as co.uk or github.io.",
  ),
  "partitioned-no-secure": rule(
    "partitioned-no-secure",
    "medium",
    "Partitioned without Secure",
    "Browsers refuse a Partitioned cookie without Secure.",
  ),
  "attribute-invalid": rule(
    "attribute-invalid",
    "low",
    "an attribute the browser ignores",
    "An invalid Expires or Max-Age, or an attribute value over 1024 bytes, is ignored, so the cookie lives or is scoped differently than it says.",
  ),
  "attribute-unknown": rule(
    "attribute-unknown",
    "info",
    "an attribute browsers do not know",
    "Browsers ignore attributes they do not know: a misspelt one (HttpOnl, Samesite=Lax without the =) does nothing.",
  ),
  "lifetime-capped": rule(
    "lifetime-capped",
    "info",
    "an Expires or Max-Age beyond 400 days",
    "Browsers cap a cookie's lifetime at 400 days, so a longer one expires earlier than it says.",
  ),
  "hsts-missing": rule(
    "hsts-missing",
    "info",
    "a session cookie set over HTTPS without Strict-Transport-Security",
    "Without HSTS the browser may still make a first request over plain http, where a network attacker can redirect it and plant or overwrite cookies.",
  ),
  "cookie-duplicate": rule(
    "cookie-duplicate",
    "low",
    "one response sets two cookies of the same name for different domains or paths",
    "The browser keeps both and sends both, in an order the server cannot rely on, so the application may read the stale or the planted one.",
    "medium for a session cookie",
  ),
});
