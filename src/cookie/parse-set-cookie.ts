import { CTL_EXCEPT_HTAB, exceedsOctets, isWsp } from "./chars.js";
import { cookieDateToMillis } from "./parse-cookie-date.js";
import type {
  AttributeProblem,
  AttributeProblemReason,
  CookieAttribute,
  IgnoredReason,
  ParsedSetCookie,
  Priority,
  SameSite,
  SetCookieParseResult,
} from "./types.js";

const NONE: readonly never[] = Object.freeze([]);
const NON_ASCII = /[^\x00-\x7f]/;

const IGNORED_MESSAGES: Record<IgnoredReason, string> = {
  "control-character":
    "the line holds a control character (other than tab): browsers ignore the whole Set-Cookie",
  "empty-name-and-value": "the cookie has neither a name nor a value: browsers ignore it",
  "name-value-too-long":
    "name and value together are over 4096 octets: browsers ignore the whole Set-Cookie",
  "domain-not-ascii":
    "the Domain attribute holds a non-ASCII character: browsers ignore the cookie; write the domain in punycode (xn--…)",
};

function ignored(reason: IgnoredReason): SetCookieParseResult {
  return { type: "ignored", reason, message: IGNORED_MESSAGES[reason] };
}

/** Appends one problem, creating the list on the first one (most lines have none). */
function problem(
  list: AttributeProblem[] | undefined,
  name: string,
  value: string,
  reason: AttributeProblemReason,
): AttributeProblem[] {
  const out = list ?? [];
  out.push({ name, value, reason });
  return out;
}

/** Case-insensitive comparison of s[start, end) with `lower`, an all-lower-case ASCII word. */
function matches(s: string, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = s.charCodeAt(start + i);
    const l = lower.charCodeAt(i);
    // Letters compare with the case bit set; any other character must be identical.
    if (c !== l && !(c >= 0x41 && c <= 0x5a && (c | 0x20) === l)) return false;
  }
  return true;
}

function sameSiteOf(v: string): SameSite | undefined {
  if (matches(v, 0, v.length, "lax")) return "Lax";
  if (matches(v, 0, v.length, "strict")) return "Strict";
  if (matches(v, 0, v.length, "none")) return "None";
  return undefined;
}

function priorityOf(v: string): Priority | undefined {
  if (matches(v, 0, v.length, "medium")) return "Medium";
  if (matches(v, 0, v.length, "high")) return "High";
  if (matches(v, 0, v.length, "low")) return "Low";
  return undefined;
}

