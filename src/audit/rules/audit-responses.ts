import { auditInVisit, parseHsts } from "./audit-response.js";
import { SEVERITIES, type Severity } from "./catalogue.js";
import { headerPairs } from "./header-pairs.js";
import type { AuditOptions, AuditResponse, Finding } from "./types.js";

/** The findings of several responses, each distinct one once, with how often it was seen. */
export interface AuditResult {
  readonly findings: readonly (Finding & { readonly count: number })[];
  /** How many responses were audited, and how many Set-Cookie lines they held. */
  readonly responses: number;
  readonly setCookies: number;
  /** Hosts that sent Strict-Transport-Security. */
  readonly hsts: readonly string[];
}

/**
 * Audits responses of one visit in order (a redirect chain, a HAR file): HSTS seen on an
 * earlier response covers the later ones of that host, and a finding repeated with the same
 * rule, cookie and evidence is reported once with a count. Findings are sorted by severity,
 * then in the order they were found.
 */
export function auditResponses(
  responses: readonly AuditResponse[],
  options: AuditOptions = {},
): AuditResult {
  return auditVisit(responses, options, new Set());
}

/**
 * {@link auditResponses} that collects the session cookie values of the visit in
 * `sessionValues`, for the caller to hide them in what it reports besides the findings.
 */
export function auditVisit(
  responses: readonly AuditResponse[],
  options: AuditOptions,
  sessionValues: Set<string>,
): AuditResult {
  const hsts = new Map(options.hsts ?? []);
  const seen = new Map<string, Finding & { count: number }>();
  let setCookies = 0;
  for (const r of responses) {
    for (const f of auditInVisit(r, { ...options, hsts }, sessionValues)) {
      const key = `${f.id}\u0000${f.cookie ?? ""}\u0000${f.header}\u0000${f.evidence}`;
      const prev = seen.get(key);
      if (prev === undefined) seen.set(key, { ...f, count: 1 });
      else prev.count++;
    }
    for (const [name, value] of headerPairs(r.headers)) {
      const lower = name.toLowerCase();
      if (lower === "set-cookie")
        setCookies += value.split(/\r?\n/).filter((l) => l.trim() !== "").length;
      if (lower === "strict-transport-security" && r.url.startsWith("https:")) {
        const policy = parseHsts(value);
        const host = new URL(r.url).hostname;
        if (policy === undefined) hsts.delete(host);
        else hsts.set(host, policy);
      }
    }
  }
  return {
    findings: sortFindings([...seen.values()]),
    responses: responses.length,
    setCookies,
    hsts: [...hsts.keys()],
  };
}

/** Findings by severity, the most serious first, otherwise in the order they were found. */
export function sortFindings<F extends Finding>(findings: readonly F[]): F[] {
  const rank = (s: Severity): number => SEVERITIES.indexOf(s);
  return [...findings].sort((a, b) => rank(a.severity) - rank(b.severity));
}

/** Whether any finding is at `threshold` or more serious: the `--fail-on` of the command. */
export function failsOn(findings: readonly Finding[], threshold: Severity): boolean {
  const limit = SEVERITIES.indexOf(threshold);
  return findings.some((f) => SEVERITIES.indexOf(f.severity) <= limit);
}
