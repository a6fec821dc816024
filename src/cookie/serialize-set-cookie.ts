import { exceedsOctets, isCookieValue, isToken } from "./chars.js";
import { CookieError } from "./errors.js";
import type { SetCookieInit } from "./types.js";

// RFC 1034 labels, as RFC 1123 relaxed them: letters, digits and inner hyphens, 63 at most.
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
// path-value = <any CHAR except CTLs or ";">
const PATH = /^[\x20-\x3a\x3c-\x7e]*$/;
const MAX_ATTRIBUTE = 1024;
const MAX_NAME_VALUE = 4096;
const MIN_YEAR = Date.UTC(1601, 0, 1);
const MAX_YEAR = Date.UTC(10000, 0, 1);

function fail(code: CookieError["code"], attribute: string, message: string): never {
  throw new CookieError(code, attribute, message);
}

/** The prefix rules of RFC 6265bis 4.1.3 and of `__Http-`, matched case-insensitively. */
function checkPrefix(c: SetCookieInit): void {
  const n = c.name;
  if (n.charCodeAt(0) !== 0x5f || n.charCodeAt(1) !== 0x5f) return;
  const lower = n.slice(0, 14).toLowerCase();
  const host = lower.startsWith("__host-");
  const http = lower.startsWith("__http-") || lower.startsWith("__host-http-");
  if (lower.startsWith("__secure-") && c.secure !== true) {
    fail(
      "ERR_COOKIE_PREFIX_SECURE",
      "secure",
      `cookie "${n}" has the __Secure- prefix, which browsers accept only with Secure: add secure: true`,
    );
  }
  if (host) {
    if (c.secure !== true) {
      fail(
        "ERR_COOKIE_PREFIX_HOST",
        "secure",
        `cookie "${n}" has the __Host- prefix, which browsers accept only with Secure: add secure: true`,
      );
    }
    if (c.domain !== undefined) {
      fail(
        "ERR_COOKIE_PREFIX_HOST",
        "domain",
        `cookie "${n}" has the __Host- prefix, which browsers accept only without Domain: remove domain (the cookie is then sent to this host alone), or drop the prefix to share it with subdomains`,
      );
    }
    if (c.path !== "/") {
      fail(
        "ERR_COOKIE_PREFIX_HOST",
        "path",
        `cookie "${n}" has the __Host- prefix, which browsers accept only with Path=/: set path: "/"`,
      );
    }
  }
  if (http && (c.secure !== true || c.httpOnly !== true)) {
    fail(
      "ERR_COOKIE_PREFIX_HTTP",
      c.secure !== true ? "secure" : "httpOnly",
      `cookie "${n}" has an __Http- prefix, which browsers accept only with Secure and HttpOnly: add secure: true and httpOnly: true`,
    );
  }
}

/**
 * Writes one `Set-Cookie` field value. Strict: it throws a {@link CookieError} for anything a
 * browser would reject, ignore or read differently than written, with a message that says how
 * to fix it:
 *
 * - a name that is not an RFC 9110 token, a value that is not cookie-octets (CR, LF, `;`,
 *   controls, spaces, commas, quotes inside, non-ASCII: use `encodeCookieValue`);
 * - name and value over 4096 octets, a Domain or Path over 1024;
 * - `SameSite=None` or `Partitioned` without `Secure`;
 * - a `__Secure-`, `__Host-`, `__Http-` or `__Host-Http-` name without what the prefix requires;
 * - a Max-Age that is not an integer, an Expires that is not a valid date in years 1601–9999;
 * - a Domain that is not a host name (or has a leading dot), a Path that does not start with `/`.
 *
 * Nothing is added that was not asked for: the safe defaults live in `sessionjar/session`.
 * Expires is written as an IMF-fixdate.
 *
 * ```ts
 * serializeSetCookie({ name: "__Host-sid", value: token, path: "/", secure: true,
 *   httpOnly: true, sameSite: "Lax", maxAge: 3600 });
 * // "__Host-sid=…; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=Lax"
 * ```
 */
