import { booleanOption, type KnownKeys, refuseUnknownKeys } from "../lib/options.js";
import { originOf, siteOf } from "../site/origin.js";
import { CsrfError, type CsrfReason } from "./errors.js";

/** Options of {@link createOriginGuard}. */
export interface OriginGuardOptions {
  /**
   * The application's own origin(s), exactly as browsers send them: `https://www.shop.test:8443`.
   * Compared in full (scheme, host and port), never by prefix or suffix.
   */
  origin: string | readonly string[];
  /** Other origins allowed to make unsafe requests, cross-site or same-site. Exact. */
  trustedOrigins?: readonly string[];
  /**
   * Let sibling subdomains of the same site (`Sec-Fetch-Site: same-site`) through. Default
   * false: a takeover of any subdomain would otherwise be a CSRF on this one.
   */
  trustSameSite?: boolean;
  /** Let `Origin: null` through. Default false. */
  allowNullOrigin?: boolean;
  /**
   * What to do with an unsafe request that carries no `Sec-Fetch-Site`, `Origin` nor `Referer`
   * (old browsers, privacy proxies, non-browser clients): `strict` (default) refuses it;
   * `compatible` lets the session-bound token decide alone.
   */
  mode?: "strict" | "compatible";
}

/** The guard's verdict on one request. */
export type GuardVerdict =
  | {
      readonly ok: true;
      readonly tokenOnly: boolean;
      readonly crossSite: boolean;
      readonly origin: string | undefined;
    }
  | {
      readonly ok: false;
      readonly reason: CsrfReason;
      readonly crossSite: boolean;
      readonly origin: string | undefined;
    };

