import { booleanOption, type KnownKeys, refuseUnknownKeys } from "../lib/options.js";
import { originOf } from "../site/origin.js";
import { CorsError, type CorsErrorCode } from "./errors.js";
import { isOriginMatcher, ORIGIN_MATCHER, type OriginMatcher, serializedOrigin } from "./origin.js";

/** Which origins a policy grants. */
export type CorsOrigins =
  /** Any origin, answered with `Access-Control-Allow-Origin: *`. Refused with credentials. */
  | "*"
  /** Reflect any origin back. Refused with credentials: every site could read as the user. */
  | true
  /**
   * Exact serialized origins (`"https://www.shop.test"`, `"https://shop.test:8443"`), and
   * matchers from {@link originMatcher}. `"null"` is refused with credentials.
   */
  | readonly (string | OriginMatcher)[]
  /**
   * A predicate over the `Origin` header. With credentials only one built by
   * {@link originMatcher} is accepted: a home-made one is too easy to get wrong
   * (`origin.endsWith("shop.test")` trusts `evil-shop.test`).
   */
  | ((origin: string) => boolean);

/** A non-fatal remark about a policy, given to `onWarning` when the policy is made. */
export interface CorsWarning {
  readonly code:
    | "WARN_CORS_INSECURE_ORIGIN"
    | "WARN_CORS_MAX_AGE_LONG"
    | "WARN_CORS_NULL_ORIGIN"
    | "WARN_CORS_HEADER_IGNORED";
  readonly message: string;
}

/** Options of {@link createCorsPolicy}. Every default is the narrow one. */
export interface CorsPolicyOptions {
  /** Who may read responses: see {@link CorsOrigins}. Required. */
  origins: CorsOrigins;
  /**
   * Methods allowed cross-origin, upper-case as browsers send them. Default GET, HEAD, POST.
   * Answered exactly in `Access-Control-Allow-Methods` on preflights.
   */
  methods?: readonly string[];
  /**
   * Request headers a script may set beyond the CORS-safelisted ones, e.g. `content-type` (for
   * JSON bodies), `x-csrf-token`. Default none. Matched case-insensitively.
   */
  allowedHeaders?: readonly string[];
  /** Response headers a script may read beyond the CORS-safelisted ones. Default none. */
  exposedHeaders?: readonly string[];
  /**
   * Seconds a browser may cache a preflight answer. Default 600 (10 minutes). Above 3600 a
   * warning is given (a policy change would take that long to reach browsers); above 7200
   * (Chromium's own cap) the policy is refused.
   */
  maxAge?: number;
  /**
   * Let cross-origin requests carry cookies and let the page read the answers
   * (`Access-Control-Allow-Credentials: true`). Default false. Needs exact origins or an
   * {@link originMatcher}.
   */
  credentials?: boolean;
  /** Receives warnings about the policy, once, when it is made. Default `console.warn`. */
  onWarning?: (warning: CorsWarning) => void;
}

/** What {@link CorsPolicy.decide} reads: the method and request headers by lower-case name. */
export interface CorsRequest {
  readonly method: string;
  header(name: string): string | undefined;
}

/**
 * The policy's answer for one request. `headers` (lower-case names) are to be set on the
 * response in every case: they always hold `vary`, which must be merged with any `Vary` the
 * response already has.
 *
 * - `preflight`: an `OPTIONS` with `Origin` and `Access-Control-Request-Method`. Answer it
 *   right away with `status` (204) and `headers`, allowed or not, without running the route.
 * - `actual`: a request with `Origin`. Run the route as usual and add `headers`. When
 *   `allowed` is false there is no grant, so the browser hides the answer from the page, but
 *   the request was still made: CORS is not a CSRF defence.
 * - `not-cors`: no `Origin` header. Nothing to grant; only `vary` is set.
 */
export type CorsDecision =
  | {
      readonly kind: "preflight";
      readonly allowed: boolean;
      readonly status: 204;
      readonly headers: Readonly<Record<string, string>>;
      /** Why the preflight was refused, for logs. */
      readonly reason?: string;
    }
  | {
      readonly kind: "actual";
      readonly allowed: boolean;
      readonly headers: Readonly<Record<string, string>>;
      /** Why no grant was given, for logs. */
      readonly reason?: string;
    }
  | {
      readonly kind: "not-cors";
      readonly allowed: true;
      readonly headers: Readonly<Record<string, string>>;
    };

