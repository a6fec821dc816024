import { decodeCookieValue, type ParsedSetCookie, parseSetCookie } from "../../cookie/index.js";
import { AuditError } from "../errors.js";
import { RULES, type RuleId, type Severity } from "./catalogue.js";
import { type CookieClass, classifyCookie } from "./classify.js";
import { type CookieContext, cookieFindings, defaultPath, isDeletion } from "./cookie-rules.js";
import { headerPairs } from "./header-pairs.js";
import { httpUrl } from "./http-url.js";
import { hideInLine, ID_PARAM, MATRIX_ID, redactUrl } from "./redact.js";
import type { AuditOptions, AuditResponse, CorsProbe, Finding, HeaderInput } from "./types.js";

const DEFAULT_MAX_LIFETIME = 30 * 86_400;

/** Header values by lower-case name, in order. */
function headerMap(headers: HeaderInput | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, value] of headerPairs(headers)) {
    const key = String(name).toLowerCase();
    const list = out.get(key);
    if (list === undefined) out.set(key, [String(value)]);
    else list.push(String(value));
  }
  return out;
}

/** Cache-Control directives, lower-case names, first occurrence winning. */
function directives(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (value === undefined) return out;
  for (const part of value.split(",")) {
    const [k, ...rest] = part.split("=");
    const key = (k ?? "").trim().toLowerCase();
    if (key !== "" && !out.has(key)) out.set(key, rest.join("=").trim().replace(/^"|"$/g, ""));
  }
  return out;
}

/** The Strict-Transport-Security policy of a header value, or undefined for none or max-age=0. */
export function parseHsts(value: string | undefined): { includeSubDomains: boolean } | undefined {
  if (value === undefined) return undefined;
  const d = new Map<string, string>();
  for (const part of value.split(";")) {
    const [k, ...rest] = part.split("=");
    d.set((k ?? "").trim().toLowerCase(), rest.join("=").trim().replace(/^"|"$/g, ""));
  }
  const maxAge = Number(d.get("max-age"));
  if (!Number.isFinite(maxAge) || maxAge <= 0) return undefined;
  return { includeSubDomains: d.has("includesubdomains") };
}

/** The HSTS that covers `host`: its own header, or an earlier one of it or a parent with includeSubDomains. */
function hstsFor(
  host: string,
  own: { includeSubDomains: boolean } | undefined,
  known: AuditOptions["hsts"],
): { includeSubDomains: boolean } | undefined {
  if (own !== undefined) return own;
  if (known === undefined) return undefined;
  const exact = known.get(host);
  if (exact !== undefined) return exact;
  for (const [h, policy] of known) {
    if (policy.includeSubDomains && host.endsWith(`.${h}`)) return policy;
  }
  return undefined;
}

function checkOptions(options: AuditOptions): void {
  if (options === null || typeof options !== "object")
    throw new AuditError("ERR_AUDIT_OPTIONS_INVALID", "audit options must be an object");
  const max = options.maxLifetime;
  if (max !== undefined && !(Number.isFinite(max) && max > 0))
    throw new AuditError(
      "ERR_AUDIT_OPTIONS_INVALID",
      `maxLifetime must be a positive number of seconds, got ${String(max)}`,
    );
  const names = options.sessionCookies;
  if (names !== undefined && !(Array.isArray(names) && names.every((n) => typeof n === "string")))
    throw new AuditError("ERR_AUDIT_OPTIONS_INVALID", "sessionCookies must be a list of names");
}

function responseFinding(
  id: RuleId,
  severity: Severity,
  url: string,
  header: string,
  evidence: string,
  fix: string,
): Finding {
  return { id, severity, cookie: undefined, header, url, evidence, why: RULES[id].why, fix };
}

/** Where a cookie is stored: a browser keeps one cookie per name, domain and path. */
function scopeOf(c: ParsedSetCookie, url: URL): string {
  const domain = c.domain === undefined || c.domain === "" ? url.hostname : `.${c.domain}`;
  return `${domain}${c.path ?? defaultPath(url)}`;
}

