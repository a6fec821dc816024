import { getPublicSuffix } from "tldts";
import type { ParsedSetCookie } from "../../cookie/index.js";
import { domainMatch, isLoopbackHost, siteOf } from "../../site/index.js";
import { RULES, type RuleId, type Severity } from "./catalogue.js";
import { type CookieClass, estimateEntropyBits, isJwt } from "./classify.js";
import { type CookieLine, lineOf, writeLine } from "./cookie-line.js";
import { hideInLine, hideValue } from "./redact.js";
import type { Finding } from "./types.js";

/** What the cookie rules need to know about the response that set the cookie. */
export interface CookieContext {
  readonly url: URL;
  /** HSTS that covers the response's host, if any. */
  readonly hsts: { readonly includeSubDomains: boolean } | undefined;
  readonly now: number;
  /** Seconds. */
  readonly maxLifetime: number;
  /** Shorten session cookie values in evidence and fixes. */
  readonly redact: boolean;
}

const DAY = 86_400;
const CAP_SECONDS = 400 * DAY;

/** RFC 6265bis 5.1.4: the directory of the request path, the Path a cookie without one gets. */
export function defaultPath(url: URL): string {
  const p = url.pathname;
  if (!p.startsWith("/")) return "/";
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

/** Whether the line deletes the cookie rather than sets it. */
export function isDeletion(c: ParsedSetCookie, now: number): boolean {
  if (c.maxAge !== undefined) return c.maxAge <= 0;
  return c.expires !== undefined && c.expires.getTime() <= now;
}

/** Seconds the cookie asks to live, before the 400-day cap; undefined for a browser-session cookie. */
function lifetimeOf(c: ParsedSetCookie, now: number): number | undefined {
  if (c.maxAge !== undefined) return c.maxAge;
  if (c.expires !== undefined) return Math.round((c.expires.getTime() - now) / 1000);
  return undefined;
}

function days(seconds: number): string {
  const d = seconds / DAY;
  return d >= 1 ? `${Math.round(d * 10) / 10} days` : `${Math.round(seconds / 3600)} hours`;
}

/**
 * The line with the change of every fix applied: each fix is the base line with one change, so
 * what differs from the base is that change. Attributes removed by any fix stay removed.
 */
function combineFixes(base: CookieLine, fixes: readonly CookieLine[]): CookieLine {
  const out: Record<string, unknown> = { ...base };
  for (const fix of fixes) {
    for (const [key, value] of Object.entries(fix)) {
      if (value === (base as unknown as Record<string, unknown>)[key]) continue;
      out[key] =
        key === "extensions"
          ? (out.extensions as CookieLine["extensions"]).filter((e) => fix.extensions.includes(e))
          : value;
    }
  }
  return out as unknown as CookieLine;
}

/** The cookie renamed with `__Host-` and the attributes that prefix requires. */
function hostPrefixed(c: CookieLine): CookieLine {
  return {
    ...c,
    name: `__Host-${c.name.replace(/^__(?:secure|host)-/i, "")}`,
    domain: undefined,
    path: "/",
    secure: true,
  };
}

/** The rules of the cookie prefixes that the cookie breaks, as the changes that fix them. */
function prefixProblems(c: ParsedSetCookie): string[] {
  const lower = c.name.toLowerCase();
  const problems: string[] = [];
  const host = lower.startsWith("__host-");
  if ((host || lower.startsWith("__secure-") || lower.startsWith("__http-")) && !c.secure)
    problems.push("add Secure");
  if (host && c.domain !== undefined && c.domain !== "") problems.push("remove Domain");
  if (host && c.path !== "/") problems.push("set Path=/");
  if ((lower.startsWith("__http-") || lower.startsWith("__host-http-")) && !c.httpOnly)
    problems.push("add HttpOnly");
  return problems;
}

/** Why the browser refuses to store the cookie from this response, or undefined if it stores it. */
export function refusal(c: ParsedSetCookie, url: URL): string | undefined {
  const host = url.hostname;
  if (c.secure && url.protocol !== "https:" && !isLoopbackHost(host))
    return "it is Secure and came over http";
  const prefix = prefixProblems(c);
  if (prefix.length > 0) return `its name prefix needs: ${prefix.join(", ")}`;
  if (c.sameSite === "None" && !c.secure) return "it is SameSite=None without Secure";
  if (c.partitioned && !c.secure) return "it is Partitioned without Secure";
  if (c.domain !== undefined && c.domain !== "") {
    if (!domainMatch(host, c.domain)) return `its Domain=${c.domain} does not cover ${host}`;
    if (c.domain !== host && getPublicSuffix(c.domain, { allowPrivateDomains: true }) === c.domain)
      return `its Domain=${c.domain} is a public suffix`;
  }
  return undefined;
}

/**
 * The findings for one parsed Set-Cookie line. A line that deletes a cookie is checked only
 * against the rules that make browsers refuse it: a refused deletion leaves the cookie alive.
 */
export function cookieFindings(
  c: ParsedSetCookie,
  raw: string,
  cls: CookieClass,
  ctx: CookieContext,
): Finding[] {
  const out: Finding[] = [];
  const session = cls.kind === "session";
  const url = ctx.url;
  const host = url.hostname;
  const https = url.protocol === "https:";
  // A session token shown in a report is a session handed to whoever reads the log.
  const hidden = ctx.redact && session ? hideValue(c.value) : c.value;
  const base = hidden === c.value ? lineOf(c) : { ...lineOf(c), value: hidden };
  const shownRaw = hidden === c.value ? raw : hideInLine(raw, c.value);
  const recognised =
    cls.by === "name"
      ? " (a session cookie by its name)"
      : cls.by === "entropy"
        ? " (a session cookie by the randomness of its value)"
        : "";
  const fixes: CookieLine[] = [];
  const add = (id: RuleId, severity: Severity, note: string, fix: CookieLine | string): void => {
    if (typeof fix !== "string") fixes.push(fix);
    out.push({
      id,
      severity,
      cookie: c.name,
      header: "set-cookie",
      url: url.href,
      evidence: `Set-Cookie: ${shownRaw}${note === "" ? "" : ` — ${note}`}`,
      why: RULES[id].why,
      fix: typeof fix === "string" ? fix : writeLine(fix),
    });
  };
  // Every finding of the cookie carries the line with all of its fixes applied.
  const finish = (): Finding[] => {
    if (fixes.length === 0) return out;
    const corrected = writeLine(combineFixes(base, fixes));
    return out.map((f) => ({ ...f, corrected }));
  };
  const deletion = isDeletion(c, ctx.now);

  // Rules under which the browser refuses the line, deletions included.
  if (c.secure && !https) {
    const local = isLoopbackHost(host);
    const target = new URL(url.href);
    target.protocol = "https:";
    add(
      "secure-over-http",
      local ? "info" : "medium",
      local
        ? `set over http://${host}: Chromium and Firefox store it, Safari does not`
        : `set over ${url.origin}: browsers refuse it`,
      `Serve ${url.origin} over https (${target.origin}) and send it from there: ${writeLine(base)}`,
    );
  }
  const prefix = prefixProblems(c);
  if (prefix.length > 0) {
    const lower = c.name.toLowerCase();
    add("prefix-violation", "high", `the prefix needs: ${prefix.join(", ")}`, {
      ...base,
      secure: true,
      httpOnly: base.httpOnly || lower.startsWith("__http-") || lower.startsWith("__host-http-"),
      ...(lower.startsWith("__host-") ? { domain: undefined, path: "/" } : {}),
    });
  }
  if (c.sameSite === "None" && !c.secure) {
    add("samesite-none-insecure", session ? "high" : "medium", "browsers refuse it", {
      ...base,
      secure: true,
    });
  }
  if (c.partitioned && !c.secure) {
    add("partitioned-no-secure", "medium", "browsers refuse it", { ...base, secure: true });
  }
  if (c.domain !== undefined && c.domain !== "") {
    if (!domainMatch(host, c.domain)) {
      add("domain-mismatch", "medium", `${host} is not under ${c.domain}: browsers refuse it`, {
        ...base,
        domain: undefined,
      });
    } else if (
      c.domain !== host &&
      getPublicSuffix(c.domain, { allowPrivateDomains: true }) === c.domain
    ) {
      add("domain-mismatch", "medium", `${c.domain} is a public suffix: browsers refuse it`, {
        ...base,
        domain: undefined,
      });
    }
  }
  if (deletion) return finish();

  if (!c.secure) {
    if (session) {
      add("session-no-secure", "high", `no Secure${recognised}`, { ...base, secure: true });
    } else if (https) {
      const covered =
        ctx.hsts !== undefined &&
        (c.domain === undefined || c.domain === "" || ctx.hsts.includeSubDomains);
      add(
        "cookie-no-secure",
        covered ? "low" : "medium",
        covered ? "no Secure; HSTS keeps browsers on https for this host" : "no Secure",
        { ...base, secure: true },
      );
    }
  }
  if (!c.httpOnly) {
    if (session) {
      add("session-no-httponly", "medium", `no HttpOnly${recognised}`, { ...base, httpOnly: true });
    } else if (cls.kind !== "csrf") {
      add("cookie-no-httponly", "low", "no HttpOnly", { ...base, httpOnly: true });
    }
  }
  const invalidSameSite = c.problems.find((p) => p.reason === "samesite-unrecognized");
  if (invalidSameSite !== undefined) {
    add(
      "samesite-invalid",
      session ? "medium" : "low",
      `SameSite=${invalidSameSite.value} is not Strict, Lax or None: the browser's default applies`,
      { ...base, sameSite: "Lax" },
    );
  } else if (c.sameSite === undefined) {
    add("samesite-missing", session ? "medium" : "low", "no SameSite", {
      ...base,
      sameSite: "Lax",
    });
  }
  if (c.sameSite === "None") {
    add(
      "samesite-none",
      session ? "medium" : "low",
      c.partitioned
        ? "SameSite=None (Partitioned: only under the top-level site that set it)"
        : "SameSite=None",
      { ...base, sameSite: "Lax", partitioned: false },
    );
  }
  if (
    c.domain !== undefined &&
    c.domain !== "" &&
    c.domain !== host &&
    domainMatch(host, c.domain) &&
    // A __Host- cookie with Domain is refused outright (prefix-violation), not shared.
    !c.name.toLowerCase().startsWith("__host-")
  ) {
    const site = siteOf(url.origin);
    const registrable = site === undefined ? c.domain : site.slice(site.indexOf("//") + 2);
    add(
      "loose-domain",
      session ? "medium" : "low",
      c.domain === registrable
        ? `Domain=${c.domain}: sent to every host of the site ${c.domain}, not only ${host}`
        : `Domain=${c.domain}: sent to every host under ${c.domain}, not only ${host}`,
      { ...base, domain: undefined },
    );
  }
  const lifetime = lifetimeOf(c, ctx.now);
  if (lifetime !== undefined && lifetime > CAP_SECONDS) {
    add(
      "lifetime-capped",
      "info",
      `asks for ${days(lifetime)}; browsers keep it at most 400 days`,
      { ...base, expires: undefined, maxAge: Math.min(CAP_SECONDS, ctx.maxLifetime) },
    );
  }
  for (const p of c.problems) {
    if (p.reason === "samesite-unrecognized") continue;
    add(
      "attribute-invalid",
      "low",
      p.reason === "value-too-long"
        ? `${p.name} is over 1024 bytes: ignored`
        : `${p.name}=${p.value} is not valid: ignored`,
      base,
    );
  }
  for (const e of c.extensions) {
    add("attribute-unknown", "info", `${e.name} is not a cookie attribute: ignored`, {
      ...base,
      extensions: base.extensions.filter((x) => x !== e),
    });
  }

  if (cls.kind === "csrf" && !c.name.toLowerCase().startsWith("__host-")) {
    add("csrf-cookie-not-host", "medium", "a CSRF cookie without __Host-", hostPrefixed(base));
  }
  if (!session) return finish();

  if (!c.name.toLowerCase().startsWith("__host-")) {
    add("host-prefix-missing", "low", "no __Host- prefix", hostPrefixed(base));
  }
  const path = c.path ?? defaultPath(url);
  if (path !== "/") {
    add(
      "path-not-root",
      "low",
      c.path === undefined ? `no Path: the browser uses ${path}` : `Path=${path}`,
      { ...base, path: "/" },
    );
  }
  if (lifetime !== undefined && lifetime > ctx.maxLifetime) {
    add(
      "long-lifetime",
      "medium",
      `lives ${days(Math.min(lifetime, CAP_SECONDS))}, over the limit of ${days(ctx.maxLifetime)}`,
      { ...base, expires: undefined, maxAge: ctx.maxLifetime },
    );
  }
  if (!isJwt(c.value)) {
    const bits = estimateEntropyBits(c.value);
    if (bits < 128) {
      add(
        "low-entropy-id",
        bits < 64 ? "high" : "medium",
        `the value holds at most ${bits} bit${bits === 1 ? "" : "s"} of randomness`,
        'Generate the id from a CSPRNG with at least 128 bits (e.g. 32 random bytes as base64url: crypto.randomBytes(32).toString("base64url"))',
      );
    }
  }
  return finish();
}
