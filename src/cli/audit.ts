import { readFileSync } from "node:fs";
import { type ParseArgsConfig, parseArgs } from "node:util";
import {
  type AuditOptions,
  type AuditResult,
  auditResponses,
  auditUrl,
  failsOn,
  formatReport,
  readHar,
  readRawHeaders,
  SEVERITIES,
  type Severity,
  type UrlAuditResult,
} from "../audit/index.js";
import { commandFetch, FETCH_HELP, FETCH_OPTIONS } from "./audit-fetch.js";
import type { CliIo } from "./main.js";
import { argumentError } from "./usage.js";

export const AUDIT_HELP = `Usage:
  sessionjar audit URL [options]                 fetch URL, follow its redirects, audit every hop
  sessionjar audit --har FILE [options]          audit every entry of a DevTools HAR export
  sessionjar audit --headers FILE --url URL      audit response headers as text ("-" for stdin)

Names every cookie pitfall of the responses (Secure, HttpOnly, SameSite, prefixes, scope,
lifetime, entropy, caching, session ids in URLs, CORS with credentials) with the fix.
Rules and their ids: docs/audit.md.

Options:
  --session-cookie NAME   the session cookie's name (repeatable); otherwise recognised by
                          name and by the randomness of its value
  --max-lifetime DAYS     the longest acceptable session cookie lifetime (default 30)
  --probe-cors            also send a random origin, null, look-alikes and an http: downgrade
                          of the site's origin to the last URL, and report what is echoed
  --max-redirects N       redirects followed at most (default 10)
${FETCH_HELP}  --show-values           print session cookie values in full (default: their first four
                          characters, so that reports can go into logs)
  --json                  print one JSON object with a "findings" array
  --fail-on SEVERITY      exit 1 when a finding is at least high, medium, low or info
  --color, --no-color     colours (default: on a terminal, unless NO_COLOR is set)

Exit code: 0 when no finding reaches --fail-on (always without it), 1 when one does,
2 on bad usage or an input that cannot be read or fetched.
`;

function readInput(file: string): string {
  return file === "-" ? readFileSync(0, "utf8") : readFileSync(file, "utf8");
}

function describeHops(result: UrlAuditResult): string {
  const lines = result.hops.map(
    (h) =>
      `  ${h.status} ${h.url}${h.setCookies > 0 ? ` (${h.setCookies} Set-Cookie)` : ""}${h.location === undefined ? "" : ` → ${h.location}`}`,
  );
  if (result.truncated) lines.push("  … more redirects than --max-redirects: stopped");
  lines.push(
    result.hsts.length === 0
      ? "  no Strict-Transport-Security"
      : `  Strict-Transport-Security from ${result.hsts.join(", ")}`,
  );
  for (const p of result.probes) {
    const answer =
      p.allowOrigin === undefined
        ? "no Access-Control-Allow-Origin"
        : `Access-Control-Allow-Origin: ${p.allowOrigin}${p.credentials ? " with credentials" : ""}`;
    lines.push(
      `  CORS probe ${p.probe.padEnd(14)} Origin: ${p.origin} → ${p.reflected ? "ECHOED, " : ""}${answer}`,
    );
  }
  return `${lines.join("\n")}\n\n`;
}

const AUDIT_OPTIONS = {
  har: { type: "string" },
  headers: { type: "string" },
  url: { type: "string" },
  "session-cookie": { type: "string", multiple: true, default: [] },
  "max-lifetime": { type: "string", default: "30" },
  "probe-cors": { type: "boolean", default: false },
  "max-redirects": { type: "string", default: "10" },
  ...FETCH_OPTIONS,
  json: { type: "boolean", default: false },
  "show-values": { type: "boolean", default: false },
  "fail-on": { type: "string" },
  color: { type: "boolean" },
  "no-color": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} satisfies ParseArgsConfig["options"];

/** `sessionjar audit …`. */
export async function audit(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  const parse = (args: string[]) =>
    parseArgs({ args, allowPositionals: true, options: AUDIT_OPTIONS });
  const usage = (message: string): number => {
    io.err(`sessionjar audit: ${message}\n\n${AUDIT_HELP}`);
    return 2;
  };
  try {
    parsed = parse([...argv]);
  } catch (error) {
    io.err(argumentError("sessionjar audit", error, AUDIT_OPTIONS));
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.out(AUDIT_HELP);
    return 0;
  }
  const sources = [positionals.length > 0, values.har !== undefined, values.headers !== undefined];
  if (sources.filter(Boolean).length !== 1 || positionals.length > 1) {
    return usage("give one URL, or --har FILE, or --headers FILE with --url URL");
  }
  const failOn = values["fail-on"];
  if (failOn !== undefined && !(SEVERITIES as readonly string[]).includes(failOn)) {
    return usage("--fail-on must be high, medium, low or info");
  }
  const days = Number(values["max-lifetime"]);
  if (!(Number.isFinite(days) && days > 0))
    return usage("--max-lifetime must be a positive number of days");
  const maxRedirects = Number(values["max-redirects"]);
  if (!(Number.isSafeInteger(maxRedirects) && maxRedirects >= 0))
    return usage("--max-redirects must be a whole number");
  if (values.headers !== undefined && values.url === undefined) {
    return usage("--headers needs --url URL, the address the response came from");
  }
  const options: AuditOptions = {
    maxLifetime: days * 86_400,
    redact: !values["show-values"],
    ...(values["session-cookie"].length > 0 ? { sessionCookies: values["session-cookie"] } : {}),
  };

  let result: AuditResult | UrlAuditResult;
  let preamble = "";
  // What the report must say about its own input, in the text and in --json alike.
  let note: string | undefined;
  try {
    if (values.har !== undefined) {
      const har = readHar(readInput(values.har));
      result = auditResponses(har.responses, options);
      preamble = `${har.responses.length} HAR entries audited${har.skipped > 0 ? `, ${har.skipped} without a response skipped` : ""}\n`;
      if (har.rebuiltFromCookies) {
        note =
          "this HAR was exported without Set-Cookie headers (sanitized); lines were rebuilt from the cookies the browser recorded, so Max-Age and unknown attributes are missing. Export it with sensitive data for a full audit.";
        preamble += `note: ${note}\n`;
      }
      preamble += "\n";
    } else if (values.headers !== undefined) {
      result = auditResponses(
        readRawHeaders(readInput(values.headers), values.url as string),
        options,
      );
    } else {
      const r = await auditUrl(positionals[0] as string, {
        ...options,
        probeCors: values["probe-cors"],
        maxRedirects,
        fetch: commandFetch(values),
      });
      result = r;
      preamble = describeHops(r);
    }
  } catch (error) {
    io.err(`sessionjar audit: ${(error as Error).message}\n`);
    return 2;
  }

  if (values.json) {
    io.out(`${JSON.stringify(note === undefined ? result : { note, ...result }, null, 2)}\n`);
  } else {
    const color =
      values["no-color"] === true
        ? false
        : (values.color ?? (process.stdout.isTTY === true && process.env.NO_COLOR === undefined));
    io.out(`${preamble}${formatReport(result.findings, { color })}`);
  }
  return failOn !== undefined && failsOn(result.findings, failOn as Severity) ? 1 : 0;
}
