import { AuditError } from "./errors.js";
import { auditInVisit } from "./rules/audit-response.js";
import { auditVisit } from "./rules/audit-responses.js";
import {
  type AuditOptions,
  type AuditResponse,
  type AuditResult,
  type CorsProbe,
  type Finding,
  type HeaderPair,
  httpUrl,
  sortFindings,
} from "./rules/index.js";
import { redactUrl } from "./rules/redact.js";

/** A response as the fetcher returns it: status and every header, Set-Cookie once per cookie. */
export interface FetchedResponse {
  readonly status: number;
  readonly headers: readonly HeaderPair[];
}

/**
 * Makes one request without following redirects. The default uses the runtime's `fetch` with
 * `redirect: "manual"`; the command passes one that trusts a given CA.
 */
export type AuditFetch = (
  url: string,
  init: { readonly method: string; readonly headers: Readonly<Record<string, string>> },
) => Promise<FetchedResponse>;

/** Options of {@link auditUrl}. */
export interface AuditUrlOptions extends AuditOptions {
  /** Also send CORS probes to the last URL and report what is echoed. Default false. */
  readonly probeCors?: boolean;
  /** Redirects followed at most. Default 10. */
  readonly maxRedirects?: number;
  readonly fetch?: AuditFetch;
}

/** One hop of the redirect chain. */
export interface Hop {
  readonly url: string;
  readonly status: number;
  readonly location: string | undefined;
  readonly setCookies: number;
}

/** What one CORS probe got back. */
export interface ProbeResult {
  readonly probe: CorsProbe;
  readonly origin: string;
  /** The Access-Control-Allow-Origin answered, if any. */
  readonly allowOrigin: string | undefined;
  readonly credentials: boolean;
  /** Whether the probe's origin (or `*`) was granted. */
  readonly reflected: boolean;
}

/** The result of {@link auditUrl}. */
export interface UrlAuditResult extends AuditResult {
  readonly hops: readonly Hop[];
  /** True when the chain went on past `maxRedirects`. */
  readonly truncated: boolean;
  readonly probes: readonly ProbeResult[];
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);

/** The runtime's fetch, one hop at a time. */
export const fetchHop: AuditFetch = async (url, init) => {
  const res = await fetch(url, {
    method: init.method,
    headers: init.headers,
    redirect: "manual",
    signal: AbortSignal.timeout(10_000),
  });
  const headers: HeaderPair[] = [];
  res.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers.push([name, value]);
  });
  for (const line of res.headers.getSetCookie()) headers.push(["set-cookie", line]);
  await res.body?.cancel();
  return { status: res.status, headers };
};

function header(r: FetchedResponse, name: string): string | undefined {
  return r.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

function randomLabel(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return `probe${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The origins `--probe-cors` sends for a page on `url`. */
export function probeOrigins(url: URL): { probe: CorsProbe; origin: string }[] {
  const label = randomLabel();
  const port = url.port === "" ? "" : `:${url.port}`;
  const out: { probe: CorsProbe; origin: string }[] = [
    { probe: "random", origin: `https://${label}.example` },
    { probe: "null", origin: "null" },
    { probe: "prefix", origin: `${url.protocol}//${url.hostname}.${label}.example` },
    { probe: "suffix", origin: `${url.protocol}//${label}${url.hostname}${port}` },
  ];
  if (url.protocol === "https:")
    out.push({ probe: "http-downgrade", origin: `http://${url.host}` });
  return out;
}

async function get(
  f: AuditFetch,
  url: string,
  headers: Record<string, string>,
  shown: (url: string) => string,
): Promise<FetchedResponse> {
  try {
    return await f(url, { method: "GET", headers });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new AuditError(
      "ERR_AUDIT_FETCH_FAILED",
      `could not fetch ${shown(url)}: ${(error as Error).message}${cause === undefined ? "" : ` (${cause})`}`,
      { cause: error },
    );
  }
}

