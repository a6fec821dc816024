import { type ParsedSetCookie, parseSetCookie } from "../cookie/index.js";
import { domainMatch, isPublicSuffix, registrableDomain } from "../site/host.js";
import {
  type RequestContext,
  type ResolvedContext,
  resolveContext,
  type SameSiteStatus,
} from "./context.js";
import { JarError } from "./errors.js";
import { type JarExplanation, verdictOf } from "./explain.js";
import type { Retrieval } from "./match.js";
import { defaultPath, pathMatch } from "./path.js";
import {
  type JarProfile,
  type ProfileName,
  type ProfileOptions,
  resolveProfile,
} from "./profiles.js";
import { REJECTION_MESSAGES } from "./reasons.js";
import { type RequestTarget, requestTarget } from "./request-url.js";
import type { RejectionReason, SameSiteMode, SetCookieResult, StoredCookie } from "./types.js";

/** Options of a {@link CookieJar}: a profile, options that override it, and a clock. */
export interface CookieJarOptions extends Partial<ProfileOptions> {
  /** `"rfc6265bis"` (default), `"chromium"`, or a profile object. */
  readonly profile?: ProfileName | JarProfile;
  /** The time in milliseconds since the epoch. Default `Date.now`. */
  readonly clock?: () => number;
}

/** What {@link CookieJar.toJSON} writes and {@link CookieJar.fromJSON} reads. */
export interface CookieJarJSON {
  readonly format: "sessionjar-jar/1";
  readonly profile: string;
  readonly cookies: readonly (Omit<StoredCookie, "expires" | "partitionKey"> & {
    readonly expires: number | null;
    readonly partitionKey: string | null;
  })[];
}

// What the retrieval checks read of a cookie, as bits: a request turns the checks that need
// nothing but these into one mask, and a cookie fails them all in one AND.
const HOST_ONLY = 1;
const SECURE = 2;
const HTTP_ONLY = 4;
const PARTITIONED = 8;
const UNPARTITIONED = 16;
const SAME_SITE_STRICT = 32;
const SAME_SITE_LAX = 64;
const SAME_SITE_NONE = 128;
const SAME_SITE_DEFAULT = 256;
/** A Path other than `/`, which every request path is within. */
const SUBPATH = 512;

const SAME_SITE_FLAGS: Readonly<Record<SameSiteMode, number>> = {
  Strict: SAME_SITE_STRICT,
  Lax: SAME_SITE_LAX,
  None: SAME_SITE_NONE,
  Default: SAME_SITE_DEFAULT,
};

function sameSiteOfFlags(flags: number): SameSiteMode {
  if ((flags & SAME_SITE_STRICT) !== 0) return "Strict";
  if ((flags & SAME_SITE_LAX) !== 0) return "Lax";
  return (flags & SAME_SITE_NONE) !== 0 ? "None" : "Default";
}

/** A hash of a cookie name: a search by name compares numbers before strings. */
function nameHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 31) + name.charCodeAt(i)) | 0;
  return h;
}

/** A stored cookie as the jar keeps it: each field in the form its checks read. */
class Entry {
  readonly name: string;
  readonly nameHash: number;
  readonly value: string;
  readonly domain: string;
  readonly path: string;
  /** HOST_ONLY, SECURE, HTTP_ONLY, (UN)PARTITIONED, one SAME_SITE_ bit and SUBPATH. */
  readonly flags: number;
  /** When it expires; `Infinity` for a session cookie. */
  readonly expiresAt: number;
  readonly creationTime: number;
  lastAccessTime: number;
  readonly partitionKey: string | undefined;
  readonly priority: StoredCookie["priority"];
  /** Insertion order, to order cookies created in the same millisecond. */
  readonly seq: number;
  /**
   * `; name=value`, made once: a header is these strung together less its first two
   * characters, one concatenation a cookie.
   */
  readonly separatedPair: string;

