import { JarError } from "./errors.js";

/**
 * The options that make a jar behave as one browser or one specification. A profile is a
 * named set of these; every difference between profiles is one of them, so a difference in
 * behaviour can always be named.
 */
export interface ProfileOptions {
  /**
   * How a cookie without a (recognized) SameSite attribute is enforced. `"Lax"`: as Lax
   * (RFC 6265bis 5.8.3 and every current browser); `"None"`: as before 2020.
   */
  readonly defaultSameSite: "Lax" | "None";
  /**
   * Milliseconds after creation during which a cookie without SameSite is still sent on a
   * cross-site top-level navigation with an unsafe method (POST): the "Lax-allowing-unsafe"
   * enforcement of RFC 6265bis 5.6.7.1. `0`: never.
   */
  readonly laxAllowingUnsafeMs: number;
  /** The cap on Max-Age and Expires, in seconds from the time the cookie is set. */
  readonly maxAgeCapSeconds: number;
  /** Cookies one registrable domain may hold before eviction. */
  readonly maxCookiesPerDomain: number;
  /** How many remain for that domain after an eviction. */
  readonly purgeCookiesPerDomainTo: number;
  /** Cookies the whole jar may hold before eviction. */
  readonly maxCookies: number;
  /** How many remain after an eviction of the whole jar. */
  readonly purgeCookiesTo: number;
  /** Evict non-Secure cookies before Secure ones (then the least recently used first). */
  readonly evictNonSecureFirst: boolean;
  /**
   * Honour `Partitioned` (CHIPS): such a cookie is keyed by the top-level site it was set
   * under and sent only under that site. `false`: the attribute is an unknown extension.
   */
  readonly partitioned: boolean;
  /**
   * Neither send nor store unpartitioned cookies on requests whose site for cookies is another
   * site (a cross-site frame, or a subresource of a page of another site).
   */
  readonly blockThirdPartyCookies: boolean;
  /** Count `http://localhost` and loopback addresses as secure origins for Secure cookies. */
  readonly trustLoopback: boolean;
  /**
   * A request that went through a URL of another site on its way (a redirect chain) is
   * cross-site, even when it starts and ends on one site (RFC 6265bis 5.2.2).
   */
  readonly crossSiteRedirectsAreCrossSite: boolean;
  /** Enforce the `__Http-` and `__Host-Http-` prefixes (Secure, HttpOnly, set over HTTP only). */
  readonly httpPrefixes: boolean;
}

/** The profile names a jar knows. */
export type ProfileName = "rfc6265bis" | "chromium";

/** A profile: its name and its options. */
export interface JarProfile extends ProfileOptions {
  readonly name: string;
}

const DAY = 24 * 60 * 60;

/** The latest RFC 6265bis draft as written, with its suggested limits. */
export const RFC6265BIS: JarProfile = Object.freeze({
  name: "rfc6265bis",
  defaultSameSite: "Lax",
  laxAllowingUnsafeMs: 0,
  maxAgeCapSeconds: 400 * DAY,
  maxCookiesPerDomain: 50,
  purgeCookiesPerDomainTo: 50,
  maxCookies: 3000,
  purgeCookiesTo: 3000,
  evictNonSecureFirst: false,
  partitioned: false,
  blockThirdPartyCookies: false,
  trustLoopback: false,
  crossSiteRedirectsAreCrossSite: true,
  httpPrefixes: true,
});

/**
 * Chromium as Google ships it (third-party cookies allowed), where it differs from the draft.
 * Each value is documented in docs/jar.md with how it was measured.
 */
export const CHROMIUM: JarProfile = Object.freeze({
  ...RFC6265BIS,
  name: "chromium",
  laxAllowingUnsafeMs: 2 * 60 * 1000,
  maxCookiesPerDomain: 180,
  purgeCookiesPerDomainTo: 150,
  maxCookies: 3300,
  purgeCookiesTo: 3000,
  evictNonSecureFirst: true,
  partitioned: true,
  trustLoopback: true,
  crossSiteRedirectsAreCrossSite: false,
});

const PROFILES: Readonly<Record<ProfileName, JarProfile>> = {
  rfc6265bis: RFC6265BIS,
  chromium: CHROMIUM,
};

/** True for a name {@link resolveProfile} knows. */
export function isProfileName(name: unknown): name is ProfileName {
  return typeof name === "string" && Object.hasOwn(PROFILES, name);
}

const NUMBER_OPTIONS = [
  "laxAllowingUnsafeMs",
  "maxAgeCapSeconds",
  "maxCookiesPerDomain",
  "purgeCookiesPerDomainTo",
  "maxCookies",
  "purgeCookiesTo",
] as const;
const BOOLEAN_OPTIONS = [
  "evictNonSecureFirst",
  "partitioned",
  "blockThirdPartyCookies",
  "trustLoopback",
  "crossSiteRedirectsAreCrossSite",
  "httpPrefixes",
] as const;

/**
 * A profile by name or as given, with `overrides` applied and every option checked.
 *
 * ```ts
 * resolveProfile("chromium", { blockThirdPartyCookies: true }); // Debian's Chromium default
 * ```
 */
export function resolveProfile(
  profile: ProfileName | JarProfile = "rfc6265bis",
  overrides: Partial<ProfileOptions> = {},
): JarProfile {
  let base: JarProfile;
  if (typeof profile === "string") {
    if (!isProfileName(profile)) {
      throw new JarError(
        "ERR_JAR_PROFILE_INVALID",
        `unknown profile ${JSON.stringify(profile)}: use "rfc6265bis" or "chromium"`,
      );
    }
    base = PROFILES[profile];
  } else {
    base = profile;
  }
  const out = { ...base, ...overrides } as JarProfile;
  for (const k of NUMBER_OPTIONS) {
    if (typeof out[k] !== "number" || !(out[k] >= 0)) {
      throw new JarError("ERR_JAR_PROFILE_INVALID", `profile option ${k} must be a number ≥ 0`);
    }
  }
  for (const k of BOOLEAN_OPTIONS) {
    if (typeof out[k] !== "boolean") {
      throw new JarError("ERR_JAR_PROFILE_INVALID", `profile option ${k} must be a boolean`);
    }
  }
  if (out.defaultSameSite !== "Lax" && out.defaultSameSite !== "None") {
    throw new JarError(
      "ERR_JAR_PROFILE_INVALID",
      `profile option defaultSameSite must be "Lax" or "None"`,
    );
  }
  if (
    out.purgeCookiesPerDomainTo > out.maxCookiesPerDomain ||
    out.purgeCookiesTo > out.maxCookies
  ) {
    throw new JarError(
      "ERR_JAR_PROFILE_INVALID",
      "a purge target must not be above its limit (purgeCookiesTo ≤ maxCookies, purgeCookiesPerDomainTo ≤ maxCookiesPerDomain)",
    );
  }
  return Object.freeze(out);
}
