import { getDomain } from "tldts";

/** A serialized origin (`https://www.shop.test:8443`), or `"null"` for an opaque one. */
export type Origin = string;

/**
 * The serialized origin of a URL or origin string, as browsers write it in the `Origin`
 * header: lower-case scheme and host, default port dropped, no path. `undefined` for anything
 * that is not a URL with a host. Never throws.
 */
export function originOf(url: string): Origin | undefined {
  if (typeof url !== "string") return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.host === "" || (u.protocol !== "http:" && u.protocol !== "https:")) return undefined;
  return u.origin;
}

/**
 * The schemeful site of an origin (RFC 6265bis 5.2): scheme and registrable domain from the
 * public suffix list, private section included, so `alice.github.io` and `bob.github.io` are
 * different sites. IP addresses and `localhost` are their own site. `undefined` when `origin`
 * is not an http(s) origin.
 */
export function siteOf(origin: string): string | undefined {
  const o = originOf(origin);
  if (o === undefined) return undefined;
  const u = new URL(o);
  const host = u.hostname;
  const domain = getDomain(host, { allowPrivateDomains: true }) ?? host;
  return `${u.protocol}//${domain}`;
}

/** True when both are http(s) origins of the same schemeful site. */
export function isSameSite(a: string, b: string): boolean {
  const sa = siteOf(a);
  return sa !== undefined && sa === siteOf(b);
}
