import { isWsp } from "./chars.js";

/** Options of {@link parseCookie}. */
export interface ParseCookieOptions {
  /**
   * Applied to every value. Values are returned exactly as sent unless this is given; pass
   * `decodeCookieValue` for percent-decoding that never throws.
   */
  decode?: (value: string) => string;
}

/**
 * The cookies of a request, in the order the browser sent them. A name can appear more than
 * once (a cookie set for a parent domain or path, or planted by a sibling subdomain: "cookie
 * tossing"), so `get` gives the first and `getAll` every value. Nameless cookies (a pair without
 * `=`) have the name `""`, as RFC 6265bis defines them.
 */
export class CookieList implements Iterable<[name: string, value: string]> {
  // Names and values interleaved in one array: one allocation per header.
  readonly #pairs: string[];

  constructor(pairs: string[]) {
    this.#pairs = pairs;
  }

  /** How many pairs the header held. */
  get size(): number {
    return this.#pairs.length >> 1;
  }

  /** The first value sent under `name`. Browsers send longer paths first, then older cookies. */
  get(name: string): string | undefined {
    const p = this.#pairs;
    for (let i = 0; i < p.length; i += 2) if (p[i] === name) return p[i + 1];
    return undefined;
  }

  /** Every value sent under `name`, in order. More than one is worth a look: see the class docs. */
  getAll(name: string): string[] {
    const p = this.#pairs;
    const out: string[] = [];
    for (let i = 0; i < p.length; i += 2) if (p[i] === name) out.push(p[i + 1] as string);
    return out;
  }

  /** How many times `name` was sent. */
  count(name: string): number {
    const p = this.#pairs;
    let n = 0;
    for (let i = 0; i < p.length; i += 2) if (p[i] === name) n++;
    return n;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** The distinct names, in order of first appearance. */
  names(): string[] {
    const out = new Set<string>();
    for (let i = 0; i < this.#pairs.length; i += 2) out.add(this.#pairs[i] as string);
    return [...out];
  }

  *[Symbol.iterator](): Iterator<[name: string, value: string]> {
    const p = this.#pairs;
    for (let i = 0; i < p.length; i += 2) yield [p[i] as string, p[i + 1] as string];
  }

  /** The pairs as plain objects, e.g. for logging or JSON. */
  toJSON(): { name: string; value: string }[] {
    return [...this].map(([name, value]) => ({ name, value }));
  }
}

// Runs of semicolons are skipped in blocks compared natively, largest first: V8 compares two
// flat strings with a memory comparison, far faster than a loop over characters, so a header of
// 100,000 semicolons costs about one pass of memcmp.
const SEMICOLON_BLOCKS = [16_384, 1024, 64].map((n) => ";".repeat(n));

function skipSemicolons(s: string, from: number): number {
  let i = from;
  for (const block of SEMICOLON_BLOCKS) {
    const n = block.length;
    while (i + n <= s.length && s.slice(i, i + n) === block) i += n;
  }
  return i;
}

/**
 * Parses a request's `Cookie` header into a {@link CookieList}. Never throws: a missing header,
 * a non-string or any malformed text gives the pairs that can be read, possibly none.
 *
 * Pairs are split on `;`, name from value at the first `=`, spaces and tabs around both
 * trimmed. A pair without `=` is a nameless cookie (name `""`). Empty pairs are skipped. Values
 * are not decoded unless `options.decode` is given.
 *
 * ```ts
 * const cookies = parseCookie("sid=abc; theme=dark; sid=planted");
 * cookies.get("sid");    // "abc"
 * cookies.getAll("sid"); // ["abc", "planted"]
 * ```
 */
export function parseCookie(
  header: string | null | undefined,
  options?: ParseCookieOptions,
): CookieList {
  const pairs: string[] = [];
  if (typeof header !== "string") return new CookieList(pairs);
  const decode = options?.decode;
  const s = header;
  const len = s.length;
  // The next "=" at or after the current pair; refreshed only when passed, which keeps the
  // whole scan linear.
  let nextEq = -2;
  let i = 0;
  while (i < len) {
    if (s.charCodeAt(i) === 0x3b && s.charCodeAt(i + 1) === 0x3b) i = skipSemicolons(s, i);
    let c = s.charCodeAt(i);
    while (i < len && (c === 0x3b || c === 0x20 || c === 0x09)) c = s.charCodeAt(++i);
    if (i >= len) break;
    let end = s.indexOf(";", i);
    if (end === -1) end = len;
    if (nextEq < i) {
      nextEq = s.indexOf("=", i);
      if (nextEq === -1) nextEq = len;
    }
    let name = "";
    let vs = i;
    if (nextEq < end) {
      let ne = nextEq;
      while (ne > i && isWsp(s.charCodeAt(ne - 1))) ne--;
      name = s.slice(i, ne);
      vs = nextEq + 1;
      while (vs < end && isWsp(s.charCodeAt(vs))) vs++;
    }
    let ve = end;
    while (ve > vs && isWsp(s.charCodeAt(ve - 1))) ve--;
    if (name !== "" || ve > vs) {
      const value = s.slice(vs, ve);
      pairs.push(name, decode === undefined ? value : decode(value));
    }
    i = end + 1;
  }
  return new CookieList(pairs);
}
