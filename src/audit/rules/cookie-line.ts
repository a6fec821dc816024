import type { ParsedSetCookie } from "../../cookie/index.js";

/** The parts of a cookie a corrected Set-Cookie line is written from (Domain `""` as none). */
export type CookieLine = Omit<ParsedSetCookie, "problems">;

/** A parsed cookie as the starting point of a corrected line. */
export function lineOf(c: ParsedSetCookie): CookieLine {
  const { problems: _, ...line } = c;
  return c.domain === "" ? { ...line, domain: undefined } : line;
}

/**
 * Writes a Set-Cookie header line in the attribute order people expect. Unlike
 * `serializeSetCookie` it never refuses: a fix for one rule may leave another one broken, and
 * that one has its own finding.
 */
export function writeLine(c: CookieLine): string {
  const parts = [c.name === "" ? c.value : `${c.name}=${c.value}`];
  if (c.path !== undefined) parts.push(`Path=${c.path}`);
  if (c.domain !== undefined) parts.push(`Domain=${c.domain}`);
  if (c.maxAge !== undefined) parts.push(`Max-Age=${c.maxAge}`);
  if (c.expires !== undefined) parts.push(`Expires=${c.expires.toUTCString()}`);
  if (c.secure) parts.push("Secure");
  if (c.httpOnly) parts.push("HttpOnly");
  if (c.sameSite !== undefined) parts.push(`SameSite=${c.sameSite}`);
  if (c.partitioned) parts.push("Partitioned");
  if (c.priority !== undefined) parts.push(`Priority=${c.priority}`);
  for (const e of c.extensions) parts.push(e.value === "" ? e.name : `${e.name}=${e.value}`);
  return `Set-Cookie: ${parts.join("; ")}`;
}