/** A credentialed-CORS policy, checked once when it is made. */
export interface CorsPolicy {
  /** Decides one request. Pure and never throws. */
  decide(request: CorsRequest): CorsDecision;
  /** Whether the policy grants credentials. */
  readonly credentials: boolean;
  /** The allowed methods, as answered on preflights. */
  readonly methods: readonly string[];
  /** The allowed request headers, lower-case. */
  readonly allowedHeaders: readonly string[];
  /** The exposed response headers, lower-case. */
  readonly exposedHeaders: readonly string[];
  /** The preflight cache lifetime in seconds. */
  readonly maxAge: number;
}

const DEFAULT_METHODS = Object.freeze(["GET", "HEAD", "POST"]);
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * @internal Request headers a script can never set (Fetch's forbidden request-header names): fetch
 * drops them, so they never cause a preflight.
 */
export const FORBIDDEN_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  "accept-charset",
  "accept-encoding",
  "access-control-request-headers",
  "access-control-request-method",
  "connection",
  "content-length",
  "cookie",
  "cookie2",
  "date",
  "dnt",
  "expect",
  "host",
  "keep-alive",
  "origin",
  "referer",
  "set-cookie",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "via",
]);
/** Response headers a script can never read (Fetch's forbidden response-header names). */
const FORBIDDEN_RESPONSE_HEADERS = new Set(["set-cookie", "set-cookie2"]);
const MAX_AGE_WARN = 3600;
const MAX_AGE_LIMIT = 7200;
const VARY_ACTUAL = "Origin";
const VARY_PREFLIGHT = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

const OPTION_KEYS = Object.keys({
  origins: true,
  methods: true,
  allowedHeaders: true,
  exposedHeaders: true,
  maxAge: true,
  credentials: true,
  onWarning: true,
} satisfies KnownKeys<CorsPolicyOptions>);

function fail(code: CorsErrorCode, message: string): never {
  throw new CorsError(code, message);
}

function defaultWarning(w: CorsWarning): void {
  console.warn(`sessionjar cors: ${w.message} (${w.code})`);
}

function listOption(name: string, value: unknown): readonly unknown[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) fail("ERR_CORS_OPTIONS_INVALID", `${name} must be an array`);
  return value;
}

function resolveMethods(value: unknown, credentials: boolean): readonly string[] {
  const list = listOption("methods", value);
  if (list === undefined) return DEFAULT_METHODS;
  if (list.length === 0)
    fail("ERR_CORS_METHOD_INVALID", 'methods is empty: list at least one, e.g. ["GET"]');
  const out: string[] = [];
  for (const m of list) {
    if (m === "*") {
      fail(
        credentials ? "ERR_CORS_CREDENTIALS_WILDCARD" : "ERR_CORS_METHOD_INVALID",
        credentials
          ? 'methods "*" means the literal method "*" to browsers when credentials are on: list the methods'
          : 'methods "*" is not supported: list the methods, e.g. ["GET", "POST", "PUT"]',
      );
    }
    if (typeof m !== "string" || !TOKEN.test(m)) {
      fail("ERR_CORS_METHOD_INVALID", `method ${JSON.stringify(m)} is not an HTTP method token`);
    }
    if (m !== m.toUpperCase()) {
      fail(
        "ERR_CORS_METHOD_INVALID",
        `method ${JSON.stringify(m)} must be upper-case: methods are case-sensitive, and browsers upper-case only DELETE, GET, HEAD, OPTIONS, POST and PUT (fetch with "patch" sends "patch"). Write ${JSON.stringify(m.toUpperCase())} and call fetch with it`,
      );
    }
    if (FORBIDDEN_METHODS.has(m)) {
      fail("ERR_CORS_METHOD_INVALID", `browsers never send ${m}: remove it from methods`);
    }
    if (!out.includes(m)) out.push(m);
  }
  return Object.freeze(out);
}

