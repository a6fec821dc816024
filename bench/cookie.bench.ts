// Benchmarks sessionjar/cookie against the libraries people use today, on identical inputs, in
// one process. `npm run bench` takes about a minute and a half; `npm run bench -- --quick` is a
// smoke run of a few seconds whose numbers are not worth quoting. See bench/README.md.
//
// Ours is measured as `npm run build` ships it: src/cookie compiled by tsc into a temporary
// directory. tsx (which runs this file) compiles with esbuild's keepNames, which wraps every
// function created at run time in a defineProperty call; that is not in the published code and
// would bill ours for it. `--source` measures src/ through tsx anyway.
import { cpus } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  parseCookie as cookieParseCookie,
  parseSetCookie as cookieParseSetCookie,
  stringifySetCookie as cookieStringifySetCookie,
} from "cookie";
import { parseString as setCookieParserParseString } from "set-cookie-parser";
import {
  COOKIE_HEADERS,
  cookieHeaderOf,
  SET_COOKIE_INITS,
  SET_COOKIE_LINES,
  type SharedSetCookie,
} from "./corpus.js";
import {
  BATCH_MS,
  batchedSync,
  compileToTemp,
  formatOps,
  formatRange,
  measureTasks,
  median,
  methodLine,
  packageVersion,
  QUICK,
  ratios,
  SOURCE,
  sink,
  table,
} from "./lib.js";

type CookieModule = typeof import("../src/cookie/index.js");

// ---------------------------------------------------------------------------------------------
// Our module

interface Loaded {
  module: CookieModule;
  description: string;
  cleanup: () => void;
}

