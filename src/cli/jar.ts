import { readFileSync } from "node:fs";
import { type ParseArgsConfig, parseArgs } from "node:util";
import {
  type GetStepResult,
  isProfileName,
  parseScenarios,
  replayScenario,
  type Scenario,
  ScenarioError,
  type ScenarioReport,
} from "../jar/index.js";
import type { CliIo } from "./main.js";
import { argumentError } from "./usage.js";

export const JAR_HELP = `Usage:
  sessionjar jar run FILE... [--profile NAME] [--json]

Replays jar scenarios (format jar-scenario/1) against an empty jar each, and reports, for
every get step, the Cookie header the jar sends, the expected one, and why each stored
cookie that was not sent was left out.

Options:
  --profile NAME   rfc6265bis or chromium, instead of each scenario's own profile
  --json           one JSON object per get step, one per line

Exit code: 0 when every judged get step passed, 1 when any failed, 2 on a file that cannot
be read, breaks the format (a field it does not have included) or holds no scenario.
`;

function textOf(g: GetStepResult): string {
  const verdict = g.pass === null ? "----" : g.pass ? "PASS" : "FAIL";
  const lines = [
    `${verdict} ${g.scenario}, step ${g.step}: ${g.url}`,
    `     sent:   ${JSON.stringify(g.sent)}`,
  ];
  if (g.expect !== null && !g.pass) lines.push(`     expect: ${JSON.stringify(g.expect)}`);
  for (const x of g.excluded) {
    lines.push(`     not sent: ${x.name === "" ? "(nameless)" : x.name}: ${x.reasons.join("; ")}`);
  }
  return `${lines.join("\n")}\n`;
}

function rejectedSets(r: ScenarioReport): string {
  let out = "";
  for (const s of r.sets) {
    for (const c of s.results) {
      if (c.type === "rejected")
        out += `     step ${s.step}: ignored ${JSON.stringify(c.header)}: ${c.message}\n`;
    }
  }
  return out;
}

const JAR_OPTIONS = {
  profile: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h" },
} satisfies ParseArgsConfig["options"];

/** `sessionjar jar run FILE... [--profile NAME] [--json]`. */
export function jar(argv: readonly string[], io: CliIo): number {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "-h" || sub === "--help") {
    io.out(JAR_HELP);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== "run") {
    io.err(`sessionjar jar: unknown subcommand "${sub}"\n\n${JAR_HELP}`);
    return 2;
  }
  let values: { profile?: string; json?: boolean; help?: boolean };
  let files: string[];
  try {
    ({ values, positionals: files } = parseArgs({
      args: [...rest],
      allowPositionals: true,
      options: JAR_OPTIONS,
    }));
  } catch (error) {
    io.err(argumentError("sessionjar jar run", error, JAR_OPTIONS));
    return 2;
  }
  if (values.help === true) {
    io.out(JAR_HELP);
    return 0;
  }
  const profile = values.profile;
  if (profile !== undefined && !isProfileName(profile)) {
    io.err(`sessionjar jar run: --profile must be rfc6265bis or chromium, not "${profile}"\n`);
    return 2;
  }
  if (files.length === 0) {
    io.err(`sessionjar jar run: name at least one scenario file\n\n${JAR_HELP}`);
    return 2;
  }
  // Every file is read and checked before anything is replayed: a broken file is exit 2.
  const loaded: [string, Scenario[]][] = [];
  for (const file of files) {
    try {
      const scenarios = parseScenarios(readFileSync(file, "utf8"), file);
      // A run that checks nothing must not pass as a green one (a generator that wrote []).
      if (scenarios.length === 0) {
        io.err(`sessionjar jar run: ${file}: the file holds no scenarios: nothing to replay\n`);
        return 2;
      }
      loaded.push([file, scenarios]);
    } catch (error) {
      const message =
        error instanceof ScenarioError ? error.message : `${file}: ${(error as Error).message}`;
      io.err(`sessionjar jar run: ${message}\n`);
      return 2;
    }
  }
  let passed = 0;
  let failed = 0;
  let unjudged = 0;
  for (const [file, scenarios] of loaded) {
    let filePassed = 0;
    let fileFailed = 0;
    for (const scenario of scenarios) {
      const report = replayScenario(scenario, profile === undefined ? {} : { profile });
      filePassed += report.passed;
      fileFailed += report.failed;
      unjudged += report.gets.length - report.passed - report.failed;
      if (values.json === true) {
        for (const g of report.gets) {
          const { excluded, ...head } = g;
          io.out(
            `${JSON.stringify({ ...head, excluded: excluded.map(({ name, reasons }) => ({ name, reasons })) })}\n`,
          );
        }
        continue;
      }
      io.out(`${report.name} (${report.profile})\n${rejectedSets(report)}`);
      for (const g of report.gets) io.out(textOf(g));
      if (report.failed > 0 && report.note !== undefined) io.out(`     note: ${report.note}\n`);
    }
    if (values.json !== true) io.out(`${file}: ${filePassed} passed, ${fileFailed} failed\n\n`);
    passed += filePassed;
    failed += fileFailed;
  }
  if (values.json !== true) {
    io.out(`${passed} passed, ${failed} failed${unjudged > 0 ? `, ${unjudged} not judged` : ""}\n`);
  }
  return failed > 0 ? 1 : 0;
}