/** Max-Age: an optional "-" then DIGITs only (5.6.2). NaN when it is not. */
function maxAgeOf(v: string): number {
  const negative = v.charCodeAt(0) === 0x2d;
  const start = negative ? 1 : 0;
  if (start === v.length) return Number.NaN;
  // The digits are read as they are checked; up to 15 of them the sum is exact.
  let n = 0;
  for (let i = start; i < v.length; i++) {
    const d = v.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  if (v.length - start > 15) n = Math.abs(Number(v));
  return negative && n !== 0 ? -n : n; // no -0
}

/**
 * Parses one Set-Cookie field value the way a browser does: the algorithm of RFC 6265bis
 * section 5.6 (latest draft), plus the checks of its storage model that depend on the line
 * alone. Never throws.
 *
 * Returns `{ type: "cookie", cookie }`, or `{ type: "ignored", reason, message }` for a line a
 * browser would drop whole (a control character, an empty name and value, name and value over
 * 4096 octets, a non-ASCII Domain). Attributes that are ignored or unrecognized are kept in
 * `cookie.problems` and `cookie.extensions` so that an auditor can report them.
 *
 * What needs the request (default path, domain matching, the 400-day cap, prefixes) is the
 * jar's work, not the parser's.
 *
 * ```ts
 * const r = parseSetCookie("sid=abc; Path=/; Secure; HttpOnly; SameSite=Lax");
 * if (r.type === "cookie") r.cookie.sameSite; // "Lax"
 * ```
 */
export function parseSetCookie(input: string): SetCookieParseResult {
  const s = typeof input === "string" ? input : "";
  if (CTL_EXCEPT_HTAB.test(s)) return ignored("control-character");
  const len = s.length;

  let semi = s.indexOf(";");
  if (semi === -1) semi = len;
  // The next "=" at or after a position; refreshed only when passed, so the scan stays linear
  // however many attributes a line has.
  let nextEq = s.indexOf("=");
  if (nextEq === -1) nextEq = len;

  let name = "";
  let value: string;
  if (nextEq >= semi) {
    value = slice(s, 0, semi);
  } else {
    name = slice(s, 0, nextEq);
    value = slice(s, nextEq + 1, semi);
  }
  const nameValueLength = name.length + value.length;
  if (nameValueLength === 0) return ignored("empty-name-and-value");
  if (nameValueLength > 1365 && exceedsOctets(name + value, 4096)) {
    return ignored("name-value-too-long");
  }

  let expires: Date | undefined;
  let maxAge: number | undefined;
  let domain: string | undefined;
  let path: string | undefined;
  let secure = false;
  let httpOnly = false;
  let partitioned = false;
  let sameSite: SameSite | undefined;
  let priority: Priority | undefined;
  let extensions: CookieAttribute[] | undefined;
  let problems: AttributeProblem[] | undefined;

  let pos = semi;
  while (pos < len) {
    const start = pos + 1;
    let end = s.indexOf(";", start);
    if (end === -1) end = len;
    pos = end;
    if (nextEq < start) {
      nextEq = s.indexOf("=", start);
      if (nextEq === -1) nextEq = len;
    }
    const nameEnd = Math.min(nextEq, end);
    let ns = start;
    let ne = nameEnd;
    while (ns < ne && isWsp(s.charCodeAt(ns))) ns++;
    while (ne > ns && isWsp(s.charCodeAt(ne - 1))) ne--;
    const v = nextEq < end ? slice(s, nextEq + 1, end) : "";
    if (v.length > 341 && exceedsOctets(v, 1024)) {
      problems = problem(problems, s.slice(ns, ne), v, "value-too-long");
      continue;
    }

    switch (ne - ns) {
      case 4:
        if (matches(s, ns, ne, "path")) {
          path = v.charCodeAt(0) === 0x2f ? v : undefined;
          continue;
        }
        break;
      case 6:
        if (matches(s, ns, ne, "secure")) {
          secure = true;
          continue;
        }
        if (matches(s, ns, ne, "domain")) {
          const d = v.charCodeAt(0) === 0x2e ? v.slice(1) : v;
          domain = d.toLowerCase();
          continue;
        }
        break;
      case 7:
        if (matches(s, ns, ne, "expires")) {
          const ms = cookieDateToMillis(v);
          if (Number.isNaN(ms)) problems = problem(problems, s.slice(ns, ne), v, "expires-invalid");
          else expires = new Date(ms);
          continue;
        }
        if (matches(s, ns, ne, "max-age")) {
          const n = maxAgeOf(v);
          if (Number.isNaN(n)) problems = problem(problems, s.slice(ns, ne), v, "max-age-invalid");
          else maxAge = n;
          continue;
        }
        break;
      case 8:
        if (matches(s, ns, ne, "httponly")) {
          httpOnly = true;
          continue;
        }
        if (matches(s, ns, ne, "samesite")) {
          sameSite = sameSiteOf(v);
          if (sameSite === undefined) {
            problems = problem(problems, s.slice(ns, ne), v, "samesite-unrecognized");
          }
          continue;
        }
        if (matches(s, ns, ne, "priority")) {
          priority = priorityOf(v);
          if (priority === undefined) {
            problems = problem(problems, s.slice(ns, ne), v, "priority-unrecognized");
          }
          continue;
        }
        break;
      case 11:
        if (matches(s, ns, ne, "partitioned")) {
          partitioned = true;
          continue;
        }
        break;
    }
    if (ne > ns || v !== "") {
      if (extensions === undefined) extensions = [];
      extensions.push({ name: s.slice(ns, ne), value: v });
    }
  }

  if (domain !== undefined && NON_ASCII.test(domain)) return ignored("domain-not-ascii");

  const cookie: ParsedSetCookie = {
    name,
    value,
    expires,
    maxAge,
    domain,
    path,
    secure,
    httpOnly,
    partitioned,
    sameSite,
    priority,
    extensions: extensions ?? NONE,
    problems: problems ?? NONE,
  };
  return { type: "cookie", cookie };
}

/** s[start, end) without leading and trailing WSP. */
function slice(s: string, start: number, end: number): string {
  let a = start;
  let b = end;
  while (a < b && isWsp(s.charCodeAt(a))) a++;
  while (b > a && isWsp(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}
