import { getPublicSuffix } from "tldts";
import { type ParsedSetCookie, parseSetCookie, splitSetCookie } from "../cookie/index.js";
import { domainMatch, isLoopbackHost } from "../site/host.js";
import { isSameSite, originOf, siteOf } from "../site/origin.js";
import { CorsError } from "./errors.js";
import { FORBIDDEN_REQUEST_HEADERS } from "./policy.js";

/** The request as the page's script makes it with `fetch`. */
export interface ExplainRequest {
  /** The URL fetched. */
  readonly url: string;
  /** The method, as given to fetch. */
  readonly method: string;
  /** The page's origin (a page URL is accepted and reduced to its origin), or `"null"`. */
  readonly origin: string;
  /** fetch's `credentials` option; fetch's own default is `"same-origin"`. */
  readonly credentials: "include" | "same-origin" | "omit";
  /** The headers the script sets (names in any case). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The response as the server sent it. Header names in any case; Set-Cookie may be a list. */
export interface ExplainResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
}

/**
 * What a {@link explainCors} call may add to the request and response: the server's answer to
 * the preflight, and a probe that tells a refused origin from a refused method or header.
 */
export interface ExplainCorsOptions {
  /**
   * The server's answer to the preflight (`OPTIONS`) the browser sends first when
   * {@link CorsExplanation.preflight} is true: {@link CorsExplanation.preflightRequest} says
   * what to send (no cookies, no credentials). Checked with the Fetch standard's
   * CORS-preflight fetch rules. Ignored when the request needs no preflight.
   */
  readonly preflightResponse?: ExplainResponse;
  /**
   * The answer to a second preflight for the same URL and origin asking only for `GET`,
   * without `Access-Control-Request-Headers`. Read only when the preflight's answer has no
   * `Access-Control-Allow-Origin`: a server that grants the origin this probe but refused the
   * preflight refused the method or a header, not the origin (`createCorsPolicy` answers a
   * refused preflight without any CORS header).
   */
  readonly preflightProbe?: ExplainResponse;
}

/** The preflight a browser sends before a request: `OPTIONS` with these headers, no cookies. */
export interface CorsPreflightRequest {
  readonly method: "OPTIONS";
  /**
   * `origin`, `access-control-request-method`, and `access-control-request-headers` (the
   * lower-cased, sorted, comma-joined names of the headers that are not CORS-safelisted)
   * when there are any.
   */
  readonly headers: Readonly<Record<string, string>>;
}

/** What a {@link CorsFinding} checked: the request and its grant, then each Set-Cookie line. */
export type CorsRule =
  | "origin"
  | "credentials-mode"
  | "cross-site"
  | "preflight"
  | "preflight-status"
  | "preflight-allow-origin"
  | "preflight-allow-credentials"
  | "preflight-allow-methods"
  | "preflight-allow-headers"
  | "allow-origin"
  | "vary-origin"
  | "allow-credentials"
  | "cookie-stored"
  | "set-cookie-ignored"
  | "cookie-parse"
  | "cookie-domain"
  | "cookie-prefix-host"
  | "cookie-prefix-http"
  | "cookie-prefix-secure"
  | "cookie-partitioned-secure"
  | "cookie-samesite-cross-site"
  | "cookie-samesite-none-secure"
  | "cookie-secure-scheme"
  | "cookie-third-party";

/** One check, passed or not, in plain words; a failed one says what to change. */
export interface CorsFinding {
  readonly rule: CorsRule;
  readonly ok: boolean;
  readonly message: string;
}

/** The fate of one Set-Cookie line of the response. */
export interface SetCookieVerdict {
  /** The cookie's name (`""` for a nameless one or a line the browser ignores). */
  readonly name: string;
  /** The line as it was sent. */
  readonly setCookie: string;
  /** Whether the browser stores it. */
  readonly stored: boolean;
}

/** What the browser does with one cross-origin (or same-origin) fetch and its response. */
export interface CorsExplanation {
  /**
   * Whether the page's script can read the response (status, body, headers). False when the
   * preflight fails, and when the actual response is not known (`responseExplained` false).
   */
  readonly exposed: boolean;
  /**
   * Whether the browser attaches cookies to the request, if it sends it (which ones: see
   * findings). A preflight never carries cookies.
   */
  readonly cookiesSent: boolean;
  /** True when the response sets cookies and the browser stores every one of them. */
  readonly cookiesStored: boolean;
  /** Each Set-Cookie line and whether it is stored. */
  readonly cookies: readonly SetCookieVerdict[];
  readonly sameOrigin: boolean;
  /** Schemeful same-site (scheme and registrable domain, public suffix list). */
  readonly sameSite: boolean;
  /** Whether the browser sends a preflight (OPTIONS) before this request. */
  readonly preflight: boolean;
  /** The preflight the browser sends, or null when it sends none. */
  readonly preflightRequest: CorsPreflightRequest | null;
  /**
   * Whether the preflight's answer lets the browser send the request: null when no preflight
   * is sent or its answer was not given.
   */
  readonly preflightPassed: boolean | null;
  /**
   * Whether the actual response was explained: false when none was given (the request was not
   * sent) or when the preflight fails (the browser never sends the request).
   */
  readonly responseExplained: boolean;
  readonly findings: readonly CorsFinding[];
}

