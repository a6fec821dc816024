import { isCookieValue } from "./chars.js";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Percent-encodes `value` so that it is a valid cookie-value: every character outside the
 * cookie-octets of RFC 6265bis, and `%` itself, becomes `%XX` of its UTF-8 octets. Lone
 * surrogates become U+FFFD.
 */
export function encodeCookieValue(value: string): string {
  if (isCookieValue(value) && !value.includes("%") && !value.includes('"')) return value;
  return encodeURIComponent(value.replace(LONE_SURROGATE, "\uFFFD"));
}

/**
 * Undoes {@link encodeCookieValue} and the usual encodings of cookie values: drops one pair of
 * surrounding double quotes and percent-decodes. Malformed escapes leave the value as it was.
 * Never throws.
 */
export function decodeCookieValue(value: string): string {
  let v = value;
  if (v.length >= 2 && v.charCodeAt(0) === 0x22 && v.charCodeAt(v.length - 1) === 0x22) {
    v = v.slice(1, -1);
  }
  if (!v.includes("%")) return v;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}