  constructor(c: StoredCookie, seq: number, hash: number = nameHash(c.name)) {
    this.name = c.name;
    this.nameHash = hash;
    this.value = c.value;
    this.domain = c.domain;
    this.path = c.path;
    this.flags =
      (c.hostOnly ? HOST_ONLY : 0) |
      (c.secure ? SECURE : 0) |
      (c.httpOnly ? HTTP_ONLY : 0) |
      (c.partitionKey === undefined ? UNPARTITIONED : PARTITIONED) |
      SAME_SITE_FLAGS[c.sameSite] |
      (c.path === "/" ? 0 : SUBPATH);
    this.expiresAt = c.expires ?? Number.POSITIVE_INFINITY;
    this.creationTime = c.creationTime;
    this.lastAccessTime = c.lastAccessTime;
    this.partitionKey = c.partitionKey;
    this.priority = c.priority;
    this.seq = seq;
    this.separatedPair = `; ${pair(c)}`;
  }

  get hostOnly(): boolean {
    return (this.flags & HOST_ONLY) !== 0;
  }

  get secure(): boolean {
    return (this.flags & SECURE) !== 0;
  }

  get httpOnly(): boolean {
    return (this.flags & HTTP_ONLY) !== 0;
  }

  get expires(): number | undefined {
    return this.expiresAt === Number.POSITIVE_INFINITY ? undefined : this.expiresAt;
  }
}

/**
 * The same-site classes a request's status turns away at once. Cookies without SameSite on a
 * cross-site unsafe navigation are left to a check of their age (Lax-allowing-unsafe).
 */
function sameSiteRejects(status: SameSiteStatus, profile: JarProfile): number {
  if (status === "same-site") return 0;
  if (status === "lax") return SAME_SITE_STRICT;
  const defaultToo =
    profile.defaultSameSite === "None" || status === "lax-unsafe" ? 0 : SAME_SITE_DEFAULT;
  return SAME_SITE_STRICT | SAME_SITE_LAX | defaultToo;
}

const PREFIX_SECURE = "__secure-";
const PREFIX_HOST = "__host-";
const PREFIX_HTTP = "__http-";
const PREFIX_HOST_HTTP = "__host-http-";

function startsWithInsensitive(s: string, lowerPrefix: string): boolean {
  return (
    s.length >= lowerPrefix.length && s.slice(0, lowerPrefix.length).toLowerCase() === lowerPrefix
  );
}

function rejected(reason: RejectionReason): SetCookieResult {
  return { type: "rejected", reason, message: REJECTION_MESSAGES[reason] };
}

function publicCopy(e: Entry): StoredCookie {
  return {
    name: e.name,
    value: e.value,
    domain: e.domain,
    path: e.path,
    hostOnly: e.hostOnly,
    secure: e.secure,
    httpOnly: e.httpOnly,
    sameSite: sameSiteOfFlags(e.flags),
    expires: e.expires,
    creationTime: e.creationTime,
    lastAccessTime: e.lastAccessTime,
    partitionKey: e.partitionKey,
    priority: e.priority,
  };
}

/** Longer paths first, then earlier creation (RFC 6265bis 5.8.3 step 2). */
function byPathThenCreation(a: Entry, b: Entry): number {
  return b.path.length - a.path.length || a.creationTime - b.creationTime || a.seq - b.seq;
}

/** `name=value`, or the bare value of a nameless cookie (RFC 6265bis 5.8.3 step 4). */
function pair(c: { readonly name: string; readonly value: string }): string {
  return c.name === "" ? c.value : `${c.name}=${c.value}`;
}