/**
 * Fetches `url` and follows its redirects one hop at a time (GET, no cookies sent back), auditing
 * every hop's Set-Cookie, caching and HSTS; with `probeCors`, sends the CORS probes of
 * {@link probeOrigins} to the last URL. Throws `ERR_AUDIT_INPUT_INVALID` for a URL that is not
 * http(s) and `ERR_AUDIT_FETCH_FAILED` when a request fails.
 */
export async function auditUrl(
  url: string,
  options: AuditUrlOptions = {},
): Promise<UrlAuditResult> {
  let current = httpUrl(url);
  const f = options.fetch ?? fetchHop;
  const max = options.maxRedirects ?? 10;
  const responses: AuditResponse[] = [];
  const hops: Hop[] = [];
  let truncated = false;
  let fixedAllowOrigin: string | undefined;
  // Hop URLs and Locations can carry the session id (`;jsessionid=`, `?token=`) as findings do.
  const sessionValues = new Set<string>();
  const shown = (u: string): string => (options.redact === true ? redactUrl(u, sessionValues) : u);
  // A hop that fails is named before the visit is audited: collect the earlier hops' values first.
  const shownOnFailure = (u: string): string => {
    if (options.redact === true) auditVisit(responses, options, sessionValues);
    return shown(u);
  };
  for (;;) {
    const res = await get(f, current.href, {}, shownOnFailure);
    const location = header(res, "location");
    fixedAllowOrigin = header(res, "access-control-allow-origin")?.trim();
    responses.push({ url: current.href, status: res.status, headers: res.headers });
    hops.push({
      url: current.href,
      status: res.status,
      location,
      setCookies: res.headers.filter(([n]) => n.toLowerCase() === "set-cookie").length,
    });
    if (!REDIRECT.has(res.status) || location === undefined) break;
    if (hops.length > max) {
      truncated = true;
      break;
    }
    try {
      current = new URL(location, current);
    } catch {
      break;
    }
    if (current.protocol !== "https:" && current.protocol !== "http:") break;
  }
  const result = auditVisit(responses, options, sessionValues);
  const probes: ProbeResult[] = [];
  const extra: (Finding & { count: number })[] = [];
  if (options.probeCors === true) {
    for (const { probe, origin } of probeOrigins(current)) {
      const res = await get(f, current.href, { origin }, shown);
      const allowOrigin = header(res, "access-control-allow-origin")?.trim();
      const credentials =
        header(res, "access-control-allow-credentials")?.trim().toLowerCase() === "true";
      probes.push({
        probe,
        origin,
        allowOrigin,
        credentials,
        reflected: allowOrigin === origin || allowOrigin === "*",
      });
      const findings = auditInVisit(
        {
          url: current.href,
          status: res.status,
          headers: res.headers,
          request: { method: "GET", headers: [["origin", origin]], probe },
        },
        options,
        sessionValues,
      );
      for (const finding of findings) {
        if (!finding.id.startsWith("cors-")) continue;
        // One Vary finding for all probes; each echoed probe origin is its own finding.
        const same = (e: Finding): boolean =>
          e.id === finding.id && (e.id === "cors-no-vary" || e.evidence === finding.evidence);
        if (extra.some(same) || result.findings.some(same)) continue;
        extra.push({ ...finding, count: 1 });
      }
    }
  }
  let findings = [...result.findings, ...extra];
  // One Allow-Origin for every probe and for no Origin at all is a fixed value: no Vary needed.
  if (probes.length > 0 && fixedAllowOrigin !== undefined) {
    if (probes.every((p) => p.allowOrigin === fixedAllowOrigin))
      findings = findings.filter((f) => f.id !== "cors-no-vary");
  }
  return {
    ...result,
    findings: sortFindings(findings),
    hops: hops.map((h) => ({
      ...h,
      url: shown(h.url),
      location: h.location === undefined ? undefined : shown(h.location),
    })),
    truncated,
    probes,
  };
}
