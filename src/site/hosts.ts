/**
 * Loopback host names, which browsers treat as secure contexts: Chromium and Firefox accept and
 * send Secure cookies over `http://localhost`; Safari does not.
 */
export function isLoopbackHost(host: string): boolean {
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "[::1]" ||
    /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}

/**
 * RFC 6265bis domain-match of a host name against a cookie's Domain (lower-case, no leading
 * dot): the host is the domain, or ends with "." and the domain. An IP address matches only
 * itself.
 */
export function domainMatches(host: string, domain: string): boolean {
  if (host === domain) return true;
  if (host.startsWith("[") || /^[0-9.]+$/.test(host)) return false;
  return host.endsWith(`.${domain}`);
}
