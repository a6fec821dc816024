import { type ParsedSetCookie, parseSetCookie } from "../cookie/index.js";
import { domainMatch, isLoopbackHost, siteOf } from "../site/index.js";
import { defaultPath, httpUrl, refusal } from "./rules/index.js";

/** A request whose cookies are in question. */
export interface SendingRequest {
  /** A short label ("a sibling subdomain"). */
  readonly label: string;
  readonly url: string;
  /** Default GET. */
  readonly method?: string;
  /**
   * The URL or origin of the page that makes the request (a link, a form, a script); undefined
   * for an address typed or a bookmark, which is same-site.
   */
  readonly initiator?: string;
  /** A top-level navigation (link, form, address bar) rather than a fetch, frame or image. Default true. */
  readonly navigation?: boolean;
  /**
   * Seconds between setting the cookie and this request, for Chromium's exception: a cookie
   * without SameSite still goes with a cross-site top-level POST in its first 120 seconds.
   * Default: later than that.
   */
  readonly secondsAfterSet?: number;
}

/** Whether the browser sends the cookie with one request, and why. */
export interface SendingDecision {
  readonly request: SendingRequest;
  readonly sent: boolean;
  /** Every reason in order; the first one that says no decides. */
  readonly reasons: readonly string[];
}

/** What becomes of one Set-Cookie line: stored or not, then each request. */
export interface CookieSending {
  readonly name: string;
  readonly stored: boolean;
  /** Why it is or is not stored. */
  readonly storage: string;
  readonly requests: readonly SendingDecision[];
}

/**
 * The requests of the lessons for a cookie set by `url`: the same host over https, the same
 * page over http, a sibling subdomain, and a form POST from another site.
 */
export function lessonRequests(url: string): SendingRequest[] {
  const u = new URL(url);
  const site = siteOf(`https://${u.host}`);
  const registrable = site === undefined ? u.hostname : site.slice("https://".length);
  const port = u.port === "" ? "" : `:${u.port}`;
  const siblingHost =
    u.hostname === `other.${registrable}` ? `another.${registrable}` : `other.${registrable}`;
  const https = new URL(u.href);
  https.protocol = "https:";
  const http = new URL(u.href);
  http.protocol = "http:";
  return [
    { label: "the same host over https", url: https.href, initiator: https.origin },
    { label: "the same page over http", url: http.href },
    {
      label: "a sibling subdomain",
      url: `https://${siblingHost}${port}/`,
      initiator: https.origin,
    },
    {
      label: "a cross-site form POST",
      url: https.href,
      method: "POST",
      initiator: "https://attacker.example",
    },
  ];
}

/** RFC 6265bis path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath.charAt(cookiePath.length) === "/";
}

function decide(c: ParsedSetCookie, setFrom: URL, request: SendingRequest): SendingDecision {
  const reasons: string[] = [];
  const no = (why: string): SendingDecision => ({
    request,
    sent: false,
    reasons: [...reasons, why],
  });
  let u: URL;
  try {
    u = new URL(request.url);
  } catch {
    return no(`${request.url} is not a URL`);
  }
  const host = u.hostname;
  const hostOnly = c.domain === undefined || c.domain === "";
  if (hostOnly) {
    if (host !== setFrom.hostname)
      return no(`host-only: sent to ${setFrom.hostname} alone, not ${host}`);
    reasons.push(`host-only, and this is ${host}`);
  } else {
    if (!domainMatch(host, c.domain as string))
      return no(`${host} is not under Domain=${c.domain}`);
    reasons.push(`${host} is under Domain=${c.domain}`);
  }
  const path = c.path ?? defaultPath(setFrom);
  if (!pathMatches(u.pathname, path)) return no(`${u.pathname} is not under Path=${path}`);
  reasons.push(`${u.pathname} is under Path=${path}`);
  if (c.secure) {
    if (u.protocol !== "https:" && !isLoopbackHost(host)) return no("Secure: sent over https only");
    reasons.push("Secure, and this is https");
  }
  const method = (request.method ?? "GET").toUpperCase();
  const navigation = request.navigation ?? true;
  const from = request.initiator === undefined ? undefined : siteOf(request.initiator);
  const to = siteOf(u.origin);
  const crossSite = from !== undefined && from !== to;
  if (!crossSite) {
    reasons.push(
      request.initiator === undefined ? "typed or bookmarked: same-site" : `same-site (${to})`,
    );
    return { request, sent: true, reasons };
  }
  const safeTopLevel = navigation && (method === "GET" || method === "HEAD");
  switch (c.sameSite) {
    case "None":
      reasons.push(`cross-site (${from} → ${to}), and SameSite=None sends it anyway`);
      return { request, sent: true, reasons };
    case "Strict":
      return no(`cross-site (${from} → ${to}): SameSite=Strict never sends it`);
    case "Lax":
      if (safeTopLevel) {
        reasons.push(`cross-site, but a top-level ${method}: SameSite=Lax sends it`);
        return { request, sent: true, reasons };
      }
      return no(
        `cross-site ${navigation ? "" : "subresource "}${method}: SameSite=Lax sends it only on top-level GET navigations`,
      );
    default:
      if (safeTopLevel) {
        reasons.push(
          "cross-site, but a top-level GET: sent (no SameSite; Chromium treats it as Lax)",
        );
        return { request, sent: true, reasons };
      }
      if (navigation && method === "POST" && (request.secondsAfterSet ?? 120) < 120) {
        reasons.push(
          "cross-site top-level POST, no SameSite, set under two minutes ago: Chromium still sends it (its Lax-allowing-unsafe exception)",
        );
        return { request, sent: true, reasons };
      }
      return no(
        `cross-site ${method}: no SameSite, which Chromium treats as Lax (it still sends the cookie on a top-level POST in the two minutes after it is set; other browsers may always send it)`,
      );
  }
}

/**
 * Whether the browser stores a Set-Cookie line from `setFrom` and sends the cookie with each
 * request. Made from the cookie's attributes and schemeful same-site (`sessionjar/site`); the
 * browser-faithful jar gives the same answer with every detail of a real profile. Throws
 * `ERR_AUDIT_INPUT_INVALID` when `setFrom` is not an http(s) URL.
 */
export function explainSending(
  line: string,
  setFrom: string,
  requests: readonly SendingRequest[],
): CookieSending {
  const parsed = parseSetCookie(line);
  const url = httpUrl(setFrom);
  if (parsed.type === "ignored") {
    return { name: "", stored: false, storage: parsed.message, requests: [] };
  }
  const c = parsed.cookie;
  const refused = refusal(c, url);
  if (refused !== undefined) {
    return { name: c.name, stored: false, storage: `refused: ${refused}`, requests: [] };
  }
  return {
    name: c.name,
    stored: true,
    storage: `stored from ${url.origin}`,
    requests: requests.map((r) => decide(c, url, r)),
  };
}
