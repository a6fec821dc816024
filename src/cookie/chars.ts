// Character classes of RFC 6265bis and RFC 9110, as lookup tables over the ASCII range.

/** tchar of RFC 9110 section 5.6.2: the characters of a cookie name a server may write. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

// Values are checked with a regular expression, which V8 compiles to native code: faster than a
// loop over the 40-odd characters of a typical token value. Names are short: a loop wins there.

/** cookie-value of RFC 6265bis 4.1.1: cookie-octets, optionally in one pair of DQUOTEs. */
const COOKIE_VALUE =
  /^(?:[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*|"[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*")$/;

/** True when `s` is a non-empty RFC 9110 token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** True when `s` is a cookie-value: cookie-octets, optionally wrapped in one pair of DQUOTEs. */
export function isCookieValue(s: string): boolean {
  return COOKIE_VALUE.test(s);
}

/** The characters RFC 6265bis 5.6 step 1 rejects: CTLs other than HTAB. */
export const CTL_EXCEPT_HTAB = /[\x00-\x08\x0A-\x1F\x7F]/;

/** True for the WSP of RFC 5234: space and horizontal tab. */
export function isWsp(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * True when `s` is longer than `limit` UTF-8 octets. The RFC counts octets; a JavaScript string
 * counts UTF-16 code units, and each unit is one to three octets.
 */
export function exceedsOctets(s: string, limit: number): boolean {
  if (s.length > limit) return true;
  if (s.length * 3 <= limit) return false;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800 || (c >= 0xdc00 && c <= 0xdfff && i > 0 && isHighSurrogate(s, i - 1))) {
      // A low surrogate that completes a pair adds 1 to the 3 of its high half: 4 in all.
      n += c < 0x800 ? 2 : 1;
    } else n += 3;
    if (n > limit) return true;
  }
  return false;
}

function isHighSurrogate(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff;
}