/** A URL with the session id parameters taken out (query and `;jsessionid=` path parameters). */
function withoutIds(url: URL, values: ReadonlySet<string>): URL {
  const clean = new URL(url.href);
  clean.pathname = clean.pathname.replace(/;[^/?#]*/g, "");
  for (const [k, v] of [...clean.searchParams]) {
    if (ID_PARAM.test(k) || values.has(v)) clean.searchParams.delete(k);
  }
  return clean;
}

/** Where a URL carries a session id: the parameter, or undefined. */
function idInUrl(url: URL, values: ReadonlySet<string>): string | undefined {
  const matrix = MATRIX_ID.exec(url.pathname);
  if (matrix !== null) return `;${matrix[1]}=…`;
  for (const [k, v] of url.searchParams) {
    if (values.has(v)) return `${k}=… (the session cookie's value)`;
    if (ID_PARAM.test(k) && v.length >= 8) return `${k}=…`;
  }
  return undefined;
}

const PROBE_NAMES: Record<CorsProbe, string> = {
  random: "an origin on a random site",
  null: "Origin: null",
  prefix: "a look-alike origin that starts with the site's host",
  suffix: "a look-alike origin that ends with the site's host",
  "http-downgrade": "the site's own origin over http:",
};

function corsFindings(r: AuditResponse, h: Map<string, string[]>, url: URL): Finding[] {
  const out: Finding[] = [];
  const acao = h.get("access-control-allow-origin")?.[0]?.trim();
  if (acao === undefined) return out;
  const credentials =
    h.get("access-control-allow-credentials")?.[0]?.trim().toLowerCase() === "true";
  const grant = `Access-Control-Allow-Origin: ${acao}${credentials ? " with Access-Control-Allow-Credentials: true" : ""}`;
  const exact = `Access-Control-Allow-Origin: ${url.origin}`;
  if (acao === "*") {
    if (credentials) {
      out.push(
        responseFinding(
          "cors-wildcard-credentials",
          "medium",
          url.href,
          "access-control-allow-origin",
          grant,
          `Answer each allowed origin exactly, and only those: ${exact}, Access-Control-Allow-Credentials: true, Vary: Origin`,
        ),
      );
    }
    return out;
  }
  const probe = r.request?.probe;
  const sent = headerMap(r.request?.headers).get("origin")?.[0];
  const echoed = probe !== undefined && sent !== undefined && acao === sent;
  if (echoed || acao === "null") {
    const what = echoed
      ? `${PROBE_NAMES[probe]} (${sent}) is echoed`
      : "the null origin is granted";
    const downgrade = probe === "http-downgrade";
    out.push(
      responseFinding(
        credentials ? "cors-reflect-credentials" : "cors-reflect",
        credentials ? (downgrade ? "medium" : "high") : "low",
        url.href,
        "access-control-allow-origin",
        `${what}: ${grant}`,
        `Grant only a fixed list of exact https origins (never null): no Access-Control-Allow-Origin for ${sent ?? "null"}; ${exact}${credentials ? ", Access-Control-Allow-Credentials: true" : ""} for an allowed one, with Vary: Origin`,
      ),
    );
  }
  const vary = (h.get("vary") ?? [])
    .join(",")
    .toLowerCase()
    .split(",")
    .map((v) => v.trim());
  if (!vary.includes("origin") && !vary.includes("*")) {
    const value = h.get("vary")?.join(", ");
    out.push(
      responseFinding(
        "cors-no-vary",
        credentials ? "medium" : "low",
        url.href,
        "vary",
        `${grant}, ${value === undefined ? "no Vary" : `Vary: ${value}`}`,
        `Vary: ${value === undefined ? "Origin" : `${value}, Origin`}`,
      ),
    );
  }
  return out;
}

/**
 * Audits one response: every Set-Cookie line (each against the cookie rules, as a browser
 * would read it from this URL), the caching of a response that sets cookies, session ids in
 * the URL or the Location, CORS grants and HSTS. Pure; never throws on what the response
 * holds, only on options of the wrong type (`ERR_AUDIT_OPTIONS_INVALID`) or a URL that is not
 * http(s) (`ERR_AUDIT_INPUT_INVALID`).
 *
 * ```ts
 * auditResponse({
 *   url: "https://shop.test/login",
 *   status: 302,
 *   headers: [["set-cookie", "sid=123; Path=/"], ["location", "/"]],
 * });
 * // session-no-secure, session-no-httponly, samesite-missing, low-entropy-id, …
 * ```
 */
export function auditResponse(r: AuditResponse, options: AuditOptions = {}): Finding[] {
  return auditInVisit(r, options, new Set());
}

/**
 * {@link auditResponse} for one response of a visit: `sessionValues` holds the session cookie
 * values of the earlier responses and gets this one's, so that a later URL carrying one is
 * found and hidden too.
 */
export function auditInVisit(
  r: AuditResponse,
  options: AuditOptions,
  sessionValues: Set<string>,
): Finding[] {
  checkOptions(options);
  if (r === null || typeof r !== "object" || r.headers === null || typeof r.headers !== "object")
    throw new AuditError(
      "ERR_AUDIT_INPUT_INVALID",
      "a response needs a url, a status and a headers list",
    );
  const url = httpUrl(r.url);
  const h = headerMap(r.headers);
  const now = options.now ?? Date.now();
  const https = url.protocol === "https:";
  const ownHsts = https ? parseHsts(h.get("strict-transport-security")?.[0]) : undefined;
  const ctx: CookieContext = {
    url,
    hsts: https ? hstsFor(url.hostname, ownHsts, options.hsts) : undefined,
    now,
    maxLifetime: options.maxLifetime ?? DEFAULT_MAX_LIFETIME,
    redact: options.redact === true,
  };
  const out: Finding[] = [];
  const redact = options.redact === true;
  const scopes = new Map<string, { line: string; scope: string; session: boolean }[]>();
  let setsSession = false;
  const lines = (h.get("set-cookie") ?? [])
    .flatMap((v) => v.split(/\r?\n/))
    .filter((l) => l.trim() !== "");
  for (const line of lines) {
    const parsed = parseSetCookie(line);
    if (parsed.type === "ignored") {
      const pair = line.split(";")[0] ?? "";
      const name = pair.includes("=") ? pair.slice(0, pair.indexOf("=")).trim() : "";
      const value = pair.slice(pair.indexOf("=") + 1).trim();
      const shown =
        redact && classifyCookie(name, value, options.sessionCookies).kind === "session"
          ? hideInLine(line, value)
          : line;
      const tooLarge = parsed.reason === "name-value-too-long";
      out.push({
        id: tooLarge ? "cookie-too-large" : "cookie-ignored",
        severity: "medium",
        cookie: name,
        header: "set-cookie",
        url: url.href,
        evidence: `Set-Cookie: ${shown.length > 120 ? `${shown.slice(0, 120)}… (${line.length} characters)` : JSON.stringify(shown).slice(1, -1)} — ${parsed.message}`,
        why: RULES[tooLarge ? "cookie-too-large" : "cookie-ignored"].why,
        fix: tooLarge
          ? "Keep name and value under 4096 bytes: store the data on the server and send only an id"
          : "Send the line without control characters, with a name, and the Domain in punycode (xn--…)",
      });
      continue;
    }
    const c = parsed.cookie;
    const cls: CookieClass = classifyCookie(c.name, c.value, options.sessionCookies);
    if (cls.kind === "session" && !isDeletion(c, now)) {
      setsSession = true;
      if (c.value.length >= 8) {
        sessionValues.add(c.value);
        sessionValues.add(decodeCookieValue(c.value));
      }
    }
    out.push(...cookieFindings(c, line.trim(), cls, ctx));
    if (!isDeletion(c, now)) {
      const list = scopes.get(c.name) ?? [];
      const shown = redact && cls.kind === "session" ? hideInLine(line, c.value) : line;
      list.push({ line: shown.trim(), scope: scopeOf(c, url), session: cls.kind === "session" });
      scopes.set(c.name, list);
    }
  }
  for (const [name, list] of scopes) {
    const distinct = [...new Set(list.map((x) => x.scope))];
    if (distinct.length < 2) continue;
    out.push({
      id: "cookie-duplicate",
      severity: list.some((x) => x.session) ? "medium" : "low",
      cookie: name,
      header: "set-cookie",
      url: url.href,
      evidence: `${list.map((x) => `Set-Cookie: ${x.line}`).join(" and ")} — ${distinct.length} cookies named ${name}, for ${distinct.join(" and ")}`,
      why: RULES["cookie-duplicate"].why,
      fix: `Set ${name} once, host-only with Path=/, and delete the others with Max-Age=0 and their own Domain and Path`,
    });
  }

  if (lines.length > 0) {
    const cc = h.get("cache-control")?.join(", ");
    const d = directives(cc);
    const shown = cc === undefined ? "no Cache-Control" : `Cache-Control: ${cc}`;
    if (!d.has("no-store") && !d.has("private")) {
      const publicCache = d.has("public") || d.has("s-maxage");
      out.push(
        responseFinding(
          publicCache ? "set-cookie-public-cache" : "set-cookie-cacheable",
          publicCache ? (setsSession ? "high" : "medium") : setsSession ? "medium" : "low",
          url.href,
          "cache-control",
          `${shown} on a response with Set-Cookie`,
          "Cache-Control: no-store",
        ),
      );
    }
  }

  const location = h.get("location")?.[0];
  for (const [where, target] of [
    ["url", url.href],
    ["location", location],
  ] as const) {
    if (target === undefined) continue;
    let u: URL;
    try {
      u = new URL(target, url);
    } catch {
      continue;
    }
    const param = idInUrl(u, sessionValues);
    if (param === undefined) continue;
    const shown = (s: string): string => (redact ? redactUrl(s, sessionValues) : s);
    // A fragment keeps its ids (`#access_token=`): hidden in the fix as well.
    const clean = shown(withoutIds(u, sessionValues).href);
    out.push(
      responseFinding(
        "id-in-url",
        "high",
        url.href,
        where,
        where === "url"
          ? `the URL carries ${param}: ${shown(url.href)}`
          : `Location: ${shown(target)} carries ${param}`,
        where === "url"
          ? `Keep the id in a cookie only and link to ${clean}`
          : `Location: ${clean}`,
      ),
    );
  }

  out.push(...corsFindings(r, h, url));

  if (https && setsSession && ctx.hsts === undefined) {
    out.push(
      responseFinding(
        "hsts-missing",
        "info",
        url.href,
        "strict-transport-security",
        "a session cookie is set and there is no Strict-Transport-Security",
        "Strict-Transport-Security: max-age=31536000; includeSubDomains",
      ),
    );
  }
  // The response's own URL can carry a session id (`;jsessionid=`, `?token=`), on every finding.
  return redact ? out.map((f) => ({ ...f, url: redactUrl(f.url, sessionValues) })) : out;
}
