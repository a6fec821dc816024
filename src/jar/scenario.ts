import type { RequestContext } from "./context.js";
import { resolveContext } from "./context.js";
import { CookieJar } from "./cookie-jar.js";
import { JarError } from "./errors.js";
import { unknownField } from "./fields.js";
import { isProfileName, type ProfileName, type ProfileOptions, RFC6265BIS } from "./profiles.js";
import { EXCLUSION_MESSAGES } from "./reasons.js";
import { requestUrl } from "./request-url.js";
import type { ExclusionReason, SetCookieResult } from "./types.js";

/** One step of a jar scenario (`jar-scenario/1`). */
export type ScenarioStep =
  | {
      readonly op: "set";
      readonly url: string;
      readonly headers: readonly string[];
      readonly context?: RequestContext;
      readonly time?: number;
    }
  | {
      readonly op: "get";
      readonly url: string;
      readonly context?: RequestContext;
      readonly time?: number;
      readonly expect?: string;
    };

/** A jar scenario as read by {@link parseScenarios}: `header` is folded into `headers`. */
export interface Scenario {
  readonly name: string;
  readonly profile: ProfileName;
  /** The clock at the first step, in milliseconds since the epoch. */
  readonly now: number;
  readonly steps: readonly ScenarioStep[];
  /** Why an expectation was corrected, or which source disagrees (conformance files). */
  readonly note?: string;
}

/** A scenario file that breaks the format: where, and what is wrong. */
export class ScenarioError extends JarError {
  /**
   * The file (or `"<input>"`), the scenario's index in it and the step's number (1-based),
   * where known; the message also quotes the scenario's name when it has one.
   */
  readonly source: string;
  readonly scenario: number | undefined;
  readonly step: number | undefined;

  constructor(
    source: string,
    scenario: number | undefined,
    step: number | undefined,
    problem: string,
    name?: string,
  ) {
    const where = [
      source,
      scenario === undefined
        ? ""
        : `scenario ${scenario + 1}${name === undefined ? "" : ` (${JSON.stringify(name)})`}`,
      step === undefined ? "" : `step ${step}`,
    ]
      .filter((s) => s !== "")
      .join(", ");
    super("ERR_JAR_SCENARIO_INVALID", `${where}: ${problem}`);
    this.source = source;
    this.scenario = scenario;
    this.step = step;
  }
}

