import type { SameSiteStatus } from "./context.js";
import { CHECKS, type Retrieval } from "./match.js";
import { EXCLUSION_MESSAGES } from "./reasons.js";
import type { CheckName, ExclusionReason, StoredCookie } from "./types.js";

/** One check of the retrieval algorithm on one cookie. */
export interface CookieCheck {
  readonly check: CheckName;
  readonly pass: boolean;
  /** Set when the check failed. */
  readonly reason?: ExclusionReason;
  /** What the check looked at and what it found, in plain words. */
  readonly message: string;
}

/** The fate of one stored cookie on one request. */
export interface CookieVerdict {
  readonly cookie: StoredCookie;
  readonly sent: boolean;
  /** Every check, in order, passed or not. */
  readonly checks: readonly CookieCheck[];
  /** The failed checks' reasons (empty when sent). */
  readonly reasons: readonly ExclusionReason[];
}

/** What `CookieJar.explain` returns: a stable, typed structure. */
export interface JarExplanation {
  readonly url: string;
  /** The jar's decision about the request's context, with why. */
  readonly sameSite: { readonly status: SameSiteStatus; readonly why: string };
  readonly secure: boolean;
  /** The Cookie header sent (`""`: none), or the `document.cookie` string for `api: "script"`. */
  readonly header: string;
  /** Every stored cookie, the sent ones first in the order they are sent. */
  readonly cookies: readonly CookieVerdict[];
}

function passed(check: CheckName, c: StoredCookie, r: Retrieval): string {
  switch (check) {
    case "expiry":
      return c.expires === undefined
        ? "a session cookie: it lives until the browser session ends"
        : `expires ${new Date(c.expires).toISOString()}, after the request`;
    case "host":
      return c.hostOnly
        ? `host-only cookie of ${c.domain}, the request's host`
        : `${r.host} is within the cookie's domain ${c.domain}`;
    case "path":
      return `${r.path} is within the cookie's path ${c.path}`;
    case "secure":
      return c.secure
        ? "secure-only cookie on a secure request"
        : "not secure-only: sent over http and https";
    case "http-only":
      return r.context.api === "script"
        ? "not HttpOnly: visible to script"
        : c.httpOnly
          ? "HttpOnly: sent with HTTP requests, hidden from script"
          : "an HTTP request: HttpOnly does not matter";
    case "same-site":
      return r.context.status === "same-site"
        ? `SameSite=${c.sameSite} on a same-site request`
        : `SameSite=${c.sameSite} allows this request (${r.context.why})`;
    case "partition":
      return c.partitionKey === undefined
        ? "not partitioned"
        : `partitioned under ${c.partitionKey}, the top-level site`;
    case "third-party":
      return r.context.thirdParty
        ? "a third-party request, allowed in this profile"
        : "a first-party request";
  }
}

function failed(reason: ExclusionReason, c: StoredCookie, r: Retrieval): string {
  const base = EXCLUSION_MESSAGES[reason];
  switch (reason) {
    case "host-mismatch":
      return `${base}: it belongs to ${c.domain}, the request goes to ${r.host}`;
    case "domain-mismatch":
      return `${base}: ${r.host} is not ${c.domain} or one of its subdomains`;
    case "path-mismatch":
      return `${base}: ${r.path} is not ${c.path} or below it`;
    case "same-site-strict":
    case "same-site-lax":
    case "same-site-default":
      return `${base}: ${r.context.why}`;
    case "expired":
      return `${base} (${new Date(c.expires ?? 0).toISOString()})`;
    default:
      return base;
  }
}

/** @internal Every check on one cookie. */
export function verdictOf(c: StoredCookie, r: Retrieval): CookieVerdict {
  const checks: CookieCheck[] = [];
  const reasons: ExclusionReason[] = [];
  for (const [check, run] of CHECKS) {
    const reason = run(c, r);
    if (reason === undefined) checks.push({ check, pass: true, message: passed(check, c, r) });
    else {
      reasons.push(reason);
      checks.push({ check, pass: false, reason, message: failed(reason, c, r) });
    }
  }
  return { cookie: c, sent: reasons.length === 0, checks, reasons };
}

/** An explanation as text: one block per cookie, check by check. */
export function formatJarExplanation(e: JarExplanation): string {
  const lines = [
    `${e.url}: ${e.sameSite.status} (${e.sameSite.why}), ${e.secure ? "secure" : "not secure"}`,
    `Cookie: ${e.header === "" ? "(none)" : e.header}`,
  ];
  if (e.cookies.length === 0) lines.push("", "The jar holds no cookie.");
  for (const v of e.cookies) {
    const c = v.cookie;
    lines.push(
      "",
      `${v.sent ? "sent" : "not sent"}: ${c.name === "" ? "(nameless)" : c.name} (domain ${c.domain}, path ${c.path})`,
    );
    for (const k of v.checks) lines.push(`  ${k.pass ? "ok  " : "FAIL"} ${k.check}: ${k.message}`);
  }
  return `${lines.join("\n")}\n`;
}