const SAFELISTED_METHODS = new Set(["GET", "HEAD", "POST"]);
const NORMALIZED_METHODS = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);
const SIMPLE_CONTENT_TYPES = new Set([
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "text/plain",
]);
// Fetch's CORS-unsafe request-header bytes: controls but tab, and "():<>?@[\]{} DEL.
const UNSAFE_BYTE = /[\x00-\x08\x0a-\x1f"():<>?@[\\\]{}\x7f]/;
const LANGUAGE_VALUE = /^[0-9A-Za-z *,\-.;=]*$/;
const SIMPLE_RANGE = /^bytes=[0-9]+-[0-9]*$/;

function bad(message: string): never {
  throw new CorsError("ERR_CORS_EXPLAIN_INPUT_INVALID", message);
}

/** Fetch's CORS-safelisted request-header, name lower-case. */
function isSafelistedHeader(name: string, value: string): boolean {
  if (value.length > 128) return false;
  switch (name) {
    case "accept":
      return !UNSAFE_BYTE.test(value);
    case "accept-language":
    case "content-language":
      return LANGUAGE_VALUE.test(value);
    case "content-type": {
      if (UNSAFE_BYTE.test(value)) return false;
      const essence = (value.split(";")[0] ?? "").trim().toLowerCase();
      return SIMPLE_CONTENT_TYPES.has(essence);
    }
    case "range":
      return SIMPLE_RANGE.test(value);
    default:
      return false;
  }
}

/** Header names lower-cased, values as lists. */
function normalizeHeaders(
  headers: Readonly<Record<string, string | readonly string[]>> | undefined,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (headers === undefined || headers === null) return out;
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    const list = out.get(name) ?? [];
    if (typeof v === "string") list.push(v);
    else if (Array.isArray(v)) for (const x of v) list.push(String(x));
    out.set(name, list);
  }
  return out;
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/** The problems that keep one parsed cookie from being stored, as findings. */
function cookieFindings(
  c: ParsedSetCookie,
  url: URL,
  crossSite: boolean,
  pageOrigin: string,
): { stored: boolean; findings: CorsFinding[] } {
  const findings: CorsFinding[] = [];
  const fail = (rule: CorsRule, message: string): void => {
    findings.push({ rule, ok: false, message });
  };
  const label = c.name === "" ? "the nameless cookie" : `cookie ${quote(c.name)}`;
  const host = url.hostname;
  const https = url.protocol === "https:";
  const loopback = !https && isLoopbackHost(host);
  const lower = c.name.toLowerCase();

  if (c.secure && !https && !loopback) {
    fail(
      "cookie-secure-scheme",
      `${label} is Secure but the response came over http: browsers drop it. Serve ${url.origin} over https.`,
    );
  }
  if (c.sameSite === "None" && !c.secure) {
    fail(
      "cookie-samesite-none-secure",
      `${label} has SameSite=None without Secure: browsers reject it. Add Secure (and serve it over https).`,
    );
  }
  if (c.partitioned && !c.secure) {
    fail("cookie-partitioned-secure", `${label} is Partitioned without Secure: add Secure.`);
  }
  if (lower.startsWith("__secure-") && !c.secure) {
    fail("cookie-prefix-secure", `${label} has the __Secure- prefix but no Secure: add Secure.`);
  }
  if (lower.startsWith("__host-")) {
    const problems: string[] = [];
    if (!c.secure) problems.push("add Secure");
    if (c.domain !== undefined && c.domain !== "") problems.push("remove Domain");
    if (c.path !== "/") problems.push("set Path=/");
    if (problems.length > 0) {
      fail(
        "cookie-prefix-host",
        `${label} has the __Host- prefix, which browsers store only when Secure, without Domain and with Path=/: ${problems.join(", ")}.`,
      );
    }
  }
  if ((lower.startsWith("__http-") || lower.startsWith("__host-http-")) && !c.httpOnly) {
    fail(
      "cookie-prefix-http",
      `${label} has an __Http- prefix, which browsers store only with HttpOnly (and Secure): add HttpOnly.`,
    );
  }
  if (c.domain !== undefined && c.domain !== "") {
    if (!domainMatch(host, c.domain)) {
      fail(
        "cookie-domain",
        `${label} has Domain=${c.domain}, which does not cover the host that set it (${host}): browsers reject it. Remove Domain, or use a parent domain of ${host}.`,
      );
    } else if (
      c.domain !== host &&
      getPublicSuffix(c.domain, { allowPrivateDomains: true }) === c.domain
    ) {
      fail(
        "cookie-domain",
        `${label} has Domain=${c.domain}, a public suffix: browsers reject it. Remove Domain.`,
      );
    }
  }
  if (crossSite && c.sameSite !== "None") {
    const which =
      c.sameSite === undefined
        ? "no SameSite (Chromium treats that as Lax; other browsers block or partition it as a third-party cookie)"
        : `SameSite=${c.sameSite}`;
    fail(
      "cookie-samesite-cross-site",
      `${label} has ${which}, and this request is cross-site: the browser neither stores it from this response nor sends it on later cross-site requests from ${pageOrigin}. Make the API same-site with the page (e.g. a subdomain of the page's site) so Lax works, or mark it SameSite=None; Secure (Partitioned if one copy per top-level site is enough).`,
    );
  }
  const stored = findings.length === 0;
  if (stored && crossSite) {
    findings.push({
      rule: "cookie-third-party",
      ok: true,
      message: c.partitioned
        ? `${label} is stored partitioned: sent only when ${pageOrigin}'s site is the top-level site.`
        : `${label} is a third-party cookie here: stored and sent only where third-party cookies are allowed (Safari blocks them; Firefox keeps them per top-level site; Chrome blocks them when the user asks). Add Partitioned, or make the API same-site with the page.`,
    });
  }
  if (stored && c.secure && loopback) {
    findings.push({
      rule: "cookie-secure-scheme",
      ok: true,
      message: `${label} is Secure over http://${host}: Chromium and Firefox store it on localhost; Safari does not.`,
    });
  }
  return { stored, findings };
}

/** Which answer {@link corsCheck} reads: the actual response or the preflight's answer. */
interface CheckedAnswer {
  readonly originRule: CorsRule;
  readonly credentialsRule: CorsRule;
  /** The answer as a sentence's subject: "The response". */
  readonly subject: string;
  /** After a header name: "" or " on the preflight's answer". */
  readonly on: string;
  /** What the browser does when the check fails. */
  readonly consequence: string;
  /** What passing the credentials check allows. */
  readonly credentialsOk: string;
  /** Whether to check Vary: Origin (a shared cache keeps actual responses, not preflights). */
  readonly vary: boolean;
}

const ACTUAL: CheckedAnswer = {
  originRule: "allow-origin",
  credentialsRule: "allow-credentials",
  subject: "The response",
  on: "",
  consequence: "the browser hides it from the page's script",
  credentialsOk: "the script may read this credentialed response",
  vary: true,
};

type AddFinding = (rule: CorsRule, ok: boolean, message: string) => void;

/** Comma-separated list values of a header, trimmed, empty items dropped. */
function listValues(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/**
 * The Fetch standard's CORS check of one answer: one `Access-Control-Allow-Origin` equal to
 * the page's origin (or `*` without credentials), and `Access-Control-Allow-Credentials: true`
 * for a credentialed request. Adds its findings; returns whether it passes.
 */
function corsCheck(
  headers: ReadonlyMap<string, readonly string[]>,
  pageOrigin: string,
  credentialed: boolean,
  which: CheckedAnswer,
  add: AddFinding,
): boolean {
  const acao = headers.get("access-control-allow-origin") ?? [];
  const { on } = which;
  let ok = true;
  // Granted in intent: the exact origin, or "*" (refused with credentials, but meant for all).
  let granted = false;
  if (acao.length === 0) {
    ok = false;
    add(
      which.originRule,
      false,
      `${which.subject} has no Access-Control-Allow-Origin: ${which.consequence}${which === ACTUAL ? " (the request still reached the server)" : ""}. That is right for an origin that is not to be trusted; only if ${pageOrigin} is meant to read it, answer with Access-Control-Allow-Origin: ${pageOrigin}.`,
    );
  } else if (acao.length > 1 || (acao[0] as string).includes(",")) {
    ok = false;
    add(
      which.originRule,
      false,
      `Access-Control-Allow-Origin${on} has several values (${acao.join(", ")}): browsers accept exactly one. Send only ${pageOrigin}, chosen per request, with Vary: Origin.`,
    );
  } else {
    const value = (acao[0] as string).trim();
    granted = value === "*" || value === pageOrigin;
    if (value === "*" && credentialed) {
      ok = false;
      add(
        which.originRule,
        false,
        `Access-Control-Allow-Origin${on} is "*" but the request carries credentials: browsers refuse "*" then. Answer with the page's exact origin, Access-Control-Allow-Origin: ${pageOrigin}, plus Vary: Origin.`,
      );
    } else if (value === "*") {
      add(
        which.originRule,
        true,
        `Access-Control-Allow-Origin${on} is "*": any page may ${which === ACTUAL ? "read this uncredentialed response" : "send this uncredentialed request"}.`,
      );
    } else if (value === pageOrigin) {
      add(
        which.originRule,
        true,
        `Access-Control-Allow-Origin${on} is exactly the page's origin (${pageOrigin}).`,
      );
    } else {
      ok = false;
      add(
        which.originRule,
        false,
        `Access-Control-Allow-Origin${on} is ${quote(value)} but the page's origin is ${quote(pageOrigin)}: they must be identical, character for character (same scheme, host and port, no trailing slash). If ${pageOrigin} is meant to read it, answer with Access-Control-Allow-Origin: ${pageOrigin}.`,
      );
    }
    if (value !== "*" && which.vary) {
      const vary = listValues(headers.get("vary")).map((v) => v.toLowerCase());
      const varies = vary.includes("origin") || vary.includes("*");
      add(
        "vary-origin",
        varies,
        varies
          ? "Vary: Origin is present: caches keep one answer per origin."
          : "Access-Control-Allow-Origin names an origin but Vary lacks Origin: a shared cache may serve this grant to another origin, or another origin's answer to this page. Add Vary: Origin.",
      );
    }
  }
  if (credentialed) {
    const acac = headers.get("access-control-allow-credentials") ?? [];
    const acacOk = acac.length === 1 && acac[0] === "true";
    if (!acacOk) ok = false;
    // Never advise granting credentials to an origin the server does not grant.
    const message = acacOk
      ? `Access-Control-Allow-Credentials${on} is true: ${which.credentialsOk}.`
      : !granted
        ? `${which.subject} has no valid Access-Control-Allow-Credentials either. That matters only once ${pageOrigin} is granted (see ${which.originRule}); while it is not to be trusted, leave both out.`
        : acac.length === 0
          ? `The request carries credentials but ${which.subject.toLowerCase()} has no Access-Control-Allow-Credentials: true, so ${which.consequence}. Add Access-Control-Allow-Credentials: true.`
          : `Access-Control-Allow-Credentials${on} is ${quote(acac.join(", "))}: browsers accept only the exact value "true". Send Access-Control-Allow-Credentials: true.`;
    add(which.credentialsRule, acacOk, message);
  }
  return ok;
}

/** What {@link checkPreflight} reads. */
interface PreflightCheck {
  readonly answer: ExplainResponse;
  readonly probe: ExplainResponse | undefined;
  /** The request's method, normalized as fetch does. */
  readonly method: string;
  /** The names sent in Access-Control-Request-Headers, lower-case and sorted. */
  readonly unsafeHeaders: readonly string[];
  readonly pageOrigin: string;
  readonly credentialed: boolean;
  readonly add: AddFinding;
}

/**
 * The Fetch standard's CORS-preflight fetch (§4.8): the answer needs an ok (2xx) status and
 * to pass the CORS check; then the method must be CORS-safelisted or in
 * `Access-Control-Allow-Methods` (case-sensitive; `*` only without credentials), and every
 * requested header in `Access-Control-Allow-Headers` (case-insensitive; `*` only without
 * credentials, and never for Authorization). Adds its findings; returns whether it passes.
 */
function checkPreflight(c: PreflightCheck): boolean {
  const { method, unsafeHeaders, pageOrigin, credentialed, add } = c;
  const headers = normalizeHeaders(c.answer.headers);
  const status = Number(c.answer.status);
  const statusOk = Number.isInteger(status) && status >= 200 && status <= 299;
  const never = `the browser never sends the ${method} (the page's fetch rejects with a TypeError)`;
  const methodSafe = SAFELISTED_METHODS.has(method);
  const names = unsafeHeaders.join(", ");
  // What the answer must allow besides the origin, in words and as headers.
  const needs = [
    ...(methodSafe ? [] : [`the method ${method}`]),
    ...(unsafeHeaders.length > 0 ? [`the header(s) ${names}`] : []),
  ].join(" and ");
  const grantHeaders = [
    `Access-Control-Allow-Origin: ${pageOrigin}`,
    ...(credentialed ? ["Access-Control-Allow-Credentials: true"] : []),
    ...(methodSafe ? [] : [`Access-Control-Allow-Methods: ${method}`]),
    ...(unsafeHeaders.length > 0 ? [`Access-Control-Allow-Headers: ${names}`] : []),
  ].join(", ");
  const anyCors = [...headers.keys()].some((k) => k.startsWith("access-control-allow-"));
  if (!statusOk) {
    add(
      "preflight-status",
      false,
      `The preflight's answer is ${status}, not a 2xx status: ${never}.${status >= 300 && status <= 399 ? " Browsers do not follow a redirect of a preflight." : ""}${anyCors ? " Answer the preflight with 204." : ` It has no CORS header either: the server does not answer preflights (OPTIONS with Access-Control-Request-Method). Answer them with 204 and ${grantHeaders} (a CORS middleware placed before the router does), and only if ${pageOrigin} is meant to send this request.`}`,
    );
    // Without any CORS header the status says it all; the header findings would only repeat it.
    if (!anyCors) return false;
  } else {
    add("preflight-status", true, `The preflight's answer is ${status}, a 2xx status.`);
  }

  let ok = statusOk;
  if ((headers.get("access-control-allow-origin") ?? []).length === 0) {
    // A server that refuses a preflight often answers without any CORS header, whatever it
    // refused: the probe (a preflight for GET without headers) tells the origin apart.
    const probeHeaders = c.probe === undefined ? undefined : normalizeHeaders(c.probe.headers);
    const probeAcao = probeHeaders?.get("access-control-allow-origin") ?? [];
    const probeGrants =
      probeAcao.length === 1 &&
      (probeAcao[0] === pageOrigin || (probeAcao[0] === "*" && !credentialed));
    if (probeGrants) {
      add(
        methodSafe ? "preflight-allow-headers" : "preflight-allow-methods",
        false,
        `The preflight's answer has no Access-Control-Allow-Origin, yet the server grants ${pageOrigin} a preflight for GET without headers: it refuses ${needs.replace(" and ", " or ")}, not the origin, and ${never}. Allow ${needs} on the server (${[...(methodSafe ? [] : [`Access-Control-Allow-Methods: ${method}`]), ...(unsafeHeaders.length > 0 ? [`Access-Control-Allow-Headers: ${names}`] : [])].join(", ")}; createCorsPolicy's ${[...(methodSafe ? [] : ["methods"]), ...(unsafeHeaders.length > 0 ? ["allowedHeaders"] : [])].join(" and ")}).`,
      );
    } else if (c.probe !== undefined) {
      add(
        "preflight-allow-origin",
        false,
        `The preflight's answer has no Access-Control-Allow-Origin, and neither has the answer to a preflight for GET without headers: the server does not grant ${pageOrigin}, and ${never}. That is right for an origin that is not to be trusted; only if ${pageOrigin} is meant to send this request, answer the preflight with ${grantHeaders}.`,
      );
    } else {
      add(
        "preflight-allow-origin",
        false,
        `The preflight's answer has no Access-Control-Allow-Origin: ${never}. The server refuses the preflight: it does not grant ${pageOrigin} (right for an origin that is not to be trusted), or it grants it but refuses ${needs.replace(" and ", " or ")} and answers without any CORS header, as createCorsPolicy does. If ${pageOrigin} is meant to send this request, the answer needs ${grantHeaders}.`,
      );
    }
    return false;
  }
  const preflightAnswer: CheckedAnswer = {
    originRule: "preflight-allow-origin",
    credentialsRule: "preflight-allow-credentials",
    subject: "The preflight's answer",
    on: " on the preflight's answer",
    consequence: never,
    credentialsOk: `the browser may send the credentialed ${method}`,
    vary: false,
  };
  if (!corsCheck(headers, pageOrigin, credentialed, preflightAnswer, add)) return false;

  if (!methodSafe) {
    const raw = headers.get("access-control-allow-methods") ?? [];
    const methods = listValues(raw);
    if (methods.includes(method)) {
      add("preflight-allow-methods", true, `Access-Control-Allow-Methods includes ${method}.`);
    } else if (methods.includes("*") && !credentialed) {
      add(
        "preflight-allow-methods",
        true,
        `Access-Control-Allow-Methods is "*": any method, as the request is uncredentialed.`,
      );
    } else {
      ok = false;
      const star = methods.includes("*")
        ? ` "*" is a wildcard only without credentials; with them it is the literal method name "*".`
        : "";
      const other = methods.find((m) => m !== method && m.toUpperCase() === method.toUpperCase());
      const caseNote =
        other === undefined ? "" : ` Methods are case-sensitive: ${quote(other)} is not ${method}.`;
      add(
        "preflight-allow-methods",
        false,
        methods.length === 0
          ? `The preflight's answer has no Access-Control-Allow-Methods, and ${method} is not a CORS-safelisted method (GET, HEAD, POST): ${never}. The origin is granted; allow the method: Access-Control-Allow-Methods: ${method} (with the other methods the page uses).`
          : `Access-Control-Allow-Methods is ${quote(raw.join(", "))}, without ${method}: ${never}.${star}${caseNote} The origin is granted; add ${method} to Access-Control-Allow-Methods.`,
      );
    }
  }
  if (unsafeHeaders.length > 0) {
    const raw = headers.get("access-control-allow-headers") ?? [];
    const allowed = listValues(raw).map((h) => h.toLowerCase());
    const wildcard = allowed.includes("*") && !credentialed;
    const missing = unsafeHeaders.filter(
      (h) => !allowed.includes(h) && !(wildcard && h !== "authorization"),
    );
    if (missing.length === 0) {
      add("preflight-allow-headers", true, `Access-Control-Allow-Headers allows ${names}.`);
    } else {
      ok = false;
      const star = !allowed.includes("*")
        ? ""
        : credentialed
          ? ` "*" is a wildcard only without credentials.`
          : ` "*" never covers Authorization: list it.`;
      add(
        "preflight-allow-headers",
        false,
        `${raw.length === 0 ? "The preflight's answer has no Access-Control-Allow-Headers" : `Access-Control-Allow-Headers is ${quote(raw.join(", "))}`}, so ${missing.join(", ")}, which the script sets, is not allowed: ${never}.${star} Add ${missing.join(", ")} to Access-Control-Allow-Headers.`,
      );
    }
  }
  return ok;
}

/**
 * Explains, in plain words, what a browser does with one `fetch` from a page and the response
 * it gets: whether the page's script can read it, whether cookies go with the request, and
 * whether each Set-Cookie of the response is stored. Each finding names the rule, whether it
 * passed, and what to change when it did not.
 *
 * It follows the Fetch standard's CORS check (exact `Access-Control-Allow-Origin`, no `*` and
 * `Access-Control-Allow-Credentials: true` for credentialed requests) and RFC 6265bis for
 * cookies, with the schemeful site from the public suffix list. Cookies are stored even when
 * the CORS check fails: the browser processes Set-Cookie before it hides the response.
 *
 * When the request needs a preflight (`preflight` in the result, with `preflightRequest` saying
 * what the browser sends), pass the server's answer to it as `options.preflightResponse`: it
 * is checked with the Fetch standard's CORS-preflight rules (a 2xx status, the same grant of
 * the origin and credentials, the method in `Access-Control-Allow-Methods` unless it is GET,
 * HEAD or POST, every requested header in `Access-Control-Allow-Headers`, `*` only without
 * credentials). When it fails, the browser never sends the request: `exposed` is false and
 * `response` is not read. Pass `null` as `response` when the actual request was not sent
 * (e.g. to avoid changing data): the result then explains the request and the preflight only.
 *
 * Throws `ERR_CORS_EXPLAIN_INPUT_INVALID` for a URL or origin it cannot read.
 *
 * ```ts
 * explainCors(
 *   { url: "https://api.example/me", method: "GET", origin: "https://shop.test", credentials: "include" },
 *   { status: 200, headers: { "access-control-allow-origin": "*" } },
 * ).exposed; // false: "*" is refused on a credentialed request
 *
 * explainCors(
 *   { url: "https://api.example/notes", method: "PUT", origin: "https://shop.test", credentials: "include" },
 *   null,
 *   { preflightResponse: { status: 405, headers: {} } },
 * ).preflightPassed; // false: the browser never sends the PUT
 * ```
 */
export function explainCors(
  request: ExplainRequest,
  response: ExplainResponse | null,
  options: ExplainCorsOptions = {},
): CorsExplanation {
  if (request === null || typeof request !== "object") bad("explainCors needs a request");
  if (response !== null && typeof response !== "object") {
    bad("explainCors needs a response, or null when the actual request was not sent");
  }
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    bad(`request.url ${quote(String(request.url))} is not an absolute URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    bad(`request.url must be http: or https:, got ${quote(url.protocol)}`);
  }
  const pageOrigin = request.origin === "null" ? "null" : originOf(request.origin);
  if (pageOrigin === undefined) {
    bad(`request.origin ${quote(String(request.origin))} is not an http(s) origin or "null"`);
  }
  const mode = request.credentials;
  if (mode !== "include" && mode !== "same-origin" && mode !== "omit") {
    bad(`request.credentials must be "include", "same-origin" or "omit"`);
  }
  const rawMethod = String(request.method ?? "GET");
  const method = NORMALIZED_METHODS.has(rawMethod.toUpperCase())
    ? rawMethod.toUpperCase()
    : rawMethod;
  const target = url.origin;
  const sameOrigin = pageOrigin !== "null" && pageOrigin === target;
  const sameSite = pageOrigin !== "null" && isSameSite(pageOrigin, target);
  const findings: CorsFinding[] = [];
  const add = (rule: CorsRule, ok: boolean, message: string): void => {
    findings.push({ rule, ok, message });
  };
  const responseHeaders = normalizeHeaders(response?.headers);
  const credentialed = mode === "include";
  const preflightResponse = options.preflightResponse;
  if (
    preflightResponse !== undefined &&
    (preflightResponse === null || typeof preflightResponse !== "object")
  ) {
    bad("options.preflightResponse must be a response: { status, headers }");
  }

  // Origin and site.
  if (sameOrigin) {
    add(
      "origin",
      true,
      `The page (${pageOrigin}) and ${target} are the same origin: no CORS header is needed, the script reads the response.`,
    );
  } else {
    add(
      "origin",
      true,
      `Cross-origin: the page is ${pageOrigin}, the request goes to ${target}. The server must grant access with CORS headers for the script to read the response.`,
    );
  }

  // Credentials mode: does the browser attach cookies and process Set-Cookie?
  const cookiesAllowed = mode === "include" || (mode === "same-origin" && sameOrigin);
  if (mode === "omit") {
    add(
      "credentials-mode",
      false,
      `credentials is "omit": the browser sends no cookies and ignores the response's Set-Cookie. For a cookie session use fetch(url, { credentials: "include" }) (or "same-origin" for a same-origin URL).`,
    );
  } else if (!cookiesAllowed) {
    add(
      "credentials-mode",
      false,
      `credentials is "same-origin" (fetch's default) and this request is cross-origin: the browser sends no cookies and ignores the response's Set-Cookie. Use fetch(url, { credentials: "include" }).`,
    );
  } else {
    add(
      "credentials-mode",
      true,
      `credentials is ${quote(mode)}: the browser attaches the cookies it holds for ${url.host} that this context allows, and processes the response's Set-Cookie.`,
    );
  }
  if (cookiesAllowed && !sameSite) {
    add(
      "cross-site",
      true,
      `The request is cross-site (${pageOrigin === "null" ? "an opaque origin" : siteOf(pageOrigin)} to ${siteOf(target)}): only cookies marked SameSite=None; Secure travel, and none where third-party cookies are blocked. Serving the API from the page's own site avoids this.`,
    );
  }

  // Does the browser preflight?
  const unsafeHeaders: string[] = [];
  for (const [k, v] of Object.entries(request.headers ?? {})) {
    const name = k.toLowerCase();
    if (FORBIDDEN_REQUEST_HEADERS.has(name) || name.startsWith("proxy-") || name.startsWith("sec-"))
      continue;
    if (!isSafelistedHeader(name, String(v)) && !unsafeHeaders.includes(name))
      unsafeHeaders.push(name);
  }
  unsafeHeaders.sort();
  const preflight = !sameOrigin && (!SAFELISTED_METHODS.has(method) || unsafeHeaders.length > 0);
  if (preflight) {
    const why = [
      ...(SAFELISTED_METHODS.has(method) ? [] : [`the method ${method}`]),
      ...(unsafeHeaders.length > 0 ? [`the header(s) ${unsafeHeaders.join(", ")}`] : []),
    ].join(" and ");
    add(
      "preflight",
      true,
      `Because of ${why}, the browser first sends a preflight (OPTIONS with Access-Control-Request-Method: ${method}${unsafeHeaders.length > 0 ? `, Access-Control-Request-Headers: ${unsafeHeaders.join(",")}` : ""}). Its answer needs a 2xx status, the same Access-Control-Allow-Origin${mode === "include" ? " and Access-Control-Allow-Credentials" : ""}, ${SAFELISTED_METHODS.has(method) ? "" : `${method} in Access-Control-Allow-Methods, `}${unsafeHeaders.length > 0 ? "those headers in Access-Control-Allow-Headers, " : ""}or this request is never sent.${preflightResponse !== undefined ? " Its answer is checked below." : response !== null ? " This explains the actual response only." : ""}`,
    );
  }

  // The preflight's answer, when given; a failed one means the request is never sent.
  let preflightPassed: boolean | null = null;
  if (preflight && preflightResponse !== undefined) {
    preflightPassed = checkPreflight({
      answer: preflightResponse,
      probe: options.preflightProbe,
      method,
      unsafeHeaders,
      pageOrigin,
      credentialed,
      add,
    });
  }

  // The CORS check on the response.
  const responseExplained = response !== null && preflightPassed !== false;
  let exposed = responseExplained;
  if (responseExplained && !sameOrigin) {
    exposed = corsCheck(responseHeaders, pageOrigin, credentialed, ACTUAL, add);
  }

  // The response's cookies.
  const lines = responseExplained ? splitSetCookie(responseHeaders.get("set-cookie") ?? []) : [];
  const cookies: SetCookieVerdict[] = [];
  if (lines.length > 0 && !cookiesAllowed) {
    for (const line of lines) {
      const r = parseSetCookie(line);
      cookies.push({
        name: r.type === "cookie" ? r.cookie.name : "",
        setCookie: line,
        stored: false,
      });
    }
    add(
      "set-cookie-ignored",
      false,
      `The response sets ${lines.length} cookie(s), but with credentials ${quote(mode)} on this request the browser ignores Set-Cookie. Use credentials: "include".`,
    );
  } else {
    for (const line of lines) {
      const r = parseSetCookie(line);
      if (r.type === "ignored") {
        cookies.push({ name: "", setCookie: line, stored: false });
        add("cookie-parse", false, `Set-Cookie ${quote(line)}: ${r.message}.`);
        continue;
      }
      const v = cookieFindings(r.cookie, url, !sameSite, pageOrigin);
      cookies.push({ name: r.cookie.name, setCookie: line, stored: v.stored });
      findings.push(...v.findings);
      if (v.stored && !v.findings.some((f) => f.rule === "cookie-third-party")) {
        add(
          "cookie-stored",
          true,
          `${r.cookie.name === "" ? "The nameless cookie" : `Cookie ${quote(r.cookie.name)}`} is stored${exposed ? "" : " (even though the script cannot read the response)"}.`,
        );
      }
    }
  }

  return {
    exposed,
    cookiesSent: cookiesAllowed,
    cookiesStored: cookies.length > 0 && cookies.every((c) => c.stored),
    cookies,
    sameOrigin,
    sameSite,
    preflight,
    preflightRequest: preflight
      ? {
          method: "OPTIONS",
          headers: {
            origin: pageOrigin,
            "access-control-request-method": method,
            ...(unsafeHeaders.length > 0
              ? { "access-control-request-headers": unsafeHeaders.join(",") }
              : {}),
          },
        }
      : null,
    preflightPassed,
    responseExplained,
    findings,
  };
}

/**
 * The explanation as text for a terminal: three answers, then every finding, failed ones
 * marked `FAIL` with their fix.
 */
export function formatCorsExplanation(result: CorsExplanation): string {
  const yesNo = (b: boolean): string => (b ? "yes" : "no");
  const passed = result.preflightPassed;
  const explained = result.responseExplained;
  const lines = [
    ...(result.preflight && passed !== null
      ? [
          `Preflight (OPTIONS) passes: ${passed ? "yes" : "no: the browser never sends the request"}`,
        ]
      : []),
    `Readable by the page's script: ${passed === false ? "no (the preflight fails)" : explained ? yesNo(result.exposed) : "not known: the actual request was not sent"}`,
    `Cookies sent with the request: ${passed === false ? "none: the request is never sent, and a preflight carries no cookies" : result.cookiesSent && !result.sameSite ? "only SameSite=None; Secure ones (the request is cross-site)" : yesNo(result.cookiesSent)}`,
    `Cookies from the response stored: ${passed === false ? "none: there is no response" : explained ? storedSummary(result.cookies) : "not known: no response"}`,
    "",
  ];
  for (const f of result.findings) {
    lines.push(`${f.ok ? "  ok  " : "  FAIL"} ${f.rule}: ${f.message}`);
  }
  return `${lines.join("\n")}\n`;
}

function storedSummary(cookies: readonly SetCookieVerdict[]): string {
  if (cookies.length === 0) return "none set";
  const stored = cookies.filter((c) => c.stored);
  if (stored.length === cookies.length) return "yes";
  if (stored.length === 0) return "no";
  return `only ${stored.map((c) => c.name).join(", ")}`;
}
