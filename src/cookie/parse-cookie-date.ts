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
  const fixed = imfFixdate(s);
  if (fixed !== -1) return fixed;
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
  return validDate(year, month, day, hour, minute, second);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The instant, or NaN for out-of-range fields and dates that do not exist (31 April). */
function validDate(
  year: number,
  month: number,
  day: number,
  h: number,
  m: number,
  s: number,
): number {
  if (day < 1 || year < 1601 || h > 23 || m > 59 || s > 59) return Number.NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 1 && leap ? 29 : (DAYS_IN_MONTH[month] as number);
  if (day > days) return Number.NaN;
  return Date.UTC(year, month, day, h, m, s);
}

const WEEKDAYS = new Set(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]);

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 0x30;
  return c >= 0 && c <= 9 ? c : -100;
}

/**
 * The IMF-fixdate that servers write (`Wed, 09 Jun 2021 10:18:14 GMT`), read at fixed positions.
 * For that exact shape the general algorithm gives the same answer: the weekday is no month
 * name, then come day, month, year and time in order. Anything else returns -1 and takes the
 * general path.
 */
function imfFixdate(s: string): number {
  if (
    s.length !== 29 ||
    s.charCodeAt(3) !== 0x2c ||
    s.charCodeAt(4) !== 0x20 ||
    s.charCodeAt(7) !== 0x20 ||
    s.charCodeAt(11) !== 0x20 ||
    s.charCodeAt(16) !== 0x20 ||
    s.charCodeAt(19) !== 0x3a ||
    s.charCodeAt(22) !== 0x3a ||
    !s.endsWith(" GMT") ||
    !WEEKDAYS.has(s.slice(0, 3))
  ) {
    return -1;
  }
  const month = monthAt(s, 8);
  const day = digit(s, 5) * 10 + digit(s, 6);
  const year = digit(s, 12) * 1000 + digit(s, 13) * 100 + digit(s, 14) * 10 + digit(s, 15);
  const h = digit(s, 17) * 10 + digit(s, 18);
  const m = digit(s, 20) * 10 + digit(s, 21);
  const sec = digit(s, 23) * 10 + digit(s, 24);
  if (month < 0 || day < 0 || year < 0 || h < 0 || m < 0 || sec < 0) return -1;
  return validDate(year, month, day, h, m, sec);
}
