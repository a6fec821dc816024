import type { Counter } from "./counter.js";

/** The `Content-Type` of the text exposition format that {@link exposition} writes. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

// The text format's escapes: in HELP a backslash and a line feed; in label values also '"'.
const escapeHelp = (s: string): string => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeValue = (s: string): string => escapeHelp(s).replace(/"/g, '\\"');

// A sum of finite amounts can still overflow to Infinity, which the format spells +Inf.
const formatNumber = (n: number): string => (Number.isFinite(n) ? String(n) : "+Inf");

/**
 * Counters in Prometheus's text exposition format (version 0.0.4): a `# HELP` and a `# TYPE`
 * line per metric, then one line per series. A counter without labels that was never counted
 * is written as 0, so that a rate over it starts at the first scrape; one with labels has no
 * series until something is counted.
 */
export function exposition(counters: Iterable<Counter>): string {
  const lines: string[] = [];
  for (const c of counters) {
    lines.push(`# HELP ${c.name} ${escapeHelp(c.help)}`, `# TYPE ${c.name} counter`);
    const series = c.series();
    if (series.length === 0 && c.labelNames.length === 0) lines.push(`${c.name} 0`);
    for (const s of series) {
      const labels = c.labelNames.map((l) => `${l}="${escapeValue(s.labels[l] ?? "")}"`);
      const selector = labels.length === 0 ? "" : `{${labels.join(",")}}`;
      lines.push(`${c.name}${selector} ${formatNumber(s.value)}`);
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
