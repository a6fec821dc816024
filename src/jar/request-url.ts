import { isIpAddress, isLoopbackHost } from "../site/host.js";
import { siteOfParsed } from "./context.js";
import { JarError } from "./errors.js";

/** A request URL with what the jar reads of it, worked out once per URL text. */
export interface RequestTarget {
  readonly url: URL;
  readonly host: string;
  readonly path: string;
  /** `https:` or `wss:`. */
  readonly secureScheme: boolean;
  /** A loopback host, secure only in profiles that trust loopback. */
  readonly loopback: boolean;
  /** The host, then each domain above it (none for an IP address): where its cookies can be. */
  readonly domains: readonly string[];
  /** The URL's schemeful site. */
  readonly site: string;
}

// Request URLs by their text: clients ask about the same URLs again and again, and the jar
// only reads them. Bounded by clearing.
const TARGETS = new Map<string, RequestTarget>();

function parse(url: string | URL): URL {
  let u: URL;
  try {
    u = typeof url === "string" ? new URL(url) : new URL(url.href);
  } catch {
    throw new JarError(
      "ERR_JAR_URL_INVALID",
      `${JSON.stringify(String(url))} is not an absolute URL`,
    );
  }
  if (!/^(?:https?|wss?):$/.test(u.protocol) || u.hostname === "") {
    throw new JarError(
      "ERR_JAR_URL_INVALID",
      `${u.href} is not an http(s) or ws(s) URL: only those carry cookies`,
    );
  }
  return u;
}

function targetOf(u: URL): RequestTarget {
  const host = u.hostname;
  const domains = [host];
  if (!isIpAddress(host)) {
    for (let dot = host.indexOf("."); dot !== -1; dot = host.indexOf(".", dot + 1)) {
      domains.push(host.slice(dot + 1));
    }
  }
  return {
    url: u,
    host,
    path: u.pathname,
    secureScheme: u.protocol === "https:" || u.protocol === "wss:",
    loopback: isLoopbackHost(host),
    domains,
    site: siteOfParsed(u),
  };
}

/** Parses a request URL; only http(s) and ws(s) URLs carry cookies. */
export function requestTarget(url: string | URL): RequestTarget {
  if (typeof url !== "string") return targetOf(parse(url));
  let t = TARGETS.get(url);
  if (t === undefined) {
    t = targetOf(parse(url));
    if (TARGETS.size >= 1024) TARGETS.clear();
    TARGETS.set(url, t);
  }
  return t;
}

/** The parsed request URL; see {@link requestTarget}. */
export function requestUrl(url: string | URL): URL {
  return requestTarget(url).url;
}
