import { CTL_EXCEPT_HTAB, isWsp } from "./chars.js";
import { CookieError } from "./errors.js";

/** What {@link serializeCookie} accepts: pairs in order (a `CookieList` is one), or a record. */
export type CookiePairs = Iterable<readonly [name: string, value: string]> | Record<string, string>;

function edgeWsp(s: string): boolean {
  return s.length > 0 && (isWsp(s.charCodeAt(0)) || isWsp(s.charCodeAt(s.length - 1)));
}

/**
 * Writes a request's `Cookie` header, as a client sends it: pairs joined by `"; "`, a nameless
 * cookie (name `""`) as its bare value (RFC 6265bis 5.8.3). Values are written as given, as a
 * browser sends what it stored. Throws a {@link CookieError} for a pair the header cannot carry:
 * a control character or `;` anywhere, `=` in a name or in a nameless cookie's value, or spaces
 * at either end (the server would trim them).
 *
 * ```ts
 * serializeCookie([["sid", "abc"], ["theme", "dark"]]); // "sid=abc; theme=dark"
 * serializeCookie({ sid: "abc" });                      // "sid=abc"
 * ```
 */
export function serializeCookie(pairs: CookiePairs): string {
  const entries: Iterable<readonly [string, string]> =
    Symbol.iterator in pairs
      ? (pairs as Iterable<readonly [string, string]>)
      : Object.entries(pairs as Record<string, string>);
  let out = "";
  for (const [name, value] of entries) {
    if (
      typeof name !== "string" ||
      CTL_EXCEPT_HTAB.test(name) ||
      name.includes(";") ||
      name.includes("=") ||
      edgeWsp(name)
    ) {
      throw new CookieError(
        "ERR_COOKIE_NAME_INVALID",
        "name",
        `cookie name ${JSON.stringify(name)} cannot be sent: it holds a control character, ";", "=" or spaces at an end`,
      );
    }
    if (
      typeof value !== "string" ||
      CTL_EXCEPT_HTAB.test(value) ||
      value.includes(";") ||
      edgeWsp(value)
    ) {
      throw new CookieError(
        "ERR_COOKIE_VALUE_INVALID",
        "value",
        `value of cookie ${JSON.stringify(name)} cannot be sent: it holds a control character, ";" or spaces at an end; encode it first, e.g. with encodeCookieValue()`,
      );
    }
    if (name === "" && value.includes("=")) {
      throw new CookieError(
        "ERR_COOKIE_VALUE_INVALID",
        "value",
        `a nameless cookie cannot hold "=": the server would read ${JSON.stringify(value)} as a name and a value`,
      );
    }
    if (name === "" && value === "") continue;
    if (out !== "") out += "; ";
    out += name === "" ? value : `${name}=${value}`;
  }
  return out;
}
