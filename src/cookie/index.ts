/**
 * sessionjar/cookie: the cookie wire format of RFC 6265bis, strict where it writes and
 * forgiving where it reads. Pure: no `node:` imports, runs in any JavaScript runtime.
 *
 * @module
 */
export { decodeCookieValue, encodeCookieValue } from "./cookie-value.js";
export { CookieError, type CookieErrorCode } from "./errors.js";
export { CookieList, type ParseCookieOptions, parseCookie } from "./parse-cookie.js";
export { parseCookieDate } from "./parse-cookie-date.js";
export { parseSetCookie } from "./parse-set-cookie.js";
export { type CookiePairs, serializeCookie } from "./serialize-cookie.js";
export { serializeSetCookie } from "./serialize-set-cookie.js";
export { splitSetCookie } from "./split-set-cookie.js";
export type {
  AttributeProblem,
  AttributeProblemReason,
  CookieAttribute,
  IgnoredReason,
  ParsedSetCookie,
  Priority,
  SameSite,
  SetCookieInit,
  SetCookieParseResult,
} from "./types.js";
