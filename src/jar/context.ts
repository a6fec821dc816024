import { originOf, siteOf } from "../site/origin.js";
import { JarError } from "./errors.js";
import type { JarProfile } from "./profiles.js";

/**
 * How a request came about, as `../shared/spec/jar-scenarios.md` describes it. Every field is
 * optional; the default is a top-level navigation the user started (address bar, bookmark),
 * with GET, over HTTP.
 */
export interface RequestContext {
  /** `navigation`: the top-level document is replaced; `frame`: an iframe is loaded; `subresource`: anything else. */
  readonly type?: "navigation" | "frame" | "subresource";
  /** The origin of the document that caused the request; `null`: the user did. */
  readonly initiator?: string | null;
  /** For `frame` and `subresource`: the origins of the top-level document and each nested one, outermost first. Default `[initiator]`. */
  readonly frames?: readonly string[];
  /** The request method. Default `GET`. */
  readonly method?: string;
  /** URLs that redirected, in order, before reaching the request's URL. */
  readonly redirects?: readonly string[];
  /** `script`: `document.cookie` of a document at the URL's origin (HttpOnly cookies are out of its reach). */
  readonly api?: "http" | "script";
}

/**
 * What the jar makes of a request's context (RFC 6265bis 5.2):
 * - `same-site`: every cookie may go;
 * - `lax`: a cross-site top-level navigation with a safe method (Lax cookies go, Strict do not);
 * - `lax-unsafe`: a cross-site top-level navigation with an unsafe method such as POST;
 * - `cross-site`: only SameSite=None cookies go.
 */
export type SameSiteStatus = "same-site" | "lax" | "lax-unsafe" | "cross-site";

/** A context with its defaults filled in, and the jar's decision about it. */
export interface ResolvedContext {
  readonly type: "navigation" | "frame" | "subresource";
  readonly initiator: string | null;
  readonly frames: readonly string[];
  readonly method: string;
  readonly redirects: readonly string[];
  readonly api: "http" | "script";
  readonly status: SameSiteStatus;
  /** Why the status is what it is, in plain words. */
  readonly why: string;
  /** The top-level site (the partition key of CHIPS cookies). */
  readonly topLevelSite: string;
  /** The request's site for cookies is another site than its URL's (a third-party request). */
  readonly thirdParty: boolean;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);
const TYPES = new Set(["navigation", "frame", "subresource"]);

function bad(message: string): JarError {
  return new JarError("ERR_JAR_CONTEXT_INVALID", message);
}

function origin(value: unknown, what: string): string {
  const o = typeof value === "string" ? originOf(value) : undefined;
  if (o === undefined) throw bad(`${what} ${JSON.stringify(value)} is not an http(s) origin`);
  return o;
}

function urlList(value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw bad(`${what} must be a list of URLs`);
  return value.map((v) => {
    origin(v, `${what} entry`);
    return v as string;
  });
}

// Sites by origin or URL string: lookups repeat the same few origins, and each one costs a URL
// parse and a public-suffix walk. Bounded by clearing, which keeps it correct and small.
const SITES = new Map<string, string>();

function siteOfUrl(url: string): string {
  let site = SITES.get(url);
  if (site === undefined) {
    site = siteOf(url) ?? url;
    if (SITES.size >= 4096) SITES.clear();
    SITES.set(url, site);
  }
  return site;
}

