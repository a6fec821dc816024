import type { Finding, Severity } from "./rules/index.js";
import { SEVERITIES } from "./rules/index.js";

/** Options of {@link formatReport}. */
export interface ReportOptions {
  /** ANSI colours (a terminal). Default false. */
  readonly color?: boolean;
}

const COLOURS: Record<Severity, string> = {
  high: "\u001b[1;31m",
  medium: "\u001b[33m",
  low: "\u001b[36m",
  info: "\u001b[2m",
};
const RESET = "\u001b[0m";
const BOLD = "\u001b[1m";

/** "3 findings: 1 high, 2 low", or "no findings". */
export function summarize(findings: readonly Finding[]): string {
  if (findings.length === 0) return "no findings";
  const counts = SEVERITIES.map(
    (s) => [s, findings.filter((f) => f.severity === s).length] as const,
  )
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return `${findings.length} finding${findings.length === 1 ? "" : "s"}: ${counts.join(", ")}`;
}

/**
 * A readable report: findings grouped by cookie (then those about the response), each with its
 * severity, rule id, evidence, why it matters and the fix.
 */
export function formatReport(
  findings: readonly (Finding & { readonly count?: number })[],
  options: ReportOptions = {},
): string {
  const paint = (s: Severity, text: string): string =>
    options.color === true ? `${COLOURS[s]}${text}${RESET}` : text;
  const bold = (text: string): string => (options.color === true ? `${BOLD}${text}${RESET}` : text);
  const groups = new Map<string, (Finding & { readonly count?: number })[]>();
  for (const f of findings) {
    const key = f.cookie === undefined ? "" : f.cookie;
    const list = groups.get(key) ?? [];
    list.push(f);
    groups.set(key, list);
  }
  const keys = [...groups.keys()].sort((a, b) => (a === "" ? 1 : b === "" ? -1 : 0));
  const lines: string[] = [];
  for (const key of keys) {
    const list = groups.get(key) ?? [];
    const isCookie = list[0]?.cookie !== undefined;
    lines.push(bold(isCookie ? `cookie ${key === "" ? "(nameless)" : key}` : "response"));
    for (const f of list) {
      const times = f.count !== undefined && f.count > 1 ? ` (×${f.count})` : "";
      lines.push(
        `  ${paint(f.severity, f.severity.toUpperCase().padEnd(6))} ${f.id}${times}  ${f.url}`,
      );
      lines.push(`         ${f.evidence}`);
      lines.push(`         why: ${f.why}`);
      lines.push(`         fix: ${f.fix}`);
    }
    const corrected = list.find((f) => f.corrected !== undefined)?.corrected;
    if (corrected !== undefined) lines.push(`  ${bold("all fixes:")} ${corrected}`);
    lines.push("");
  }
  lines.push(summarize(findings));
  return `${lines.join("\n")}\n`;
}
