// Scores of sessionjar/jar and tough-cookie on the same conformance files (../shared/conformance
// and ../shared/spec/scenarios), for docs/conformance.md. tough-cookie gets one fresh CookieJar
// per scenario; `api: "script"` is `http: false`; its `sameSiteContext` is computed from the
// context the way the suites' README describes (schemeful sites from tldts, private section
// included; a navigation without initiator is same-site; only the first of `frames` counts).
// Run: npx tsx bench/jar-conformance.ts
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { getDomain } from "tldts";
import { CookieJar as ToughJar } from "tough-cookie";
import { parseCookieDate } from "../src/cookie/index.js";
import {
  parseScenarios,
  type RequestContext,
  replayScenario,
  type Scenario,
} from "../src/jar/index.js";
import { packageVersion, ROOT, table } from "./lib.js";

const shared = join(ROOT, "..", "shared");

function site(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${getDomain(u.hostname, { allowPrivateDomains: true }) ?? u.hostname}`;
}

function toughContext(url: string, c: RequestContext | undefined): "strict" | "lax" | "none" {
  const type = c?.type ?? "navigation";
  const from = type === "navigation" ? c?.initiator : (c?.frames?.[0] ?? c?.initiator);
  if (from === undefined || from === null || site(from) === site(url)) return "strict";
  const safe = ["GET", "HEAD"].includes((c?.method ?? "GET").toUpperCase());
  return type === "navigation" && safe ? "lax" : "none";
}

function toughPasses(s: Scenario): boolean {
  const jar = new ToughJar();
  let ok = true;
  for (const step of s.steps) {
    const now = new Date(s.now + (step.time ?? 0) * 1000);
    const http = step.context?.api !== "script";
    const sameSiteContext = toughContext(step.url, step.context);
    if (step.op === "set") {
      for (const h of step.headers)
        jar.setCookieSync(h, step.url, { http, sameSiteContext, now, ignoreError: true });
    } else if (step.expect !== undefined) {
      const got = jar.getCookieStringSync(step.url, { http, sameSiteContext });
      if (got !== step.expect) ok = false;
    }
  }
  return ok;
}

const rows = [
  [
    "file",
    "scenarios",
    "sessionjar rfc6265bis",
    "sessionjar chromium",
    `tough-cookie ${packageVersion("tough-cookie")}`,
  ],
];
for (const file of [
  "spec/scenarios/lessons.json",
  "conformance/http-state.json",
  "conformance/wpt.json",
]) {
  const list = parseScenarios(readFileSync(join(shared, file), "utf8"), file);
  const score = (pass: (s: Scenario) => boolean): string =>
    `${list.filter(pass).length}/${list.length}`;
  rows.push([
    file,
    String(list.length),
    score((s) => replayScenario(s, { profile: "rfc6265bis" }).failed === 0),
    score((s) => replayScenario(s, { profile: "chromium" }).failed === 0),
    score(toughPasses),
  ]);
}
const dates = JSON.parse(readFileSync(join(shared, "conformance/dates.json"), "utf8")) as {
  test: string;
  expected: string | null;
}[];
const ourDates = dates.filter(
  (d) => (parseCookieDate(d.test)?.toUTCString() ?? null) === d.expected,
).length;
rows.push([
  "conformance/dates.json",
  String(dates.length),
  `${ourDates}/${dates.length}`,
  `${ourDates}/${dates.length}`,
  "(not replayed here)",
]);
console.log(table(rows));