/** The schemeful site of a parsed URL, from its scheme and host alone. */
export function siteOfParsed(url: URL): string {
  return siteOfUrl(`${url.protocol}//${url.host}`);
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * Fills in a context's defaults and decides, from the URL and the context alone, whether the
 * request is same-site. Throws a {@link JarError} (`ERR_JAR_CONTEXT_INVALID`) for a context
 * no browser could produce. `site` is the URL's site, when the caller has it already.
 */
export function resolveContext(
  url: URL,
  context: RequestContext = {},
  profile: JarProfile,
  site: string = siteOfParsed(url),
): ResolvedContext {
  if (typeof context !== "object" || context === null) throw bad("the context must be an object");
  if (
    context.type === undefined &&
    context.initiator == null &&
    context.method === undefined &&
    context.redirects === undefined &&
    context.frames === undefined &&
    context.api === undefined
  ) {
    // The default: a top-level navigation the user started. The common case, kept cheap.
    return {
      type: "navigation",
      initiator: null,
      frames: NONE,
      method: "GET",
      redirects: NONE,
      api: "http",
      status: "same-site",
      why: "a top-level navigation started by the user, same site",
      topLevelSite: site,
      thirdParty: false,
    };
  }
  const type = context.type ?? "navigation";
  if (!TYPES.has(type))
    throw bad(`type ${JSON.stringify(type)} is not navigation, frame or subresource`);
  const api = context.api ?? "http";
  if (api !== "http" && api !== "script")
    throw bad(`api ${JSON.stringify(api)} is not http or script`);
  const method = context.method ?? "GET";
  if (typeof method !== "string" || !/^[A-Za-z]+$/.test(method)) {
    throw bad(`method ${JSON.stringify(method)} is not an HTTP method`);
  }
  const upper = method.toUpperCase();
  const initiator =
    context.initiator === undefined || context.initiator === null
      ? null
      : origin(context.initiator, "initiator");
  if (context.frames !== undefined && !Array.isArray(context.frames)) {
    throw bad("frames must be a list of origins");
  }
  const frames = (context.frames ?? (initiator === null ? [] : [initiator])).map((f) =>
    origin(f, "frame"),
  );
  const redirects = urlList(context.redirects, "redirects");
  const base = { type, initiator, frames, method: upper, redirects, api };

  if (type === "navigation") {
    if (api === "script") {
      return {
        ...base,
        status: "same-site",
        why: "a top-level document reads its own cookies",
        topLevelSite: site,
        thirdParty: false,
      };
    }
    const from = initiator === null ? site : siteOfUrl(initiator);
    const via = profile.crossSiteRedirectsAreCrossSite
      ? redirects.find((r) => siteOfUrl(r) !== from)
      : undefined;
    let why: string | undefined;
    if (from !== site)
      why = `a top-level navigation started by ${initiator}, another site than ${site}`;
    else if (via !== undefined)
      why = `a top-level navigation that was redirected through ${via}, another site`;
    if (why === undefined) {
      const who = initiator === null ? "the user" : initiator;
      return {
        ...base,
        status: "same-site",
        why: `a top-level navigation started by ${who}, same site`,
        topLevelSite: site,
        thirdParty: false,
      };
    }
    const safe = SAFE_METHODS.has(upper);
    return {
      ...base,
      status: safe ? "lax" : "lax-unsafe",
      why: `${why}, with ${safe ? "a safe" : "an unsafe"} method (${upper})`,
      topLevelSite: site,
      thirdParty: false,
    };
  }

  const top = frames[0];
  if (top === undefined) {
    // No document made it (a request of the user agent itself): same-site, RFC 6265bis 5.2.2.
    return {
      ...base,
      status: "same-site",
      why: "no document made this request",
      topLevelSite: site,
      thirdParty: false,
    };
  }
  const topSite = siteOfUrl(top);
  const crossFrame = frames.find((f) => siteOfUrl(f) !== topSite);
  const what =
    api === "script" ? "a document" : type === "frame" ? "a frame load" : "a subresource request";
  let why: string | undefined;
  if (crossFrame !== undefined)
    why = `${what} under a frame of ${crossFrame}, another site than the top-level ${top}`;
  else if (topSite !== site)
    why = `${what} of ${site} under a top-level document of ${topSite}, another site`;
  const thirdParty = why !== undefined;
  if (why === undefined && api === "http") {
    const by = initiator ?? frames[frames.length - 1] ?? top;
    const via = profile.crossSiteRedirectsAreCrossSite
      ? redirects.find((r) => siteOfUrl(r) !== topSite)
      : undefined;
    if (siteOfUrl(by) !== site) why = `${what} started by ${by}, another site than ${site}`;
    else if (via !== undefined) why = `${what} that was redirected through ${via}, another site`;
  }
  if (why === undefined) {
    return {
      ...base,
      status: "same-site",
      why: `${what} of ${site} under ${top}, same site`,
      topLevelSite: topSite,
      thirdParty,
    };
  }
  return { ...base, status: "cross-site", why, topLevelSite: topSite, thirdParty };
}
