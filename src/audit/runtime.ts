import {
  type AuditOptions,
  type AuditResponse,
  auditResponse,
  type Finding,
  type RuleId,
} from "./rules/index.js";

/** Options of {@link createRuntimeAuditor}. */
export interface RuntimeAuditOptions extends AuditOptions {
  /** Where each warning goes, once per rule and cookie. Default `console.warn`; `false` for none. */
  readonly warn?: ((text: string, finding: Finding) => void) | false;
  /** Rules not to report: those that need headers the caller does not see. */
  readonly ignore?: readonly RuleId[];
}

/** Audits the headers a running application sends and reports each new finding once. */
export interface RuntimeAuditor {
  /** The findings of `response` not reported before (each rule once per cookie), after warning. */
  check(response: AuditResponse): Finding[];
}

/** The one-line warning of a finding, fix included. */
export function warningText(f: Finding): string {
  const where = f.cookie === undefined ? f.header : `cookie ${JSON.stringify(f.cookie)}`;
  return `sessionjar audit: ${f.severity} ${f.id} on ${where}: ${f.why} Fix: ${f.fix}`;
}

/**
 * The development-time auditor behind `createSessions({ audit: true })`: every response it is
 * shown is audited, and each rule that fires is warned once per cookie, with its fix.
 */
export function createRuntimeAuditor(options: RuntimeAuditOptions = {}): RuntimeAuditor {
  const warned = new Set<string>();
  const warn = options.warn === undefined ? (text: string) => console.warn(text) : options.warn;
  return {
    check(response) {
      const fresh: Finding[] = [];
      for (const f of auditResponse(response, options)) {
        if (options.ignore?.includes(f.id) === true) continue;
        const key = `${f.id}\u0000${f.cookie ?? f.header}`;
        if (warned.has(key)) continue;
        warned.add(key);
        fresh.push(f);
        if (warn !== false) warn(warningText(f), f);
      }
      return fresh;
    },
  };
}
