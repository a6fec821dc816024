import { getPublicSuffix } from "tldts";
import { originOf } from "../site/origin.js";
import { CorsError } from "./errors.js";

/**
 * The brand of matchers built by {@link originMatcher}. Not exported from `sessionjar/cors`: a
 * function that carries it was built from parts, so a credentialed policy can trust it, which
 * it cannot do for a home-made predicate.
 */
export const ORIGIN_MATCHER: unique symbol = Symbol("sessionjar.cors.originMatcher");

/** The parts of the origins a matcher accepts. */
export interface OriginPattern {
  /** `"https"` (or `"http"`, for local development only). */
  scheme: "https" | "http";
  /** The host, lower-case and in punycode (`xn--…`), without a port: `"shop.test"`. */
  host: string;
  /**
   * Also accept every subdomain of `host`, at any depth (`a.shop.test`, `a.b.shop.test`), as
   * well as `host` itself. Default false. Refused for an IP address and for a public suffix
   * (`github.io`), whose subdomains belong to other people.
   */
  subdomains?: boolean;
  /** The port. Default: the scheme's default port (443 or 80), that is, no port in the Origin. */
  port?: number;
}

/** A resolved {@link OriginPattern}: labels to compare, the port as the Origin spells it. */
export interface ResolvedOriginPattern {
  readonly scheme: "https" | "http";
  readonly host: string;
  readonly labels: readonly string[];
  readonly subdomains: boolean;
  /** `""` for the default port, as `URL#port` has it. */
  readonly port: string;
}

/**
 * A predicate over `Origin` header values built by {@link originMatcher}: it compares scheme,
 * host labels and port exactly, so it cannot be fooled by `https://shop.test.evil.example` or
 * `https://evil-shop.test`.
 */
export interface OriginMatcher {
  (origin: string): boolean;
  readonly [ORIGIN_MATCHER]: readonly ResolvedOriginPattern[];
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/;
const IPV4 = /^[0-9.]+$/;

function invalid(message: string): never {
  throw new CorsError("ERR_CORS_ORIGIN_INVALID", message);
}

function resolvePattern(p: OriginPattern): ResolvedOriginPattern {
  if (p === null || typeof p !== "object") invalid("originMatcher needs { scheme, host }");
  const { scheme, host } = p;
  if (scheme !== "https" && scheme !== "http") {
    invalid(`originMatcher scheme must be "https" or "http", got ${JSON.stringify(scheme)}`);
  }
  if (typeof host !== "string" || host === "") invalid("originMatcher needs a host");
  if (host.includes("*")) {
    invalid(
      `originMatcher host ${JSON.stringify(host)} holds a wildcard: write the parent domain and subdomains: true`,
    );
  }
  let u: URL;
  try {
    u = new URL(`${scheme}://${host}`);
  } catch {
    invalid(`originMatcher host ${JSON.stringify(host)} is not a host name`);
  }
  if (
    u.hostname !== host ||
    u.port !== "" ||
    `${scheme}://${host}` !== `${u.protocol}//${u.host}`
  ) {
    invalid(
      `originMatcher host ${JSON.stringify(host)} is not written as browsers send it: write ${JSON.stringify(u.hostname)}, and the port in port`,
    );
  }
  const ip = host.startsWith("[") || IPV4.test(host);
  const labels = ip ? [host] : host.split(".");
  if (!ip && !labels.every((l) => LABEL.test(l))) {
    invalid(`originMatcher host ${JSON.stringify(host)} has an empty or invalid label`);
  }
  const subdomains = p.subdomains ?? false;
  if (typeof subdomains !== "boolean") invalid("originMatcher subdomains must be a boolean");
  if (subdomains && ip) invalid(`an IP address (${host}) has no subdomains: drop subdomains: true`);
  if (
    subdomains &&
    labels.length > 1 &&
    getPublicSuffix(host, { allowPrivateDomains: true }) === host
  ) {
    invalid(
      `${host} is a public suffix: its subdomains belong to other people, so subdomains: true would trust all of them. Name your own domain`,
    );
  }
  let port = "";
  if (p.port !== undefined) {
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
      invalid(`originMatcher port must be a whole number from 1 to 65535, got ${String(p.port)}`);
    }
    const defaultPort = scheme === "https" ? 443 : 80;
    port = p.port === defaultPort ? "" : String(p.port);
  }
  return { scheme, host, labels, subdomains, port };
}