const DEFAULT_NOW = "2026-01-01T00:00:00Z";
// The fields of ../shared/spec/jar-scenarios.md, and `note`, which the conformance files add
// (../shared/conformance/README.md): anything else is a typo that would change the replay.
const SCENARIO_FIELDS = ["format", "name", "profile", "now", "steps", "note"];
const STEP_FIELDS = {
  set: ["op", "url", "header", "headers", "context", "time"],
  get: ["op", "url", "context", "time", "expect"],
} as const;
const ANY_STEP_FIELDS = [...new Set([...STEP_FIELDS.set, ...STEP_FIELDS.get])];
const CONTEXT_FIELDS = ["type", "initiator", "frames", "method", "redirects", "api"];
// Fields written in the wrong place: on the step instead of its context, on the other op's
// step, or in the context instead of the step.
const IN_CONTEXT_ONLY = Object.fromEntries(
  CONTEXT_FIELDS.map((k) => [k, `the context: "context": {"${k}": …}`]),
);
const MISPLACED_ON_STEP = {
  set: { ...IN_CONTEXT_ONLY, expect: "a get step" },
  get: { ...IN_CONTEXT_ONLY, header: "a set step", headers: "a set step" },
} as const;
const ON_STEP_ONLY = Object.fromEntries(
  ["op", "url", "time", "expect", "header", "headers"].map((k) => [k, "the step, not its context"]),
);
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function readStep(
  raw: unknown,
  fail: (problem: string) => never,
  previousTime: number,
): ScenarioStep {
  if (!isObject(raw)) return fail("a step must be an object");
  const { op, url, context, time } = raw;
  if (op !== "set" && op !== "get") {
    // A misspelled "op" is the likelier mistake when the step has no op at all.
    const typo = op === undefined ? unknownField(raw, ANY_STEP_FIELDS, "a step") : undefined;
    return fail(typo ?? `op must be "set" or "get", not ${JSON.stringify(op)}`);
  }
  const unknown = unknownField(raw, STEP_FIELDS[op], `a ${op} step`, MISPLACED_ON_STEP[op]);
  if (unknown !== undefined) return fail(unknown);
  if (isObject(context)) {
    const wrong = unknownField(context, CONTEXT_FIELDS, "the context", ON_STEP_ONLY);
    if (wrong !== undefined) return fail(wrong);
  }
  if (typeof url !== "string") return fail("url must be a string");
  let u: URL;
  try {
    u = requestUrl(url);
    if (context !== undefined && !isObject(context)) fail("context must be an object");
    resolveContext(u, context as RequestContext | undefined, RFC6265BIS);
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    return fail((error as Error).message);
  }
  if (time !== undefined && (typeof time !== "number" || !Number.isFinite(time) || time < 0)) {
    return fail("time must be a number of seconds since now, zero or more");
  }
  if (typeof time === "number" && time < previousTime) {
    return fail(`time goes back (${time} s after ${previousTime} s)`);
  }
  const common = {
    url,
    ...(context === undefined ? {} : { context: context as RequestContext }),
    ...(time === undefined ? {} : { time }),
  };
  if (op === "get") {
    const { expect } = raw;
    if (expect !== undefined && typeof expect !== "string") return fail("expect must be a string");
    return { op, ...common, ...(expect === undefined ? {} : { expect }) };
  }
  const { header, headers } = raw;
  if ((header === undefined) === (headers === undefined)) {
    return fail(
      'a set step has exactly one of "header" (a string) and "headers" (a list of strings)',
    );
  }
  if (header !== undefined && typeof header !== "string") return fail("header must be a string");
  if (
    headers !== undefined &&
    !(Array.isArray(headers) && headers.every((h) => typeof h === "string"))
  ) {
    return fail("headers must be a list of strings");
  }
  return {
    op,
    ...common,
    headers: header === undefined ? (headers as string[]) : [header as string],
  };
}

function readScenario(raw: unknown, source: string, index: number): Scenario {
  const fail = (problem: string, step?: number): never => {
    const name = isObject(raw) && typeof raw.name === "string" ? raw.name : undefined;
    throw new ScenarioError(source, index, step, problem, name);
  };
  if (!isObject(raw)) return fail("a scenario must be an object");
  const unknown = unknownField(raw, SCENARIO_FIELDS, "a scenario");
  if (unknown !== undefined) return fail(unknown);
  if (raw.format !== "jar-scenario/1")
    return fail(`format must be "jar-scenario/1", not ${JSON.stringify(raw.format)}`);
  if (typeof raw.name !== "string") return fail("name must be a string");
  const profile = raw.profile ?? "rfc6265bis";
  if (!isProfileName(profile))
    return fail(`profile must be "rfc6265bis" or "chromium", not ${JSON.stringify(profile)}`);
  const nowText = raw.now ?? DEFAULT_NOW;
  const now =
    typeof nowText === "string" && ISO_UTC.test(nowText) ? Date.parse(nowText) : Number.NaN;
  if (Number.isNaN(now)) return fail(`now must be an ISO 8601 UTC time such as ${DEFAULT_NOW}`);
  if (raw.note !== undefined && typeof raw.note !== "string") return fail("note must be a string");
  if (!Array.isArray(raw.steps)) return fail("steps must be a list");
  const steps: ScenarioStep[] = [];
  let time = 0;
  for (const [i, s] of raw.steps.entries()) {
    const step = readStep(s, (problem) => fail(problem, i + 1), time);
    time = step.time ?? time;
    steps.push(step);
  }
  return {
    name: raw.name,
    profile,
    now,
    steps,
    ...(raw.note === undefined ? {} : { note: raw.note }),
  };
}