/** src/cookie compiled as `npm run build` ships it. */
async function loadCompiled(): Promise<Loaded> {
  const { out, cleanup } = compileToTemp(["cookie/index.ts"]);
  try {
    const module = (await import(
      pathToFileURL(join(out, "cookie", "index.js")).href
    )) as CookieModule;
    return {
      module,
      description: `src/cookie compiled by tsc ${packageVersion("typescript")} with tsconfig.build.json (what npm run build ships)`,
      cleanup,
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}

async function loadSource(): Promise<Loaded> {
  return {
    module: await import("../src/cookie/index.js"),
    description: "src/cookie run through tsx (--source: includes tsx's keepNames wrappers)",
    cleanup: (): void => {},
  };
}

// ---------------------------------------------------------------------------------------------
// Inputs

const SIMPLE = "sid=abc123";
const TEN = cookieHeaderOf(10);
const HUNDRED = cookieHeaderOf(100);
const SEMICOLONS = ";".repeat(100_000);

const SIMPLE_LINE = "sid=abc123";
const ALL_ATTRIBUTES_LINE =
  "sid=abc123; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Max-Age=3600; Domain=example.com; Path=/; Secure; HttpOnly; SameSite=None; Partitioned";
const SEMICOLONS_LINE = `a=b${";".repeat(100_000)}`;

const SIMPLE_INIT: SharedSetCookie = { name: "sid", value: "abc123" };
const SESSION_INIT: SharedSetCookie = {
  name: "sid",
  value: "s.Y2Q5NmQ4ZjEtYTdlMi00NzBiLWI3YjUtZTBjYjU1ZTk3M2I2.kYx0p3Hq-_wM",
  maxAge: 3600,
  expires: new Date(Date.UTC(2026, 9, 21, 7, 28, 0)),
  path: "/",
  secure: true,
  httpOnly: true,
  sameSite: "lax",
};

// ---------------------------------------------------------------------------------------------
// Agreement: before timing, both sides must have done the same work on every input.

interface Agreement {
  count: number;
  problem?: string;
}

/** cookie's default decoder: percent-decode when there is a "%", keep the text on an error. */
function cookieDecode(s: string): string {
  if (!s.includes("%")) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Ours keeps every pair and the raw value; cookie keeps the first pair of each name and decodes.
 * So compare the distinct names, and each name's first value after cookie's decoding.
 */
function compareParseCookie(ours: CookieModule, header: string): Agreement {
  const list = ours.parseCookie(header);
  const peer = cookieParseCookie(header);
  const oursNames = list.names().sort();
  const peerNames = Object.keys(peer).sort();
  if (oursNames.join("\n") !== peerNames.join("\n")) {
    return {
      count: 0,
      problem: `names differ: ours [${oursNames.join(", ")}], cookie [${peerNames.join(", ")}]`,
    };
  }
  for (const name of oursNames) {
    const a = cookieDecode(list.get(name) ?? "");
    const b = peer[name];
    if (a !== b) return { count: 0, problem: `value of ${name}: ours ${a}, cookie ${String(b)}` };
  }
  return { count: list.size };
}

/** The attributes all three Set-Cookie parsers read, in one spelling. */
interface Normalized {
  name: string;
  value: string;
  expires: number | undefined;
  maxAge: number | undefined;
  domain: string | undefined;
  path: string | undefined;
  secure: boolean;
  httpOnly: boolean;
  partitioned: boolean;
  sameSite: string | undefined;
}

interface PeerSetCookie {
  name: string;
  value: string | undefined;
  expires?: Date | undefined;
  maxAge?: number | undefined;
  domain?: string | undefined;
  path?: string | undefined;
  secure?: boolean | undefined;
  httpOnly?: boolean | undefined;
  partitioned?: boolean | undefined;
  sameSite?: string | boolean | undefined;
}

// Ours lower-cases Domain and drops its leading dot; the peers keep it as written.
function normalDomain(d: string | undefined): string | undefined {
  if (d === undefined) return undefined;
  return (d.startsWith(".") ? d.slice(1) : d).toLowerCase();
}

function normalizePeer(c: PeerSetCookie): Normalized {
  return {
    name: c.name,
    value: c.value ?? "",
    expires: c.expires?.getTime(),
    maxAge: c.maxAge,
    domain: normalDomain(c.domain),
    path: c.path,
    secure: c.secure === true,
    httpOnly: c.httpOnly === true,
    partitioned: c.partitioned === true,
    sameSite: typeof c.sameSite === "string" ? c.sameSite.toLowerCase() : undefined,
  };
}

/** Both peers percent-decode values by default; ours returns them raw. */
function normalizeOurs(ours: CookieModule, line: string): Normalized | undefined {
  const r = ours.parseSetCookie(line);
  if (r.type !== "cookie") return undefined;
  const c = r.cookie;
  return {
    name: c.name,
    value: cookieDecode(c.value),
    expires: c.expires?.getTime(),
    maxAge: c.maxAge,
    domain: c.domain,
    path: c.path,
    secure: c.secure,
    httpOnly: c.httpOnly,
    partitioned: c.partitioned,
    sameSite: c.sameSite?.toLowerCase(),
  };
}

/** set-cookie-parser reports problems with console.warn/error: that must not happen while timed. */
function capturingConsole<T>(f: () => T): { value: T; logged: string[] } {
  const logged: string[] = [];
  const { warn, error } = console;
  const capture = (...args: unknown[]): void => {
    logged.push(args.map(String).join(" "));
  };
  console.warn = capture;
  console.error = capture;
  try {
    return { value: f(), logged };
  } finally {
    console.warn = warn;
    console.error = error;
  }
}

function compareParseSetCookie(ours: CookieModule, line: string): Agreement {
  const expected = normalizeOurs(ours, line);
  if (expected === undefined) return { count: 0, problem: "ours ignored the line" };
  const spc = capturingConsole(() => setCookieParserParseString(line));
  if (spc.logged.length > 0) {
    return { count: 0, problem: `set-cookie-parser logged: ${spc.logged.join("; ")}` };
  }
  if (spc.value === null) return { count: 0, problem: "set-cookie-parser returned null" };
  const peers: [string, Normalized][] = [
    ["set-cookie-parser", normalizePeer(spc.value)],
    ["cookie", normalizePeer(cookieParseSetCookie(line))],
  ];
  const want = JSON.stringify(expected);
  for (const [label, peer] of peers) {
    const got = JSON.stringify(peer);
    if (got !== want) return { count: 0, problem: `ours ${want}\n  ${label} ${got}` };
  }
  return { count: 1 };
}

/** The two serializers order attributes differently: compare the pair and the attribute set. */
function compareSerialize(ours: CookieModule, init: SharedSetCookie): Agreement {
  const a = ours.serializeSetCookie(init);
  const b = cookieStringifySetCookie(init);
  const canonical = (s: string): string => {
    const [pair = "", ...attributes] = s.split("; ");
    return [pair, ...attributes.sort()].join("; ");
  };
  if (canonical(a) !== canonical(b)) return { count: 0, problem: `ours ${a}\n  cookie ${b}` };
  return { count: 1 };
}

function agreeOnAll<T>(inputs: readonly T[], compare: (x: T) => Agreement): Agreement {
  let count = 0;
  for (const [i, input] of inputs.entries()) {
    const r = compare(input);
    if (r.problem !== undefined) {
      return { count, problem: `input ${i + 1} of ${inputs.length}: ${r.problem}` };
    }
    count += r.count;
  }
  return { count };
}

// ---------------------------------------------------------------------------------------------
// Cases

interface Side {
  label: string;
  fn: () => void;
}

interface Case {
  group: string;
  name: string;
  /** Ours must reach this multiple of the peer's throughput. */
  target: number;
  ours: Side;
  peer: Side;
  /** A second peer, reported for information and held to no target. */
  extra?: Side;
  /** Returns what was compared, or the first disagreement. */
  agree: () => Agreement;
  /** What the agreement count counts. */
  unit: string;
}

/**
 * A side that runs `f` on each input. One input is passed directly, so that the loop of a
 * corpus case does not dilute a case of a few nanoseconds.
 */
function side<T>(label: string, inputs: readonly T[], f: (x: T) => unknown): Side {
  const single = inputs.length === 1 ? inputs[0] : undefined;
  if (single !== undefined) {
    return {
      label,
      fn: (): void => {
        sink.value = f(single);
      },
    };
  }
  return {
    label,
    fn: (): void => {
      for (const x of inputs) sink.value = f(x);
    },
  };
}

function buildCases(ours: CookieModule): Case[] {
  // Local consts, so that ours is called like the imported peers, not through a property load.
  const { parseCookie, parseSetCookie, serializeSetCookie } = ours;

  const parseCookieCase = (name: string, headers: readonly string[]): Case => ({
    group: "parseCookie",
    name,
    target: 1,
    ours: side("sessionjar", headers, (h) => parseCookie(h)),
    peer: side("cookie", headers, (h) => cookieParseCookie(h)),
    agree: () => agreeOnAll(headers, (h) => compareParseCookie(ours, h)),
    unit: "pairs",
  });
  const parseSetCookieCase = (name: string, lines: readonly string[]): Case => ({
    group: "parseSetCookie",
    name,
    target: 3,
    ours: side("sessionjar", lines, (l) => parseSetCookie(l)),
    peer: side("set-cookie-parser", lines, (l) => setCookieParserParseString(l)),
    extra: side("cookie", lines, (l) => cookieParseSetCookie(l)),
    agree: () => agreeOnAll(lines, (l) => compareParseSetCookie(ours, l)),
    unit: "cookies",
  });
  const serializeCase = (name: string, inits: readonly SharedSetCookie[]): Case => ({
    group: "serializeSetCookie",
    name,
    target: 1,
    ours: side("sessionjar", inits, (c) => serializeSetCookie(c)),
    peer: side("cookie", inits, (c) => cookieStringifySetCookie(c)),
    agree: () => agreeOnAll(inits, (c) => compareSerialize(ours, c)),
    unit: "cookies",
  });

  return [
    parseCookieCase("simple (sid=abc123)", [SIMPLE]),
    parseCookieCase("10 cookies", [TEN]),
    parseCookieCase("100 cookies", [HUNDRED]),
    parseCookieCase(`corpus (${COOKIE_HEADERS.length} headers)`, COOKIE_HEADERS),
    parseCookieCase("100,000 semicolons", [SEMICOLONS]),
    parseSetCookieCase("simple (sid=abc123)", [SIMPLE_LINE]),
    parseSetCookieCase("all attributes", [ALL_ATTRIBUTES_LINE]),
    parseSetCookieCase(`corpus (${SET_COOKIE_LINES.length} lines)`, SET_COOKIE_LINES),
    parseSetCookieCase("a=b + 100,000 semicolons", [SEMICOLONS_LINE]),
    serializeCase("simple (sid=abc123)", [SIMPLE_INIT]),
    serializeCase("session, all attributes", [SESSION_INIT]),
    serializeCase(`corpus (${SET_COOKIE_INITS.length} cookies)`, SET_COOKIE_INITS),
  ];
}

// ---------------------------------------------------------------------------------------------
// Measurement

/** How many calls make one sample of about BATCH_MS, measured on the warm function. */
function batchSize(fn: () => void): number {
  for (let i = 0; i < 50; i++) fn();
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < 20) {
    fn();
    n++;
    elapsed = performance.now() - start;
  }
  return Math.max(1, Math.round((BATCH_MS * n) / elapsed));
}

/** Ops/s of each side, one entry per round. */
async function measure(sides: readonly Side[]): Promise<number[][]> {
  return measureTasks(sides.map((s) => batchedSync(s.fn, batchSize(s.fn))));
}

interface Row {
  c: Case;
  ours: number[];
  peer: number[];
  extra: number[] | undefined;
}

// ---------------------------------------------------------------------------------------------
// Report

function formatRatio(xs: readonly number[]): string {
  const m = median(xs);
  // Two decimals say nothing about a ratio far below one: add how many times slower.
  return m < 0.1 ? `${m.toFixed(2)}x (1/${Math.round(1 / m)})` : `${m.toFixed(2)}x`;
}

function report(rows: readonly Row[]): { text: string; met: number } {
  const lines: string[][] = [
    [
      "case",
      "ours ops/s",
      "peer",
      "peer ops/s",
      "ratio",
      "per round",
      "target",
      "met",
      "cookie.parseSetCookie ops/s",
      "ours/that",
    ],
  ];
  let met = 0;
  for (const { c, ours, peer, extra } of rows) {
    const r = ratios(ours, peer);
    const ok = median(r) >= c.target;
    if (ok) met++;
    lines.push([
      `${c.group}: ${c.name}`,
      formatOps(ours),
      c.peer.label,
      formatOps(peer),
      formatRatio(r),
      formatRange(r),
      `≥ ${c.target.toFixed(1)}x`,
      ok ? "yes" : "NO",
      formatOps(extra),
      extra === undefined ? "–" : formatRatio(ratios(ours, extra)),
    ]);
  }
  return { text: table(lines), met };
}

async function main(): Promise<void> {
  const loaded = SOURCE ? await loadSource() : await loadCompiled();
  try {
    const cases = buildCases(loaded.module);
    const cpu = cpus();
    console.log(
      `sessionjar cookie benchmarks${QUICK ? " (--quick: smoke run, do not quote)" : ""}`,
    );
    console.log(`node ${process.version}, ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores`);
    console.log(
      `cookie ${packageVersion("cookie")}, set-cookie-parser ${packageVersion("set-cookie-parser")}, tinybench ${packageVersion("tinybench")}`,
    );
    console.log(`ours: ${loaded.description}`);
    console.log(
      "peers: cookie.parseCookie, set-cookie-parser.parseString (default options), cookie.stringifySetCookie; cookie.parseSetCookie for information",
    );
    console.log(methodLine());
    console.log();

    let failed = false;
    for (const c of cases) {
      const r = c.agree();
      if (r.problem !== undefined) {
        console.error(`DISAGREE ${c.group} / ${c.name}: ${r.problem}`);
        failed = true;
      } else {
        console.log(`agree    ${c.group} / ${c.name}: ${r.count} ${c.unit}`);
      }
    }
    if (failed) {
      console.error("\nThe implementations do not do the same work on these inputs: not timing.");
      process.exitCode = 1;
      return;
    }
    console.log();

    const rows: Row[] = [];
    for (const c of cases) {
      process.stderr.write(`measuring ${c.group} / ${c.name}\n`);
      const sides = c.extra === undefined ? [c.ours, c.peer] : [c.ours, c.peer, c.extra];
      const [ours = [], peer = [], extra] = await measure(sides);
      rows.push({ c, ours, peer, extra });
    }
    const { text, met } = report(rows);
    console.log(text);
    console.log();
    console.log(`${met} of ${cases.length} targets met.`);
  } finally {
    loaded.cleanup();
  }
}

await main();