/**
 * The browser's cookie store and its sending decision: the storage model and the retrieval
 * algorithm of the latest RFC 6265bis draft, with a profile for what a browser does
 * differently. Synchronous and pure: it runs in Node, in a page and in any Web runtime.
 *
 * ```ts
 * const jar = new CookieJar({ profile: "chromium" });
 * jar.setCookie("sid=1; Path=/; Secure; HttpOnly; SameSite=Lax", "https://www.shop.test/login");
 * jar.getCookieHeader("https://www.shop.test/cart"); // "sid=1"
 * jar.getCookieHeader("https://www.shop.test/cart", { type: "subresource", initiator: "https://evil.example" }); // ""
 * ```
 *
 * Lookups cost what the requested host's own cookies cost: cookies are indexed by domain, and
 * a request looks only at its host and the domains above it.
 */
export class CookieJar {
  /** The profile in force, overrides applied. */
  readonly profile: JarProfile;
  readonly #clock: () => number;
  /** Cookies by their `domain` field. */
  readonly #byDomain = new Map<string, Entry[]>();
  /** Cookie counts by registrable domain, for the per-domain limit. */
  readonly #perSite = new Map<string, number>();
  #size = 0;
  #seq = 0;

  constructor(options: CookieJarOptions = {}) {
    const { profile, clock, ...overrides } = options;
    this.profile = resolveProfile(profile, overrides);
    if (clock !== undefined && typeof clock !== "function") {
      throw new JarError(
        "ERR_JAR_PROFILE_INVALID",
        "clock must be a function returning milliseconds",
      );
    }
    this.#clock = clock ?? Date.now;
  }

  /** How many cookies the jar holds (expired ones included until they are next looked at). */
  get size(): number {
    return this.#size;
  }

  /**
   * Stores one Set-Cookie field value received in the response to a request for `url` (or
   * written to `document.cookie` with `context.api: "script"`), as RFC 6265bis 5.7 says.
   * Never throws for what a server sends: a cookie a browser would ignore comes back as
   * `{ type: "rejected", reason, message }` and changes nothing.
   */
  setCookie(header: string, url: string | URL, context?: RequestContext): SetCookieResult {
    const t = requestTarget(url);
    const ctx = resolveContext(t.url, context, this.profile, t.site);
    const parsed = parseSetCookie(header);
    if (parsed.type === "ignored") return rejected(parsed.reason);
    return this.#store(parsed.cookie, t, ctx);
  }