function resolveHeaders(
  name: "allowedHeaders" | "exposedHeaders",
  value: unknown,
  credentials: boolean,
  warn: (w: CorsWarning) => void,
): readonly string[] {
  const list = listOption(name, value) ?? [];
  const out: string[] = [];
  for (const h of list) {
    if (h === "*") {
      fail(
        credentials ? "ERR_CORS_CREDENTIALS_WILDCARD" : "ERR_CORS_HEADER_INVALID",
        credentials
          ? `${name} "*" means a header literally named "*" to browsers when credentials are on: list the headers`
          : `${name} "*" is not supported: list the headers by name`,
      );
    }
    if (typeof h !== "string" || !TOKEN.test(h)) {
      fail("ERR_CORS_HEADER_INVALID", `${name}: ${JSON.stringify(h)} is not a header name`);
    }
    const lower = h.toLowerCase();
    const forbidden =
      name === "allowedHeaders"
        ? FORBIDDEN_REQUEST_HEADERS.has(lower) ||
          lower.startsWith("proxy-") ||
          lower.startsWith("sec-")
        : FORBIDDEN_RESPONSE_HEADERS.has(lower);
    if (forbidden) {
      warn({
        code: "WARN_CORS_HEADER_IGNORED",
        message:
          name === "allowedHeaders"
            ? `allowedHeaders lists ${lower}, which scripts can never set: browsers add it themselves (cookies travel with credentials: true)`
            : `exposedHeaders lists ${lower}, which browsers never let scripts read`,
      });
    }
    if (!out.includes(lower)) out.push(lower);
  }
  return Object.freeze(out);
}

