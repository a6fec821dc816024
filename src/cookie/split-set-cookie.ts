import { isWsp } from "./chars.js";

/**
 * Splits Set-Cookie field values that were folded into one string, as `Headers#get`, some
 * proxies and some HAR exporters do (`"a=1; Expires=Wed, 09 Jun 2021 10:18:14 GMT, b=2"`), back
 * into one value per cookie. Line breaks always separate. A comma separates only where what
 * follows it looks like the start of a cookie (`name=` before any `;` or `,`), so the commas of
 * Expires dates stay where they are. A nameless cookie after a comma cannot be told from an
 * attribute value and stays joined. Never throws; spaces around each
 * piece and stray commas before it are dropped, and so are empty pieces. A line folded after a
 * Path or value that itself holds `, name=` cannot be told apart and is split there.
 *
 * ```ts
 * splitSetCookie("a=1; Expires=Wed, 09 Jun 2021 10:18:14 GMT, b=2");
 * // ["a=1; Expires=Wed, 09 Jun 2021 10:18:14 GMT", "b=2"]
 * ```
 */
export function splitSetCookie(text: string | readonly string[]): string[] {
  const out: string[] = [];
  if (typeof text !== "string") {
    if (Array.isArray(text)) for (const t of text) splitInto(String(t), out);
    return out;
  }
  splitInto(text, out);
  return out;
}

function splitInto(s: string, out: string[]): void {
  const len = s.length;
  let start = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) {
      push(s, start, i, out);
      start = i + 1;
    } else if (c === 0x2c && startsCookie(s, i + 1)) {
      push(s, start, i, out);
      start = i + 1;
    }
  }
  push(s, start, len, out);
}

/** After a comma: optional spaces, a non-empty name, then `=` before any `;`, `,` or line end. */
function startsCookie(s: string, from: number): boolean {
  let i = from;
  while (i < s.length && (s.charCodeAt(i) === 0x20 || s.charCodeAt(i) === 0x09)) i++;
  const nameStart = i;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3d) return i > nameStart;
    if (c === 0x3b || c === 0x2c || c === 0x0a || c === 0x0d || c === 0x20 || c === 0x09) {
      return false;
    }
  }
  return false;
}

/**
 * Adds s[start, end) without surrounding spaces and leading stray commas, unless nothing is left.
 * A trailing comma stays: it can belong to the line (`Path=/x,`).
 */
function push(s: string, start: number, end: number, out: string[]): void {
  let a = start;
  let b = end;
  while (a < b && isSeparator(s.charCodeAt(a))) a++;
  while (b > a && isWsp(s.charCodeAt(b - 1))) b--;
  if (a < b) out.push(s.slice(a, b));
}

function isSeparator(c: number): boolean {
  return c === 0x2c || isWsp(c);
}