/** The headers the guard reads, by lower-case name. */
export interface GuardRequest {
  readonly method: string;
  header(name: string): string | undefined;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** True for methods that must not change state: GET, HEAD, OPTIONS. TRACE is not among them. */
export function isSafeMethod(method: string): boolean {
  return SAFE.has(method.toUpperCase());
}

/** An optional boolean option of the guard, refused with `ERR_CSRF_OPTIONS_INVALID` if not one. */
export function csrfBoolean(name: string, value: unknown, fallback: boolean): boolean {
  return booleanOption(name, value, fallback, (message) => {
    throw new CsrfError("ERR_CSRF_OPTIONS_INVALID", message);
  });
}

function exactOrigins(name: string, list: readonly string[]): Set<string> {
  const out = new Set<string>();
  if (!Array.isArray(list)) {
    throw new CsrfError("ERR_CSRF_OPTIONS_INVALID", `${name} must be a list of origins`);
  }
  for (const o of list) {
    if (typeof o === "string" && o.includes("*")) {
      throw new CsrfError(
        "ERR_CSRF_OPTIONS_INVALID",
        `${name} ${JSON.stringify(o)} has a wildcard: the CSRF guard matches exact origins only, so list each one`,
      );
    }
    const normal = typeof o === "string" ? originOf(o) : undefined;
    if (normal === undefined || normal !== o) {
      throw new CsrfError(
        "ERR_CSRF_OPTIONS_INVALID",
        `${name} ${JSON.stringify(o)} is not a serialized origin: write it as browsers send it${normal === undefined ? ", scheme://host[:port]" : `: ${JSON.stringify(normal)}`}`,
      );
    }
    out.add(o);
  }
  return out;
}

export const GUARD_OPTION_KEYS: readonly string[] = Object.keys({
  origin: true,
  trustedOrigins: true,
  trustSameSite: true,
  allowNullOrigin: true,
  mode: true,
} satisfies KnownKeys<OriginGuardOptions>);

/**
 * Refuses options (`what`: "createCsrf's options") that are not an object, or that have a key
 * not among `known`, shown after `prefix` (a misspelt `trustedOrigin` would otherwise leave the
 * list empty without a word).
 */
export function checkCsrfKeys(
  options: unknown,
  known: readonly string[],
  what: string,
  prefix: string,
): void {
  const invalid = (message: string): never => {
    throw new CsrfError("ERR_CSRF_OPTIONS_INVALID", message);
  };
  if (options === null || typeof options !== "object") invalid(`${what} must be an object`);
  refuseUnknownKeys(options as object, known, prefix, invalid);
}

/**
 * The cross-origin guard: Fetch Metadata first, then `Origin`, then `Referer`, as Go 1.25's
 * CrossOriginProtection and the OWASP cheat sheet do. Safe methods always pass.
 */
export function createOriginGuard(
  options: OriginGuardOptions,
): (request: GuardRequest) => GuardVerdict {
  checkCsrfKeys(options, GUARD_OPTION_KEYS, "createOriginGuard's options", "");
  return originGuard(options);
}

/** {@link createOriginGuard} for options whose keys the caller has checked. */
export function originGuard(options: OriginGuardOptions): (request: GuardRequest) => GuardVerdict {
  const own = exactOrigins(
    "origin",
    typeof options.origin === "string" ? [options.origin] : options.origin,
  );
  if (own.size === 0)
    throw new CsrfError("ERR_CSRF_OPTIONS_INVALID", "origin must name the application's origin");
  const trusted = exactOrigins("trustedOrigins", options.trustedOrigins ?? []);
  const ownSites = new Set([...own].map((o) => siteOf(o)));
  const trustSameSite = csrfBoolean("trustSameSite", options.trustSameSite, false);
  const allowNull = csrfBoolean("allowNullOrigin", options.allowNullOrigin, false);
  const mode: unknown = options.mode ?? "strict";
  if (mode !== "strict" && mode !== "compatible") {
    throw new CsrfError(
      "ERR_CSRF_OPTIONS_INVALID",
      `mode must be "strict" or "compatible", not ${JSON.stringify(mode) ?? String(mode)}`,
    );
  }
  const strict = mode === "strict";

  const isCrossSite = (origin: string | undefined): boolean =>
    origin !== undefined && origin !== "null" && !ownSites.has(siteOf(origin));

  return (req) => {
    const originHeader = req.header("origin")?.trim();
    if (isSafeMethod(req.method))
      return { ok: true, tokenOnly: false, crossSite: false, origin: originHeader };
    const fetchSite = req.header("sec-fetch-site")?.trim().toLowerCase();
    const crossSite = fetchSite === "cross-site" || isCrossSite(originHeader);
    const refuse = (reason: CsrfReason): GuardVerdict => ({
      ok: false,
      reason,
      crossSite,
      origin: originHeader,
    });
    const pass: GuardVerdict = { ok: true, tokenOnly: false, crossSite, origin: originHeader };

    if (originHeader === "null") return allowNull ? pass : refuse("null_origin");
    if (originHeader !== undefined && trusted.has(originHeader)) return pass;
    if (fetchSite !== undefined && fetchSite !== "") {
      if (fetchSite === "same-origin" || fetchSite === "none") {
        // A browser that sends Fetch Metadata also sends Origin on unsafe requests; when it
        // does, it must agree with the origin this server answers for. "none" (a navigation the
        // user started) never comes with a foreign Origin from a browser: such a pair is forged.
        if (originHeader !== undefined && !own.has(originHeader)) {
          return refuse("origin_mismatch");
        }
        return pass;
      }
      if (fetchSite === "same-site") return trustSameSite ? pass : refuse("same_site_request");
      return refuse("cross_site_request");
    }
    if (originHeader !== undefined && originHeader !== "") {
      return own.has(originHeader) ? pass : refuse("origin_mismatch");
    }
    const referer = req.header("referer");
    if (referer !== undefined && referer !== "") {
      const ro = originOf(referer);
      if (ro !== undefined && (own.has(ro) || trusted.has(ro))) return pass;
      return { ok: false, reason: "referer_mismatch", crossSite: isCrossSite(ro), origin: ro };
    }
    return strict
      ? refuse("origin_missing")
      : { ok: true, tokenOnly: true, crossSite: false, origin: undefined };
  };
}