function resolveMaxAge(value: unknown, warn: (w: CorsWarning) => void): number {
  if (value === undefined) return 600;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    fail(
      "ERR_CORS_MAX_AGE_INVALID",
      `maxAge must be a whole number of seconds, zero or more, not ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  if (value > MAX_AGE_LIMIT) {
    fail(
      "ERR_CORS_MAX_AGE_TOO_LONG",
      `maxAge ${value} is over 7200 seconds (2 hours): Chromium caps it there anyway, and a longer cache keeps a revoked grant alive in other browsers. Use 600 (the default) up to 7200`,
    );
  }
  if (value > MAX_AGE_WARN) {
    warn({
      code: "WARN_CORS_MAX_AGE_LONG",
      message: `maxAge ${value}: browsers keep a preflight grant for over an hour, so a narrowed policy takes that long to apply. 600 (the default) is usually enough`,
    });
  }
  return value;
}

type OriginCheck =
  | { readonly kind: "any" }
  | { readonly kind: "reflect" }
  | { readonly kind: "test"; readonly test: (origin: string) => boolean };

function resolveOrigins(
  origins: unknown,
  credentials: boolean,
  warn: (w: CorsWarning) => void,
): OriginCheck {
  if (origins === "*") {
    if (credentials) {
      fail(
        "ERR_CORS_CREDENTIALS_WILDCARD",
        'origins "*" with credentials: true: browsers refuse Access-Control-Allow-Origin: * on credentialed requests, and reflecting every origin instead would let any site read as the user. List the origins, or use originMatcher',
      );
    }
    return { kind: "any" };
  }
  if (origins === true) {
    if (credentials) {
      fail(
        "ERR_CORS_REFLECT_ANY_ORIGIN",
        "origins: true with credentials: true reflects every origin, so any site could read your users' data with their cookies. List the origins, or use originMatcher",
      );
    }
    return { kind: "reflect" };
  }
  if (typeof origins === "function") {
    if (credentials && !isOriginMatcher(origins)) {
      fail(
        "ERR_CORS_REFLECT_ANY_ORIGIN",
        'origins is a home-made function and credentials is true: a predicate such as origin.endsWith("shop.test") also trusts evil-shop.test. Build it with originMatcher({ scheme, host, subdomains }), or list the origins',
      );
    }
    const f = origins as (origin: string) => boolean;
    if (isOriginMatcher(f))
      warnInsecureSchemes(
        f[ORIGIN_MATCHER].map((p) => p.scheme),
        warn,
      );
    return { kind: "test", test: f };
  }
  if (!Array.isArray(origins)) {
    fail(
      "ERR_CORS_OPTIONS_INVALID",
      'origins is required: a list of origins ("https://shop.test"), an originMatcher, or "*" without credentials',
    );
  }
  if (origins.length === 0) {
    fail(
      "ERR_CORS_ORIGIN_INVALID",
      "origins is an empty list: no origin would ever be granted. Name the origins, or do not enable CORS",
    );
  }
  const exact = new Set<string>();
  const matchers: OriginMatcher[] = [];
  for (const entry of origins as readonly unknown[]) {
    if (typeof entry === "function") {
      if (!isOriginMatcher(entry)) {
        fail(
          credentials ? "ERR_CORS_REFLECT_ANY_ORIGIN" : "ERR_CORS_ORIGIN_INVALID",
          "a function in the origins list must be built by originMatcher",
        );
      }
      matchers.push(entry);
      continue;
    }
    if (entry === "*") {
      fail(
        credentials ? "ERR_CORS_CREDENTIALS_WILDCARD" : "ERR_CORS_ORIGIN_INVALID",
        credentials
          ? '"*" in origins with credentials: true: browsers refuse a wildcard on credentialed requests. List the origins'
          : '"*" is not an origin: pass origins: "*" on its own to grant every origin',
      );
    }
    const o = serializedOrigin(entry as string);
    if (o === "null") {
      if (credentials) {
        fail(
          "ERR_CORS_NULL_ORIGIN",
          'origins lists "null" with credentials: true: every sandboxed iframe, data: URL and file: page sends Origin: null, so any site could read as the user. Remove "null"',
        );
      }
      warn({
        code: "WARN_CORS_NULL_ORIGIN",
        message:
          'origins lists "null": any site can send Origin: null from a sandboxed iframe, so this grant is as open as "*"',
      });
    }
    exact.add(o);
  }
  warnInsecureSchemes(
    [
      ...[...exact].filter((o) => o !== "null").map((o) => o.slice(0, o.indexOf(":"))),
      ...matchers.flatMap((m) => m[ORIGIN_MATCHER].map((p) => p.scheme)),
    ],
    warn,
  );
  const m = Object.freeze([...matchers]);
  return {
    kind: "test",
    test: (origin) => exact.has(origin) || m.some((f) => f(origin)),
  };
}

function warnInsecureSchemes(schemes: readonly string[], warn: (w: CorsWarning) => void): void {
  if (schemes.includes("https") && schemes.includes("http")) {
    warn({
      code: "WARN_CORS_INSECURE_ORIGIN",
      message:
        "origins trusts https: origins and also an http: origin: anyone on the network path of that http page can inject script into it and read responses as its users. Keep http: origins (localhost) out of production policies",
    });
  }
}

/** Splits Access-Control-Request-Headers: commas, spaces trimmed, lower-case, empties dropped. */
function requestedHeaders(value: string | undefined): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const part of value.split(",")) {
    const h = part.trim().toLowerCase();
    if (h !== "") out.push(h);
  }
  return out;
}

/**
 * Makes a CORS policy, refusing unsafe or broken configurations right away with a
 * {@link CorsError} (stable codes: `ERR_CORS_CREDENTIALS_WILDCARD`,
 * `ERR_CORS_REFLECT_ANY_ORIGIN`, `ERR_CORS_ORIGIN_INVALID`, `ERR_CORS_NULL_ORIGIN`,
 * `ERR_CORS_METHOD_INVALID`, `ERR_CORS_HEADER_INVALID`, `ERR_CORS_MAX_AGE_INVALID`,
 * `ERR_CORS_MAX_AGE_TOO_LONG`, `ERR_CORS_OPTIONS_INVALID`). Warnings (an http: origin next
 * to https: ones, `"null"`, `maxAge` over an hour, headers browsers never let through) go to
 * `onWarning`.
 *
 * Only an allowed origin is ever echoed in `Access-Control-Allow-Origin` (`*` only for
 * `origins: "*"`, which cannot have credentials), and `Vary: Origin` is on every decision.
 *
 * CORS decides what a page may *read*, not what it may *send*: a cross-origin form POST or
 * simple fetch reaches the route whatever the policy says. A disallowed origin gets no grant
 * here and nothing else changes; stopping its unsafe requests is the CSRF guard's job
 * (`sessionjar/csrf`), which must run on every unsafe route.
 *
 * ```ts
 * const cors = createCorsPolicy({
 *   origins: ["https://www.shop.test"],
 *   methods: ["GET", "POST", "PUT"],
 *   allowedHeaders: ["content-type", "x-csrf-token"],
 *   credentials: true,
 * });
 * const d = cors.decide({ method: req.method, header: (n) => req.headers.get(n) ?? undefined });
 * if (d.kind === "preflight") return new Response(null, { status: d.status, headers: d.headers });
 * ```
 */
export function createCorsPolicy(options: CorsPolicyOptions): CorsPolicy {
  if (options === null || typeof options !== "object") {
    fail("ERR_CORS_OPTIONS_INVALID", "createCorsPolicy needs an options object with origins");
  }
  const invalid = (message: string): never => fail("ERR_CORS_OPTIONS_INVALID", message);
  refuseUnknownKeys(options, OPTION_KEYS, "", invalid);
  const onWarning = options.onWarning ?? defaultWarning;
  if (typeof onWarning !== "function") invalid("onWarning must be a function");
  const credentials = booleanOption("credentials", options.credentials, false, invalid);

  // Warnings are collected and given only once the whole policy is valid.
  const warnings: CorsWarning[] = [];
  const warn = (w: CorsWarning): void => {
    warnings.push(w);
  };
  const check = resolveOrigins(options.origins, credentials, warn);
  const methods = resolveMethods(options.methods, credentials);
  const allowedHeaders = resolveHeaders(
    "allowedHeaders",
    options.allowedHeaders,
    credentials,
    warn,
  );
  const exposedHeaders = resolveHeaders(
    "exposedHeaders",
    options.exposedHeaders,
    credentials,
    warn,
  );
  const maxAge = resolveMaxAge(options.maxAge, warn);
  for (const w of warnings) onWarning(w);

  const allowedHeaderSet = new Set(allowedHeaders);
  const allowMethods = methods.join(", ");
  const allowHeaders = allowedHeaders.join(", ");
  const exposeHeaders = exposedHeaders.join(", ");
  const maxAgeValue = String(maxAge);

  /** The Access-Control-Allow-Origin value for this origin, or why there is none. */
  const grant = (origin: string): { value: string } | { reason: string } => {
    if (origin === "") return { reason: "the Origin header is empty" };
    switch (check.kind) {
      case "any":
        return { value: "*" };
      case "reflect":
        // Only what a browser could have sent: a serialized http(s) origin, or "null".
        return origin === "null" || originOf(origin) === origin
          ? { value: origin }
          : { reason: `${JSON.stringify(origin)} is not a serialized origin` };
      case "test": {
        let ok = false;
        try {
          ok = check.test(origin) === true;
        } catch {
          return { reason: `the origins function threw on ${JSON.stringify(origin)}` };
        }
        return ok
          ? { value: origin }
          : {
              reason: `origin ${JSON.stringify(origin)} is not allowed (a same-origin request also carries Origin and needs no grant)`,
            };
      }
    }
  };

  const decide = (request: CorsRequest): CorsDecision => {
    const origin = request.header("origin");
    const method = request.method;
    if (origin === undefined) {
      return { kind: "not-cors", allowed: true, headers: { vary: VARY_ACTUAL } };
    }
    const preflight =
      method === "OPTIONS" && request.header("access-control-request-method") !== undefined;
    if (preflight) {
      const refuse = (reason: string): CorsDecision => ({
        kind: "preflight",
        allowed: false,
        status: 204,
        headers: { vary: VARY_PREFLIGHT },
        reason,
      });
      const g = grant(origin);
      if ("reason" in g) return refuse(g.reason);
      const wanted = (request.header("access-control-request-method") as string).trim();
      if (!methods.includes(wanted)) {
        return refuse(`method ${JSON.stringify(wanted)} is not among the allowed ${allowMethods}`);
      }
      const headers = requestedHeaders(request.header("access-control-request-headers"));
      const unlisted = headers.filter((h) => !allowedHeaderSet.has(h));
      if (unlisted.length > 0) {
        return refuse(
          `request header${unlisted.length > 1 ? "s" : ""} ${unlisted.join(", ")} not allowed${allowHeaders === "" ? " (no headers beyond the CORS-safelisted ones are)" : `: only ${allowHeaders}`}`,
        );
      }
      const h: Record<string, string> = {
        vary: VARY_PREFLIGHT,
        "access-control-allow-origin": g.value,
      };
      if (credentials) h["access-control-allow-credentials"] = "true";
      h["access-control-allow-methods"] = allowMethods;
      if (allowHeaders !== "") h["access-control-allow-headers"] = allowHeaders;
      h["access-control-max-age"] = maxAgeValue;
      return { kind: "preflight", allowed: true, status: 204, headers: h };
    }
    const g = grant(origin);
    if ("reason" in g) {
      return { kind: "actual", allowed: false, headers: { vary: VARY_ACTUAL }, reason: g.reason };
    }
    if (!methods.includes(method)) {
      return {
        kind: "actual",
        allowed: false,
        headers: { vary: VARY_ACTUAL },
        reason: `method ${JSON.stringify(method)} is not among the allowed ${allowMethods}`,
      };
    }
    const h: Record<string, string> = { vary: VARY_ACTUAL, "access-control-allow-origin": g.value };
    if (credentials) h["access-control-allow-credentials"] = "true";
    if (exposeHeaders !== "") h["access-control-expose-headers"] = exposeHeaders;
    return { kind: "actual", allowed: true, headers: h };
  };

  return Object.freeze({
    decide,
    credentials,
    methods,
    allowedHeaders,
    exposedHeaders,
    maxAge,
  });
}