  #isSecure(t: RequestTarget): boolean {
    return t.secureScheme || (this.profile.trustLoopback && t.loopback);
  }

  #store(p: ParsedSetCookie, t: RequestTarget, ctx: ResolvedContext): SetCookieResult {
    const profile = this.profile;
    const partitioned = profile.partitioned && p.partitioned;
    if (profile.blockThirdPartyCookies && ctx.thirdParty && !partitioned) {
      return rejected("third-party-blocked");
    }
    const now = this.#clock();
    const cap = now + profile.maxAgeCapSeconds * 1000;
    let expires: number | undefined;
    if (p.maxAge !== undefined)
      expires = p.maxAge <= 0 ? Number.NEGATIVE_INFINITY : Math.min(now + p.maxAge * 1000, cap);
    else if (p.expires !== undefined) expires = Math.min(p.expires.getTime(), cap);

    const host = t.host;
    let domain = host;
    let hostOnly = true;
    if (p.domain !== undefined && p.domain !== "") {
      if (isPublicSuffix(p.domain)) {
        if (p.domain !== host) return rejected("domain-public-suffix");
      } else if (!domainMatch(host, p.domain)) {
        return rejected("domain-mismatch");
      } else {
        domain = p.domain;
        hostOnly = false;
      }
    }
    const path = p.path ?? defaultPath(t.path);
    const secureOrigin = this.#isSecure(t);
    if (p.secure && !secureOrigin) return rejected("secure-from-insecure");
    const script = ctx.api === "script";
    if (p.httpOnly && script) return rejected("http-only-from-script");
    const partitionKey = partitioned ? ctx.topLevelSite : undefined;
    if (!p.secure && !secureOrigin && this.#shadowsSecure(p.name, domain, path, partitionKey)) {
      return rejected("shadows-secure");
    }
    const sameSite = p.sameSite ?? "Default";
    if (sameSite !== "None") {
      const allowed = script
        ? ctx.status === "same-site"
        : ctx.status === "same-site" || ctx.type === "navigation";
      if (!allowed) return rejected("samesite-cross-site");
    }
    if (sameSite === "None" && !p.secure) return rejected("samesite-none-insecure");
    if (partitioned && !p.secure) return rejected("partitioned-insecure");
    const prefixProblem = this.#prefixProblem(p, hostOnly, script);
    if (prefixProblem !== undefined) return rejected(prefixProblem);

    const bucket = this.#byDomain.get(domain);
    const hash = nameHash(p.name);
    let i = -1;
    if (bucket !== undefined) {
      for (let k = 0; k < bucket.length; k++) {
        const e = bucket[k] as Entry;
        if (
          e.nameHash === hash &&
          e.name === p.name &&
          e.path === path &&
          e.hostOnly === hostOnly &&
          e.partitionKey === partitionKey
        ) {
          i = k;
          break;
        }
      }
    }
    const old = bucket !== undefined && i !== -1 ? bucket[i] : undefined;
    if (old !== undefined && script && old.httpOnly) return rejected("overwrites-http-only");
    if (expires !== undefined && expires <= now) {
      if (old !== undefined && bucket !== undefined) this.#remove(bucket, i, old);
      return { type: "deleted", name: p.name, removed: old !== undefined };
    }
    const cookie: StoredCookie = {
      name: p.name,
      value: p.value,
      domain,
      path,
      hostOnly,
      secure: p.secure,
      httpOnly: p.httpOnly,
      sameSite,
      expires,
      creationTime: old?.creationTime ?? now,
      lastAccessTime: now,
      partitionKey,
      priority: p.priority ?? "Medium",
    };
    // The entry copies the fields it keeps, so `cookie` goes to the caller as it is.
    const entry = new Entry(cookie, old?.seq ?? this.#seq++, hash);
    if (old !== undefined && bucket !== undefined) {
      // Same name, domain and path, and the old creation time: its place in the order is kept.
      bucket[i] = entry;
      return { type: "stored", cookie, replaced: true };
    }
    this.#insert(entry);
    this.#evict(entry, now);
    return { type: "stored", cookie, replaced: false };
  }

  /** RFC 6265bis 5.7 step 16: a non-secure cookie may not shadow a Secure one. */
  #shadowsSecure(
    name: string,
    domain: string,
    path: string,
    partitionKey: string | undefined,
  ): boolean {
    for (const bucket of this.#byDomain.values()) {
      const d = bucket[0]?.domain;
      if (d === undefined || !(domainMatch(d, domain) || domainMatch(domain, d))) continue;
      for (const e of bucket) {
        if (
          e.secure &&
          e.name === name &&
          e.partitionKey === partitionKey &&
          pathMatch(path, e.path)
        )
          return true;
      }
    }
    return false;
  }

  #prefixProblem(
    p: ParsedSetCookie,
    hostOnly: boolean,
    script: boolean,
  ): RejectionReason | undefined {
    const name = p.name;
    if (name === "") {
      const v = p.value;
      const prefixes = this.profile.httpPrefixes
        ? [PREFIX_SECURE, PREFIX_HOST, PREFIX_HTTP]
        : [PREFIX_SECURE, PREFIX_HOST];
      return prefixes.some((x) => startsWithInsensitive(v, x)) ? "nameless-prefix" : undefined;
    }
    if (name.charCodeAt(0) !== 0x5f) return undefined;
    if (startsWithInsensitive(name, PREFIX_SECURE) && !p.secure) return "prefix-secure";
    const hostRules = startsWithInsensitive(name, PREFIX_HOST);
    if (hostRules && !(p.secure && hostOnly && p.path === "/")) return "prefix-host";
    if (this.profile.httpPrefixes) {
      const http =
        startsWithInsensitive(name, PREFIX_HTTP) || startsWithInsensitive(name, PREFIX_HOST_HTTP);
      if (http && !(p.secure && p.httpOnly && !script)) return "prefix-http";
    }
    return undefined;
  }

  #insert(e: Entry): void {
    const bucket = this.#byDomain.get(e.domain);
    if (bucket === undefined) this.#byDomain.set(e.domain, [e]);
    else {
      // Buckets stay in sending order, so a request to one domain needs no sort.
      let lo = 0;
      let hi = bucket.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (byPathThenCreation(bucket[mid] as Entry, e) <= 0) lo = mid + 1;
        else hi = mid;
      }
      if (lo === bucket.length) bucket.push(e);
      else bucket.splice(lo, 0, e);
    }
    const site = registrableDomain(e.domain);
    this.#perSite.set(site, (this.#perSite.get(site) ?? 0) + 1);
    this.#size++;
  }

  #remove(bucket: Entry[], index: number, e: Entry): void {
    bucket.splice(index, 1);
    if (bucket.length === 0) this.#byDomain.delete(e.domain);
    const site = registrableDomain(e.domain);
    const n = (this.#perSite.get(site) ?? 1) - 1;
    if (n === 0) this.#perSite.delete(site);
    else this.#perSite.set(site, n);
    this.#size--;
  }

  #removeEntry(e: Entry): void {
    const bucket = this.#byDomain.get(e.domain);
    const i = bucket?.indexOf(e) ?? -1;
    if (bucket !== undefined && i !== -1) this.#remove(bucket, i, e);
  }

  /** RFC 6265bis 5.7.1 (limits): expired cookies go first, then by the profile's order. */
  #evict(added: Entry, now: number): void {
    const p = this.profile;
    const site = registrableDomain(added.domain);
    if ((this.#perSite.get(site) ?? 0) > p.maxCookiesPerDomain) {
      const group = [...this.#byDomain.values()]
        .flat()
        .filter((e) => registrableDomain(e.domain) === site);
      this.#purge(group, p.purgeCookiesPerDomainTo, now);
    }
    if (this.#size > p.maxCookies) {
      this.#purge([...this.#byDomain.values()].flat(), p.purgeCookiesTo, now);
    }
  }

  #purge(group: Entry[], keep: number, now: number): void {
    const nonSecureFirst = this.profile.evictNonSecureFirst;
    const rank = (e: Entry): number =>
      (e.expires !== undefined && e.expires <= now ? 0 : 2) + (nonSecureFirst && !e.secure ? 0 : 1);
    group.sort((a, b) => rank(a) - rank(b) || a.lastAccessTime - b.lastAccessTime || a.seq - b.seq);
    for (let i = 0; i < group.length - keep; i++) this.#removeEntry(group[i] as Entry);
  }

  /**
   * For every stored cookie, sent or not, each check of the retrieval algorithm in plain
   * words: host, path, secure, same-site, expiry, HttpOnly for script, partition. Changes
   * nothing in the jar (not even last-access times).
   */
  explain(url: string | URL, context?: RequestContext): JarExplanation {
    const { url: u, retrieval } = this.#retrieval(url, context);
    const verdicts = this.#entries()
      .sort(byPathThenCreation)
      .map((e) => verdictOf(publicCopy(e), retrieval));
    const sent = verdicts.filter((v) => v.sent);
    return {
      url: u.href,
      sameSite: { status: retrieval.context.status, why: retrieval.context.why },
      secure: retrieval.secure,
      header: sent.map((v) => pair(v.cookie)).join("; "),
      cookies: [...sent, ...verdicts.filter((v) => !v.sent)],
    };
  }

  #retrieval(url: string | URL, context?: RequestContext): { url: URL; retrieval: Retrieval } {
    const t = requestTarget(url);
    const ctx = resolveContext(t.url, context, this.profile, t.site);
    return {
      url: t.url,
      retrieval: {
        host: t.host,
        path: t.path,
        secure: this.#isSecure(t),
        context: ctx,
        now: this.#clock(),
        profile: this.profile,
      },
    };
  }

  /** Every stored cookie, in no particular order. */
  #entries(): Entry[] {
    return [...this.#byDomain.values()].flat();
  }

  /**
   * The cookies a request carries, in the order they are sent (RFC 6265bis 5.8.3): one pass
   * over the cookies of the host and of the domains above it, each check reading what was
   * worked out when the cookie was stored. Expired cookies met on the way are removed.
   */
  #matching(url: string | URL, context: RequestContext | undefined): Entry[] {
    const t = requestTarget(url);
    const profile = this.profile;
    const ctx = resolveContext(t.url, context, profile, t.site);
    const now = this.#clock();
    const path = t.path;
    const top = ctx.topLevelSite;
    const reject =
      (this.#isSecure(t) ? 0 : SECURE) |
      (ctx.api === "script" ? HTTP_ONLY : 0) |
      (profile.blockThirdPartyCookies && ctx.thirdParty ? UNPARTITIONED : 0) |
      sameSiteRejects(ctx.status, profile);
    const checkAge = ctx.status === "lax-unsafe" && profile.defaultSameSite !== "None";
    // The cookies that need a check beyond their flags: most cookies need none.
    const further = SUBPATH | PARTITIONED | (checkAge ? SAME_SITE_DEFAULT : 0);
    const laxMs = profile.laxAllowingUnsafeMs;
    const out: Entry[] = [];
    let expired: Entry[] | undefined;
    let sources = 0;
    const domains = t.domains;
    for (let d = 0; d < domains.length; d++) {
      const bucket = this.#byDomain.get(domains[d] as string);
      if (bucket === undefined) continue;
      // Above the host itself, host-only cookies belong to another host.
      const mask = d === 0 ? reject : reject | HOST_ONLY;
      const before = out.length;
      for (let i = 0; i < bucket.length; i++) {
        const e = bucket[i] as Entry;
        if (e.expiresAt <= now) {
          if (expired === undefined) expired = [e];
          else expired.push(e);
          continue;
        }
        const f = e.flags;
        if ((f & mask) !== 0) continue;
        if ((f & further) !== 0) {
          if ((f & SUBPATH) !== 0 && !pathMatch(path, e.path)) continue;
          if ((f & PARTITIONED) !== 0 && e.partitionKey !== top) continue;
          if (checkAge && (f & SAME_SITE_DEFAULT) !== 0 && now - e.creationTime >= laxMs) continue;
        }
        // RFC 6265bis 5.8.3 step 3: retrieval updates the last-access time of what it returns.
        e.lastAccessTime = now;
        out.push(e);
      }
      if (out.length > before) sources++;
    }
    if (expired !== undefined) for (const e of expired) this.#removeEntry(e);
    // Each bucket is in sending order: only cookies from two domains need merging.
    if (sources > 1) out.sort(byPathThenCreation);
    return out;
  }

  /** The cookies a request for `url` in `context` carries, in the order they are sent. */
  getCookies(url: string | URL, context?: RequestContext): StoredCookie[] {
    return this.#matching(url, context).map(publicCopy);
  }

  /**
   * The `Cookie` header a request for `url` in `context` carries (`""`: none), or, with
   * `context.api: "script"`, the string `document.cookie` returns.
   */
  getCookieHeader(url: string | URL, context?: RequestContext): string {
    const sent = this.#matching(url, context);
    let header = "";
    for (let i = 0; i < sent.length; i++) header += (sent[i] as Entry).separatedPair;
    // Slicing flattens the chain of pieces (V8), so the caller gets one string, as join gives.
    return header.slice(2);
  }

  /** Every stored cookie that has not expired, oldest first. */
  all(): StoredCookie[] {
    const now = this.#clock();
    return this.#entries()
      .filter((e) => e.expires === undefined || e.expires > now)
      .sort((a, b) => a.creationTime - b.creationTime || a.seq - b.seq)
      .map(publicCopy);
  }

  /** Removes every cookie (or those of one domain field, as stored). */
  clear(options: { readonly domain?: string } = {}): void {
    for (const e of this.#entries()) {
      if (options.domain === undefined || e.domain === options.domain) this.#removeEntry(e);
    }
  }

  /** Removes session cookies, as a browser does when the user ends the session. */
  endSession(): void {
    for (const e of this.#entries()) if (e.expires === undefined) this.#removeEntry(e);
  }

  /** The jar as plain JSON (times as milliseconds), for {@link CookieJar.fromJSON}. */
  toJSON(): CookieJarJSON {
    return {
      format: "sessionjar-jar/1",
      profile: this.profile.name,
      cookies: this.all().map((c) => ({
        ...c,
        expires: c.expires ?? null,
        partitionKey: c.partitionKey ?? null,
      })),
    };
  }

  /**
   * A jar holding what `toJSON` wrote, with `options` for its profile and clock. Throws a
   * {@link JarError} (`ERR_JAR_JSON_INVALID`) for anything else, naming the first bad field.
   */
  static fromJSON(json: unknown, options: CookieJarOptions = {}): CookieJar {
    const data = (
      typeof json === "string" ? parseJson(json) : json
    ) as Partial<CookieJarJSON> | null;
    if (
      data === null ||
      typeof data !== "object" ||
      data.format !== "sessionjar-jar/1" ||
      !Array.isArray(data.cookies)
    ) {
      throw new JarError(
        "ERR_JAR_JSON_INVALID",
        'not a jar written by toJSON (format "sessionjar-jar/1" with a cookies list)',
      );
    }
    const jar = new CookieJar(options);
    for (const [i, raw] of data.cookies.entries()) jar.#insert(entryFromJSON(raw, i, jar.#seq++));
    return jar;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new JarError("ERR_JAR_JSON_INVALID", `the jar is not JSON: ${(error as Error).message}`);
  }
}