/** True when `origin` is a serialized origin that `p` accepts. */
function matchesPattern(u: URL, p: ResolvedOriginPattern): boolean {
  if (u.protocol !== `${p.scheme}:` || u.port !== p.port) return false;
  const host = u.hostname;
  if (host === p.host) return true;
  if (!p.subdomains) return false;
  // Label by label from the right: every label of the pattern, then at least one more, each a
  // valid DNS label (so no empty label, no "*").
  const labels = host.split(".");
  const extra = labels.length - p.labels.length;
  if (extra < 1) return false;
  for (let i = 0; i < p.labels.length; i++) {
    if (labels[extra + i] !== p.labels[i]) return false;
  }
  for (let i = 0; i < extra; i++) {
    if (!LABEL.test(labels[i] as string)) return false;
  }
  return true;
}

/**
 * Builds an origin predicate from parts, for `createCorsPolicy({ origins })`. The `Origin`
 * header is parsed with `URL` and must be a serialized origin (no path, no user info,
 * lower-case, default port dropped); then its scheme and port must be equal to the pattern's and
 * its host equal to `host`, or with `subdomains: true` end with all of `host`'s labels after at
 * least one more. Never a regular expression, never a string prefix or suffix test.
 *
 * ```ts
 * const origins = originMatcher({ scheme: "https", host: "shop.test", subdomains: true });
 * origins("https://www.shop.test"); // true
 * origins("https://evil-shop.test"); // false
 * origins("https://shop.test.evil.example"); // false
 * origins("http://shop.test"); // false: scheme
 * origins("https://shop.test:8443"); // false: port
 * ```
 *
 * Several patterns make one matcher that accepts an origin any of them accepts.
 */
export function originMatcher(pattern: OriginPattern | readonly OriginPattern[]): OriginMatcher {
  const list = Array.isArray(pattern)
    ? (pattern as readonly OriginPattern[])
    : [pattern as OriginPattern];
  if (list.length === 0) invalid("originMatcher needs at least one pattern");
  const patterns = Object.freeze(list.map(resolvePattern));
  const matcher = (origin: string): boolean => {
    if (typeof origin !== "string") return false;
    let u: URL;
    try {
      u = new URL(origin);
    } catch {
      return false;
    }
    // Only the exact serialized form: `https://shop.test/`, `https://a@shop.test` and
    // `HTTPS://shop.test` are not what a browser sends.
    if (`${u.protocol}//${u.host}` !== origin) return false;
    return patterns.some((p) => matchesPattern(u, p));
  };
  Object.defineProperty(matcher, ORIGIN_MATCHER, { value: patterns });
  return Object.freeze(matcher) as unknown as OriginMatcher;
}

/** True for a function built by {@link originMatcher}. */
export function isOriginMatcher(f: unknown): f is OriginMatcher {
  return typeof f === "function" && Array.isArray((f as Partial<OriginMatcher>)[ORIGIN_MATCHER]);
}

/** How far an origin string is from the serialized form, in words, for the error message. */
function differences(input: string, u: URL): string[] {
  const out: string[] = [];
  if (u.username !== "" || u.password !== "") out.push("user info");
  if (u.search !== "" || input.includes("?")) out.push("a query");
  if (u.hash !== "" || input.includes("#")) out.push("a fragment");
  const afterHost = input.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/, "");
  if (afterHost.startsWith("/")) out.push(afterHost === "/" ? "a trailing slash" : "a path");
  const authority = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/.exec(input)?.[1] ?? "";
  const scheme = input.slice(0, input.indexOf(":"));
  if (scheme !== scheme.toLowerCase() || authority !== authority.toLowerCase())
    out.push("upper-case letters");
  const explicitPort = /:(\d+)$/.exec(authority)?.[1];
  if (explicitPort !== undefined && u.port === "") out.push("the default port");
  return out;
}

/**
 * Checks one entry of an origins list and returns it: it must be exactly what browsers send in
 * `Origin`. The message names what is off and the form to write instead.
 */
export function serializedOrigin(entry: string): string {
  if (typeof entry !== "string") invalid(`origins must be strings, got ${typeof entry}`);
  if (entry === "null") return entry;
  if (entry.includes("*")) {
    invalid(
      `${JSON.stringify(entry)} is not an origin: browsers never send wildcards. For subdomains use originMatcher({ scheme, host, subdomains: true })`,
    );
  }
  const normal = originOf(entry);
  if (normal === undefined) {
    invalid(
      `${JSON.stringify(entry)} is not an http(s) origin: write it as scheme://host[:port], e.g. "https://shop.test"`,
    );
  }
  if (normal !== entry) {
    let u: URL | undefined;
    try {
      u = new URL(entry);
    } catch {
      u = undefined;
    }
    const what = u === undefined ? [] : differences(entry, u);
    invalid(
      `${JSON.stringify(entry)} is not a serialized origin${what.length > 0 ? ` (it has ${what.join(", ")})` : ""}: browsers send ${JSON.stringify(normal)}, and origins are compared exactly, so write ${JSON.stringify(normal)}`,
    );
  }
  return entry;
}