export function serializeSetCookie(cookie: SetCookieInit): string {
  const { name, value } = cookie;
  if (typeof name !== "string" || !isToken(name)) {
    fail(
      "ERR_COOKIE_NAME_INVALID",
      "name",
      `cookie name ${JSON.stringify(name)} is not a token: use letters, digits and !#$%&'*+-.^_\`|~ only`,
    );
  }
  if (typeof value !== "string" || !isCookieValue(value)) {
    fail(
      "ERR_COOKIE_VALUE_INVALID",
      "value",
      `value of cookie "${name}" holds characters a cookie cannot carry (controls, space, '"', ',', ';', '\\' or non-ASCII): encode it first, e.g. with encodeCookieValue()`,
    );
  }
  if (name.length + value.length > MAX_NAME_VALUE) {
    fail(
      "ERR_COOKIE_TOO_LARGE",
      "value",
      `cookie "${name}" is ${name.length + value.length} octets of name and value; browsers ignore cookies over ${MAX_NAME_VALUE}: store the data on the server and keep an identifier in the cookie`,
    );
  }
  checkPrefix(cookie);

  let out = `${name}=${value}`;
  const { maxAge, domain, path, expires, sameSite, priority } = cookie;
  if (maxAge !== undefined) {
    if (!Number.isSafeInteger(maxAge)) {
      fail(
        "ERR_COOKIE_MAX_AGE_INVALID",
        "maxAge",
        `maxAge of cookie "${name}" is ${String(maxAge)}; it must be a whole number of seconds`,
      );
    }
    out += `; Max-Age=${maxAge}`;
  }
  if (domain !== undefined) {
    if (typeof domain === "string" && exceedsOctets(domain, MAX_ATTRIBUTE)) {
      fail(
        "ERR_COOKIE_ATTRIBUTE_TOO_LONG",
        "domain",
        `domain of cookie "${name}" is over ${MAX_ATTRIBUTE} octets: browsers ignore such an attribute`,
      );
    }
    if (typeof domain !== "string" || domain.length > 253 || !DOMAIN.test(domain)) {
      const hint =
        typeof domain === "string" && domain.startsWith(".")
          ? "drop the leading dot: a Domain cookie is sent to subdomains anyway"
          : "use a host name such as example.com (punycode for international names), or leave domain out for a host-only cookie";
      fail(
        "ERR_COOKIE_DOMAIN_INVALID",
        "domain",
        `domain ${JSON.stringify(domain)} of cookie "${name}" is invalid: ${hint}`,
      );
    }
    out += `; Domain=${domain}`;
  }
  if (path !== undefined) {
    if (typeof path === "string" && exceedsOctets(path, MAX_ATTRIBUTE)) {
      fail(
        "ERR_COOKIE_ATTRIBUTE_TOO_LONG",
        "path",
        `path of cookie "${name}" is over ${MAX_ATTRIBUTE} octets: browsers ignore such an attribute`,
      );
    }
    if (
      typeof path !== "string" ||
      path.charCodeAt(0) !== 0x2f ||
      !PATH.test(path) ||
      path.endsWith(" ")
    ) {
      fail(
        "ERR_COOKIE_PATH_INVALID",
        "path",
        `path ${JSON.stringify(path)} of cookie "${name}" is invalid: it must start with "/" and hold no control characters, ";" or trailing space (browsers replace other paths with the request's directory, and trim spaces)`,
      );
    }
    out += `; Path=${path}`;
  }
  if (expires !== undefined) {
    const t = expires instanceof Date ? expires.getTime() : Number.NaN;
    if (!(t >= MIN_YEAR && t < MAX_YEAR)) {
      fail(
        "ERR_COOKIE_EXPIRES_INVALID",
        "expires",
        `expires of cookie "${name}" is not a valid Date between the years 1601 and 9999; prefer maxAge, which does not depend on the client's clock`,
      );
    }
    out += `; Expires=${imfFixdate(expires, t)}`;
  }
  if (cookie.secure === true) out += "; Secure";
  if (cookie.httpOnly === true) out += "; HttpOnly";
  if (sameSite !== undefined) {
    const v = canonicalSameSite(sameSite);
    if (v === undefined) {
      fail(
        "ERR_COOKIE_SAMESITE_INVALID",
        "sameSite",
        `sameSite ${JSON.stringify(sameSite)} of cookie "${name}" is invalid: use "Strict", "Lax" or "None"`,
      );
    }
    if (v === "None" && cookie.secure !== true) {
      fail(
        "ERR_COOKIE_SAMESITE_NONE_INSECURE",
        "sameSite",
        `cookie "${name}" has SameSite=None without Secure, which browsers reject: add secure: true, or use "Lax" if cross-site requests need not carry it`,
      );
    }
    out += `; SameSite=${v}`;
  }
  if (cookie.partitioned === true) {
    if (cookie.secure !== true) {
      fail(
        "ERR_COOKIE_PARTITIONED_INSECURE",
        "partitioned",
        `cookie "${name}" is Partitioned without Secure, which browsers reject: add secure: true`,
      );
    }
    out += "; Partitioned";
  }
  if (priority !== undefined) {
    const v = canonicalPriority(priority);
    if (v === undefined) {
      fail(
        "ERR_COOKIE_PRIORITY_INVALID",
        "priority",
        `priority ${JSON.stringify(priority)} of cookie "${name}" is invalid: use "Low", "Medium" or "High"`,
      );
    }
    out += `; Priority=${v}`;
  }
  return out;
}

// The last Expires written, by the second it names: under load, "now + lifetime" falls in the
// same second for many responses in a row, and the text has one-second resolution anyway.
let lastExpires = { second: Number.NaN, text: "" };

function imfFixdate(d: Date, time: number): string {
  const second = Math.floor(time / 1000);
  if (second !== lastExpires.second) lastExpires = { second, text: d.toUTCString() };
  return lastExpires.text;
}

function canonicalSameSite(v: unknown): "Strict" | "Lax" | "None" | undefined {
  switch (v) {
    case "Lax":
    case "lax":
      return "Lax";
    case "Strict":
    case "strict":
      return "Strict";
    case "None":
    case "none":
      return "None";
    default:
      return undefined;
  }
}

function canonicalPriority(v: unknown): "Low" | "Medium" | "High" | undefined {
  switch (v) {
    case "Low":
    case "low":
      return "Low";
    case "Medium":
    case "medium":
      return "Medium";
    case "High":
    case "high":
      return "High";
    default:
      return undefined;
  }
}