/**
 * Reads a jar-scenario file (one scenario or a list of them) and checks every field, URL and
 * context; a field the format does not have is refused, with the known field it is most
 * likely a typo of. A leading byte-order mark is skipped. Throws a {@link ScenarioError}
 * naming the file, the scenario and the step.
 */
export function parseScenarios(text: string, source = "<input>"): Scenario[] {
  let data: unknown;
  try {
    // Editors on Windows save UTF-8 with a byte-order mark, which JSON.parse refuses.
    data = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new ScenarioError(source, undefined, undefined, `not JSON: ${(error as Error).message}`);
  }
  const list = Array.isArray(data) ? data : [data];
  return list.map((raw, i) => readScenario(raw, source, i));
}

/** A cookie the request did not carry, and why. */
export interface Excluded {
  readonly name: string;
  readonly reasons: readonly string[];
  readonly codes: readonly ExclusionReason[];
}

/** The outcome of one `get` step. */
export interface GetStepResult {
  readonly scenario: string;
  /** The step's number in the scenario, from 1. */
  readonly step: number;
  readonly url: string;
  readonly sent: string;
  /** `null` for a step without `expect`, which is not judged. */
  readonly expect: string | null;
  readonly pass: boolean | null;
  readonly excluded: readonly Excluded[];
}

/** The outcome of one `set` step: what became of each Set-Cookie field. */
export interface SetStepResult {
  readonly scenario: string;
  readonly step: number;
  readonly url: string;
  readonly results: readonly (SetCookieResult & { readonly header: string })[];
}

/** A replayed scenario. */
export interface ScenarioReport {
  readonly name: string;
  readonly profile: string;
  readonly note?: string;
  readonly sets: readonly SetStepResult[];
  readonly gets: readonly GetStepResult[];
  /** Judged `get` steps that passed and that failed. */
  readonly passed: number;
  readonly failed: number;
}

/** Options of {@link replayScenario}. */
export interface ReplayOptions extends Partial<ProfileOptions> {
  /** Replays with this profile instead of the scenario's own. */
  readonly profile?: ProfileName;
}

/**
 * Replays one scenario against an empty jar with a clock that the steps drive, exactly as
 * `sessionjar jar run` does.
 */
export function replayScenario(scenario: Scenario, options: ReplayOptions = {}): ScenarioReport {
  const { profile = scenario.profile, ...overrides } = options;
  let now = scenario.now;
  const jar = new CookieJar({ ...overrides, profile, clock: () => now });
  const sets: SetStepResult[] = [];
  const gets: GetStepResult[] = [];
  let passed = 0;
  let failed = 0;
  scenario.steps.forEach((step, i) => {
    if (step.time !== undefined) now = scenario.now + step.time * 1000;
    if (step.op === "set") {
      sets.push({
        scenario: scenario.name,
        step: i + 1,
        url: step.url,
        results: step.headers.map((header) => ({
          ...jar.setCookie(header, step.url, step.context),
          header,
        })),
      });
      return;
    }
    const explanation = jar.explain(step.url, step.context);
    const sent = jar.getCookieHeader(step.url, step.context);
    const expect = step.expect ?? null;
    const pass = expect === null ? null : sent === expect;
    if (pass === true) passed++;
    else if (pass === false) failed++;
    gets.push({
      scenario: scenario.name,
      step: i + 1,
      url: step.url,
      sent,
      expect,
      pass,
      excluded: explanation.cookies
        .filter((v) => !v.sent)
        .map((v) => ({
          name: v.cookie.name,
          reasons: v.reasons.map((r) => EXCLUSION_MESSAGES[r]),
          codes: v.reasons,
        })),
    });
  });
  return {
    name: scenario.name,
    profile: jar.profile.name,
    ...(scenario.note === undefined ? {} : { note: scenario.note }),
    sets,
    gets,
    passed,
    failed,
  };
}