const SAME_SITE_MODES = new Set(["Strict", "Lax", "None", "Default"]);
const PRIORITIES = new Set(["Low", "Medium", "High"]);

function entryFromJSON(raw: unknown, i: number, seq: number): Entry {
  const fail = (field: string): never => {
    throw new JarError(
      "ERR_JAR_JSON_INVALID",
      `cookie ${i}: ${field} is missing or of the wrong type`,
    );
  };
  if (raw === null || typeof raw !== "object") return fail("the cookie");
  const r = raw as Record<string, unknown>;
  const str = (k: string): string => (typeof r[k] === "string" ? (r[k] as string) : fail(k));
  const bool = (k: string): boolean => (typeof r[k] === "boolean" ? (r[k] as boolean) : fail(k));
  const num = (k: string): number =>
    typeof r[k] === "number" && Number.isFinite(r[k]) ? (r[k] as number) : fail(k);
  const sameSite = str("sameSite");
  const priority = str("priority");
  if (!SAME_SITE_MODES.has(sameSite)) fail("sameSite");
  if (!PRIORITIES.has(priority)) fail("priority");
  const path = str("path");
  if (!path.startsWith("/")) fail("path");
  return new Entry(
    {
      name: str("name"),
      value: str("value"),
      domain: str("domain"),
      path,
      hostOnly: bool("hostOnly"),
      secure: bool("secure"),
      httpOnly: bool("httpOnly"),
      sameSite: sameSite as SameSiteMode,
      expires: r.expires === null ? undefined : num("expires"),
      creationTime: num("creationTime"),
      lastAccessTime: num("lastAccessTime"),
      partitionKey: r.partitionKey === null ? undefined : str("partitionKey"),
      priority: priority as StoredCookie["priority"],
    },
    seq,
  );
}
