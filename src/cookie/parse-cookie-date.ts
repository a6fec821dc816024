// RFC 6265bis section 5.1.1, "Dates": the cookie-date algorithm exactly as written, which is how
// browsers read Expires. It is deliberately more forgiving than IMF-fixdate.

/** delimiter = %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E; everything else is a non-delimiter. */
function isDelimiter(c: number): boolean {
  return (
    c === 0x09 ||
    (c >= 0x20 && c <= 0x2f) ||
    (c >= 0x3b && c <= 0x40) ||
    (c >= 0x5b && c <= 0x60) ||
    (c >= 0x7b && c <= 0x7e)
  );
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

// The months as three lower-case letters packed into one number, so that matching a token
// allocates nothing.
const MONTHS = [
  "jan",
  "feb",
  "mar",
  "apr",
  "may",
  "jun",
  "jul",
  "aug",
  "sep",
  "oct",
  "nov",
  "dec",
].map((m) => (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2));

function monthAt(s: string, i: number): number {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  const c = s.charCodeAt(i + 2);
  if ((a | b | c) > 0x7f) return -1;
  // ORing 0x20 lower-cases ASCII letters; no other ASCII character becomes a letter by it.
  return MONTHS.indexOf(((a | 0x20) << 16) | ((b | 0x20) << 8) | (c | 0x20));
}

/**
 * Reads 1 to `max` digits at `start` (at least `min`), which must be followed by the end of the
 * token or by a non-digit. Returns the value and where the digits end, or -1.
 */
function readDigits(s: string, start: number, end: number, min: number, max: number): number {
  let i = start;
  let value = 0;
  while (i < end && i - start < max && isDigit(s.charCodeAt(i))) {
    value = value * 10 + (s.charCodeAt(i) - 0x30);
    i++;
  }
  const count = i - start;
  if (count < min) return -1;
  if (i < end && isDigit(s.charCodeAt(i))) return -1;
  digitsEnd = i;
  return value;
}
// Where the last readDigits call stopped; a module-level register avoids an allocation per call.
let digitsEnd = 0;

/**
 * Parses a cookie-date as RFC 6265bis section 5.1.1 describes and returns the instant it names,
 * or `undefined` when the string is not a cookie-date. Never throws.
 *
 * ```ts
 * parseCookieDate("Wed, 09 Jun 2021 10:18:14 GMT"); // 2021-06-09T10:18:14.000Z
 * parseCookieDate("Thursday, 01-Jan-1970 00:00:00 GMT"); // 1970-01-01T00:00:00.000Z
 * ```
 */
export function parseCookieDate(input: string): Date | undefined {
  const ms = cookieDateToMillis(input);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** {@link parseCookieDate} as milliseconds since the epoch, `NaN` when it fails. */
export function cookieDateToMillis(s: string): number {
  let hour = -1;
  let minute = 0;
  let second = 0;
  let day = -1;
  let month = -1;
  let year = -1;
  const len = s.length;
  let i = 0;
  while (i < len) {
    while (i < len && isDelimiter(s.charCodeAt(i))) i++;
    const start = i;
    while (i < len && !isDelimiter(s.charCodeAt(i))) i++;
    const end = i;
    if (start === end) break;

    // time = hms-time [ non-digit *OCTET ]; hms-time = time-field ":" time-field ":" time-field
    if (hour < 0) {
      const h = readDigits(s, start, end, 1, 2);
      if (h >= 0 && s.charCodeAt(digitsEnd) === 0x3a && digitsEnd < end) {
        const m = readDigits(s, digitsEnd + 1, end, 1, 2);
        if (m >= 0 && s.charCodeAt(digitsEnd) === 0x3a && digitsEnd < end) {
          const sec = readDigits(s, digitsEnd + 1, end, 1, 2);
          if (sec >= 0) {
            hour = h;
            minute = m;
            second = sec;
            continue;
          }
        }
      }
    }
    // day-of-month = 1*2DIGIT [ non-digit *OCTET ]
    if (day < 0) {
      const d = readDigits(s, start, end, 1, 2);
      if (d >= 0) {
        day = d;
        continue;
      }
    }
    // month = ( "jan" / … / "dec" ) *OCTET, case-insensitively
    if (month < 0 && end - start >= 3) {
      const m = monthAt(s, start);
      if (m >= 0) {
        month = m;
        continue;
      }
    }
    // year = 2*4DIGIT [ non-digit *OCTET ]
    if (year < 0) {
      const y = readDigits(s, start, end, 2, 4);
      if (y >= 0) year = y;
    }
  }

  if (year >= 70 && year <= 99) year += 1900;
  else if (year >= 0 && year <= 69) year += 2000;

  if (hour < 0 || day < 0 || month < 0 || year < 0) return Number.NaN;
  if (day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || second > 59) {
    return Number.NaN;
  }
  const ms = Date.UTC(year, month, day, hour, minute, second);
  // "If the parsed-cookie-date does not exist" (31 April, 30 February): Date.UTC rolls over.
  if (new Date(ms).getUTCDate() !== day) return Number.NaN;
  return ms;
}
