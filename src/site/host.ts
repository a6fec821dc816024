import { getDomain, getPublicSuffix } from "tldts";

const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;

/**
 * A host name as a URL parser writes it: lower case, IDNA labels in punycode (`xn--…`), IPv6
 * in brackets. `undefined` when it is not a valid host. Never throws.
 *
 * ```ts
 * canonicalHost("WWW.Bücher.Example"); // "www.xn--bcher-kva.example"
 * ```
 */
export function canonicalHost(host: string): string | undefined {
  // Anything that would end the host inside a URL is not part of one.
  if (typeof host !== "string" || host === "" || /[/?#\\@]/.test(host)) return undefined;
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  try {
    const u = new URL(`http://${h}/`);
    return u.hostname === "" ? undefined : u.hostname;
  } catch {
    return undefined;
  }
}

/** True for an IPv4 address in dotted-quad form or a bracketed or bare IPv6 address. */
export function isIpAddress(host: string): boolean {
  return IPV4.test(host) || host.includes(":");
}

/**
 * RFC 6265bis 5.1.3 domain matching: `host` is `domain`, or ends with `.` + `domain` and is
 * not an IP address. Both are expected canonical (see {@link canonicalHost}).
 */
export function domainMatch(host: string, domain: string): boolean {
  if (host === domain) return true;
  return (
    host.length > domain.length &&
    host.endsWith(domain) &&
    host.charCodeAt(host.length - domain.length - 1) === 0x2e &&
    !isIpAddress(host)
  );
}

/**
 * True when `domain` is itself a public suffix (`com`, `co.uk`, `github.io`: the private section
 * counts), so that no cookie may be widened to it. Unknown top-level labels (`test`) count as
 * public suffixes, as the list's `*` rule says.
 */
export function isPublicSuffix(domain: string): boolean {
  if (isIpAddress(domain)) return false;
  return getPublicSuffix(domain, { allowPrivateDomains: true }) === domain;
}

/**
 * The registrable domain of a host (its public suffix plus one label), or the host itself for
 * IP addresses, `localhost` and public suffixes.
 */
export function registrableDomain(host: string): string {
  if (isIpAddress(host)) return host;
  return getDomain(host, { allowPrivateDomains: true }) ?? host;
}

/** Options of {@link isSecureUrl}. */
export interface SecureUrlOptions {
  /**
   * Count `http://localhost`, `*.localhost` and loopback addresses as secure, as browsers do
   * for potentially trustworthy origins. Default `false`: only `https:` and `wss:`.
   */
  readonly trustLoopback?: boolean;
}

/** Whether a URL's scheme is "secure" in the sense of RFC 6265bis (https, wss). */
export function isSecureUrl(url: URL, options: SecureUrlOptions = {}): boolean {
  if (url.protocol === "https:" || url.protocol === "wss:") return true;
  return options.trustLoopback === true && isLoopbackHost(url.hostname);
}

/**
 * Loopback host names, which browsers treat as secure contexts: Chromium and Firefox accept and
 * send Secure cookies over `http://localhost`; Safari does not.
 */
export function isLoopbackHost(host: string): boolean {
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "[::1]" ||
    /^127(?:\.\d{1,3}){3}$/.test(host)
  );
}
