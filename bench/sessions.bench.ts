// Authenticated, read-only GET /me (the user id from the session, as JSON) on Node http,
// Express 5 and Fastify 5, with sessionjar, with the session libraries people use today, and
// without any session, all in one run on one machine. See bench/sessions.md.
//
//   npx tsx bench/sessions.bench.ts                    the full run (about 3.5 minutes)
//   npx tsx bench/sessions.bench.ts --quick            smoke run, 2 s per server
//   npx tsx bench/sessions.bench.ts --rounds 3         every server 3 times, medians reported
//   npx tsx bench/sessions.bench.ts --only limit,node-sj-redis
//   npx tsx bench/sessions.bench.ts --profile node-sj-redis,limit
//                                                      node --cpu-prof on those servers, and
//                                                      their top self-time functions
//   npx tsx bench/sessions.bench.ts --instructions node-bare,node-sj-memory
//                                                      instructions per request under valgrind's
//                                                      callgrind: the same in every run, however
//                                                      busy the machine
//   --source   run the servers' TypeScript through tsx instead of tsc's output
//   --keep-profiles   keep the .cpuprofile files (open them in Chrome DevTools), or with
//                     --instructions the callgrind files (callgrind_annotate reads them)
//
// Every server runs in its own child process (bench/servers/*.ts), so that process.cpuUsage()
// inside it measures the server alone; autocannon runs here, in the parent. By default the
// servers and src/ are compiled by tsc into a temporary directory and run with plain node: tsx
// compiles with esbuild's keepNames, which wraps every function created at run time (the
// per-request closures of an adapter, say) in a defineProperty call that the published code
// does not have (see bench/README.md).
//
// Before measuring, each server is signed in through its own POST /login, and one GET /me with
// the cookie must answer 200 with the user id, or the run stops with exit code 1. Redis
// commands per request come from INFO commandstats deltas around the measured run. Every Redis
// key is under a prefix unique to the run and is deleted at the end; every child is killed at
// the end, on failure and on Ctrl-C.
import { type ChildProcess, fork, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem, type } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "redis";
import type { FromChild, ToChild } from "./servers/common.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Options

const USAGE = `usage: npx tsx bench/sessions.bench.ts [--quick] [--rounds N] [--only id,id…]
       [--profile id,id…] [--keep-profiles] [--instructions id,id…] [--source]`;

function parseArgs(argv: string[]): Map<string, string | true> {
  const out = new Map<string, string | true>();
  const valued = new Set(["--rounds", "--only", "--profile", "--instructions"]);
  const flags = new Set(["--quick", "--source", "--keep-profiles", "--help"]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const eq = a.indexOf("=");
    const name = eq < 0 ? a : a.slice(0, eq);
    if (flags.has(name) && eq < 0) out.set(name, true);
    else if (valued.has(name)) {
      const value = eq < 0 ? argv[++i] : a.slice(eq + 1);
      if (value === undefined || value === "") throw new Error(`${name} needs a value\n${USAGE}`);
      out.set(name, value);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  return out;
}

const ARGS = parseArgs(process.argv.slice(2));
if (ARGS.has("--help")) {
  console.log(USAGE);
  process.exit(0);
}
const QUICK = ARGS.has("--quick");
const SOURCE = ARGS.has("--source");
const KEEP_PROFILES = ARGS.has("--keep-profiles");
const ROUNDS = Number(ARGS.get("--rounds") ?? "1");
if (!Number.isSafeInteger(ROUNDS) || ROUNDS < 1) throw new Error(`--rounds must be ≥ 1\n${USAGE}`);
const listOption = (name: string): string[] | undefined => {
  const v = ARGS.get(name);
  return typeof v === "string" ? v.split(",").map((s) => s.trim()) : undefined;
};
const ONLY = listOption("--only");
const PROFILE = listOption("--profile");
const INSTRUCTIONS = listOption("--instructions");

/** autocannon settings, the same for every server. */
const CONNECTIONS = 50;
const DURATION_S = QUICK ? 2 : 10;
const WARMUP_S = QUICK ? 1 : 2;
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
/** Unique to this run: every server's keys are under it, and all are deleted at the end. */
const RUN_PREFIX = `sjbench:${process.pid}-${randomBytes(4).toString("hex")}:`;
/** A child lives at most this long, whatever happens to the parent. */
const CHILD_LIFETIME_MS = (WARMUP_S + DURATION_S) * 1000 + 90_000;

// ---------------------------------------------------------------------------------------------
// The servers

type Program = "node" | "express" | "fastify";

interface Spec {
  id: string;
  label: string;
  program: Program;
  /** Backed by Redis: its Redis commands per request are counted. */
  redis: boolean;
  /** A sessionjar server on Redis: held to exactly one command per request. */
  sessionjarRedis: boolean;
}

const spec = (
  id: string,
  program: Program,
  label: string,
  redis = false,
  sessionjarRedis = false,
): Spec => ({ id, label, program, redis, sessionjarRedis });

/** In the order they run: each server runs next to what it is compared with. */
const SERVERS: Spec[] = [
  spec("limit", "node", "limit: node http + 1 raw Redis GET", true),
  spec("node-sj-redis", "node", "node http + sessionjar + redisStore (node-redis)", true, true),
  spec(
    "node-sj-redis-csc",
    "node",
    "node http + sessionjar + redisStore (node-redis, clientSideCache)",
    true,
  ),
  spec("node-sj-ioredis", "node", "node http + sessionjar + redisStore (ioredis)", true, true),
  spec("express-bare", "express", "Express 5, no session"),
  spec("express-limit", "express", "Express 5 + 1 raw Redis GET", true),
  spec("express-sj", "express", "Express 5 + sessionjar + redisStore", true, true),
  spec("express-sj-csc", "express", "Express 5 + sessionjar + redisStore (clientSideCache)", true),
  spec("express-session", "express", "Express 5 + express-session + connect-redis", true),
  spec(
    "express-session-notouch",
    "express",
    "Express 5 + express-session + connect-redis (disableTouch)",
    true,
  ),
  spec("fastify-bare", "fastify", "Fastify 5, no session"),
  spec("fastify-limit", "fastify", "Fastify 5 + 1 raw Redis GET", true),
  spec("fastify-sj", "fastify", "Fastify 5 + sessionjar + redisStore", true, true),
  spec("fastify-sj-csc", "fastify", "Fastify 5 + sessionjar + redisStore (clientSideCache)", true),
  spec("fastify-session", "fastify", "Fastify 5 + @fastify/session + connect-redis", true),
  spec(
    "fastify-session-norolling",
    "fastify",
    "Fastify 5 + @fastify/session + connect-redis (rolling: false)",
    true,
  ),
  spec("node-bare", "node", "node http, no session"),
  spec("memory-limit", "node", "memory limit: node http + the least a memory-store session does"),
  spec("node-sj-memory", "node", "node http + sessionjar + memoryStore"),
];

interface Ratio {
  label: string;
  a: string;
  b: string;
  /** a/b in req/s must be at least this. */
  target: number | undefined;
}

const RATIOS: Ratio[] = [
  { label: "node+sessionjar / limit", a: "node-sj-redis", b: "limit", target: 0.85 },
  {
    label: "node+sessionjar (clientSideCache) / limit",
    a: "node-sj-redis-csc",
    b: "limit",
    target: undefined,
  },
  {
    label: "node+sessionjar (ioredis) / limit",
    a: "node-sj-ioredis",
    b: "limit",
    target: undefined,
  },
  { label: "express+sessionjar / express bare", a: "express-sj", b: "express-bare", target: 0.9 },
  {
    label: "express+sessionjar / express + 1 raw GET",
    a: "express-sj",
    b: "express-limit",
    target: undefined,
  },
  {
    label: "express+sessionjar (clientSideCache) / express bare",
    a: "express-sj-csc",
    b: "express-bare",
    target: 0.9,
  },
  { label: "fastify+sessionjar / fastify bare", a: "fastify-sj", b: "fastify-bare", target: 0.9 },
  {
    label: "fastify+sessionjar / fastify + 1 raw GET",
    a: "fastify-sj",
    b: "fastify-limit",
    target: undefined,
  },
  {
    label: "fastify+sessionjar (clientSideCache) / fastify bare",
    a: "fastify-sj-csc",
    b: "fastify-bare",
    target: 0.9,
  },
  {
    label: "express+sessionjar / express-session",
    a: "express-sj",
    b: "express-session",
    target: 1.2,
  },
  {
    label: "express+sessionjar / express-session (disableTouch)",
    a: "express-sj",
    b: "express-session-notouch",
    target: 1.2,
  },
  {
    label: "fastify+sessionjar / @fastify/session",
    a: "fastify-sj",
    b: "fastify-session",
    target: undefined,
  },
  {
    label: "fastify+sessionjar / @fastify/session (rolling: false)",
    a: "fastify-sj",
    b: "fastify-session-norolling",
    target: undefined,
  },
  { label: "node+memory / node bare", a: "node-sj-memory", b: "node-bare", target: 0.85 },
  {
    label: "memory limit / node bare",
    a: "memory-limit",
    b: "node-bare",
    target: undefined,
  },
  {
    label: "node+memory / memory limit",
    a: "node-sj-memory",
    b: "memory-limit",
    target: undefined,
  },
];

function selected(ids: string[] | undefined): Spec[] {
  if (ids === undefined) return SERVERS;
  const unknown = ids.filter((id) => !SERVERS.some((s) => s.id === id));
  if (unknown.length > 0) {
    throw new Error(
      `unknown server ${unknown.join(", ")}; the servers are: ${SERVERS.map((s) => s.id).join(", ")}`,
    );
  }
  return SERVERS.filter((s) => ids.includes(s.id));
}

// ---------------------------------------------------------------------------------------------
// Building the servers

interface Build {
  entry(program: Program): string;
  execArgv: string[];
  description: string;
  cleanup(): void;
}

const PROGRAMS: Program[] = ["node", "express", "fastify"];

function packageVersion(name: string): string {
  try {
    const text = readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8");
    return (JSON.parse(text) as { version: string }).version;
  } catch {
    return "?";
  }
}

/** Compiles bench/servers and the parts of src/ they use with tsc, into a temporary directory. */
function compile(): Build {
  const dir = mkdtempSync(join(tmpdir(), "sessionjar-sessions-bench-"));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    // The compiled servers import express, fastify, redis…: let them find ROOT's node_modules.
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    const config = {
      extends: join(ROOT, "tsconfig.build.json"),
      compilerOptions: {
        rootDir: ROOT,
        outDir: join(dir, "out"),
        declaration: false,
        declarationMap: false,
        sourceMap: false,
      },
      files: PROGRAMS.map((p) => join(ROOT, "bench", "servers", `${p}.ts`)),
      include: [],
    };
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(config, null, 2));
    const tsc = join(dirname(require.resolve("typescript/package.json")), "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], {
      encoding: "utf8",
    });
    const entry = (p: Program): string => join(dir, "out", "bench", "servers", `${p}.js`);
    if (!PROGRAMS.every((p) => existsSync(entry(p)))) {
      throw new Error(`tsc emitted no servers (try --source):\n${r.stdout}${r.stderr}`);
    }
    if (r.status !== 0) {
      const first = `${r.stdout}${r.stderr}`.split("\n")[0] ?? "";
      process.stderr.write(`warning: tsc reported errors, running its output anyway: ${first}\n`);
    }
    return {
      entry,
      execArgv: [],
      description: `src/ and bench/servers compiled by tsc ${packageVersion("typescript")} with tsconfig.build.json, run with plain node`,
      cleanup,
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}

function fromSource(): Build {
  return {
    entry: (p) => join(ROOT, "bench", "servers", `${p}.ts`),
    execArgv: ["--import", "tsx"],
    description:
      "src/ and bench/servers run through tsx (--source: includes tsx's keepNames wrappers)",
    cleanup: () => {},
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes

const children = new Set<ChildProcess>();

function killChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  children.clear();
}
process.on("exit", killChildren);

type Reply<T extends FromChild["type"]> = Extract<FromChild, { type: T }>;

/** How a server's process starts, beyond the build's own node flags. */
interface Launch {
  /** More node flags. */
  execArgv?: string[];
  /** A program that runs node, and its arguments before node's (valgrind …). */
  wrapper?: string[];
  lifetimeMs?: number;
  /** More environment variables for the server. */
  env?: Record<string, string>;
}

/** One server in its own process, and the IPC conversation with it. */
class ServerProcess {
  readonly #child: ChildProcess;
  readonly #waiters: {
    type: FromChild["type"];
    resolve: (m: FromChild) => void;
    reject: (e: Error) => void;
  }[] = [];
  #exited: Error | undefined;
  readonly #exit: Promise<void>;

  constructor(s: Spec, build: Build, prefix: string, launch: Launch = {}) {
    const node = [...build.execArgv, ...(launch.execArgv ?? [])];
    const [wrapper, ...wrapperArgs] = launch.wrapper ?? [];
    this.#child = fork(build.entry(s.program), [], {
      cwd: ROOT,
      // fork runs execPath with execArgv then the module: under a wrapper, node becomes its argument.
      ...(wrapper === undefined
        ? { execArgv: node }
        : { execPath: wrapper, execArgv: [...wrapperArgs, process.execPath, ...node] }),
      env: {
        ...process.env,
        // Every server as deployed: Express and sessionjar (its development audit) read it.
        NODE_ENV: "production",
        SJB_KIND: s.id,
        SJB_REDIS_URL: REDIS_URL,
        SJB_PREFIX: prefix,
        SJB_LIFETIME_MS: String(launch.lifetimeMs ?? CHILD_LIFETIME_MS),
        ...launch.env,
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    children.add(this.#child);
    this.#child.on("message", (m: FromChild) => {
      if (m.type === "error") {
        this.#failAll(new Error(`server ${s.id} failed: ${m.message}`));
        return;
      }
      const i = this.#waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.#waiters.splice(i, 1)[0]?.resolve(m);
    });
    this.#exit = new Promise((resolve) => {
      this.#child.once("exit", (code, signal) => {
        children.delete(this.#child);
        this.#exited = new Error(`server ${s.id} exited (code ${code}, signal ${signal})`);
        this.#failAll(this.#exited);
        resolve();
      });
    });
  }

  #failAll(error: Error): void {
    for (const w of this.#waiters.splice(0)) w.reject(error);
  }

  /** Waits for the next message of `type`, at most `timeoutMs`. */
  waitFor<T extends FromChild["type"]>(type: T, timeoutMs: number): Promise<Reply<T>> {
    if (this.#exited !== undefined) return Promise.reject(this.#exited);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new Error(`no "${type}" from the server within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        type,
        resolve: (m: FromChild) => {
          clearTimeout(timer);
          resolve(m as Reply<T>);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  ask<T extends FromChild["type"]>(message: ToChild, reply: T): Promise<Reply<T>> {
    const answer = this.waitFor(reply, 10_000);
    this.#child.send(message);
    return answer;
  }

  /** Asks the server to exit (so that --cpu-prof writes its profile); kills it after 5 s. */
  async shutdown(): Promise<void> {
    if (this.#exited !== undefined) return;
    try {
      this.#child.send({ type: "shutdown" } satisfies ToChild);
    } catch {
      // The channel is already closed: the kill below will do.
    }
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), 5000);
    await this.#exit;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// autocannon (no type declarations are published for it)

interface CannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  latency: { p99: number; average: number };
  requests: { total: number; sent: number; average: number };
}
type Autocannon = (options: {
  url: string;
  connections: number;
  /** Seconds to run, or… */
  duration?: number;
  /** …how many requests to send. */
  amount?: number;
  /** Seconds before a request counts as timed out (default 10). */
  timeout?: number;
  pipelining: number;
  headers: Record<string, string>;
}) => Promise<CannonResult>;
const autocannon = require("autocannon") as Autocannon;

function cannon(url: string, cookie: string, seconds: number): Promise<CannonResult> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    pipelining: 1,
    headers: { cookie },
  });
}

// ---------------------------------------------------------------------------------------------
// Redis

/** The parent's own Redis connection: INFO, and the clean-up at the end. */
async function connectAdmin() {
  const admin = createClient({ url: REDIS_URL });
  admin.on("error", (e: unknown) => process.stderr.write(`redis (admin): ${String(e)}\n`));
  await admin.connect();
  return admin;
}
type Admin = Awaited<ReturnType<typeof connectAdmin>>;

/** Calls per command since Redis started, from INFO commandstats. */
async function commandStats(admin: Admin): Promise<Map<string, number>> {
  const text = String(await admin.sendCommand(["INFO", "commandstats"]));
  const out = new Map<string, number>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
    if (m !== null) out.set(m[1] as string, Number(m[2]));
  }
  return out;
}

/** The commands run between two snapshots, our own INFO calls left out. */
function commandDelta(
  before: Map<string, number>,
  after: Map<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [cmd, calls] of after) {
    if (cmd === "info") continue;
    const d = calls - (before.get(cmd) ?? 0);
    if (d > 0) out.set(cmd, d);
  }
  return out;
}

/** Deletes every key of this run. */
async function deleteKeys(admin: Admin): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  do {
    const reply = (await admin.sendCommand([
      "SCAN",
      cursor,
      "MATCH",
      `${RUN_PREFIX}*`,
      "COUNT",
      "1000",
    ])) as [string, string[]];
    cursor = String(reply[0]);
    const keys = reply[1];
    if (keys.length > 0) deleted += Number(await admin.sendCommand(["UNLINK", ...keys]));
  } while (cursor !== "0");
  return deleted;
}

// ---------------------------------------------------------------------------------------------
// One measurement

interface Measurement {
  id: string;
  reqPerSec: number;
  p99Ms: number;
  completed: number;
  sent: number;
  /** errors + timeouts + non-2xx answers during the measured run. */
  failures: number;
  serverCpuUsPerReq: number;
  /** Server CPU time / wall time of the measured run. */
  serverCpuShare: number;
  /** This process's (autocannon's) CPU time / wall time of the measured run. */
  clientCpuShare: number;
  redisCommands: Map<string, number>;
  /** The .cpuprofile of a profiled run, and its window in the profile's clock (µs). */
  profile?: { file: string; startUs: number; stopUs: number } | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** POST /login and the cookie to send back: the first `name=value` of its Set-Cookie. */
async function signIn(origin: string, id: string): Promise<string> {
  const res = await fetch(`${origin}/login`, {
    method: "POST",
    redirect: "manual",
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status < 200 || res.status > 299) {
    throw new Error(`${id}: POST /login answered ${res.status} ${text}`);
  }
  const cookies = res.headers.getSetCookie().map((c) => c.split(";")[0]?.trim() ?? "");
  const cookie = cookies.find((c) => /^[^=]+=./.test(c));
  if (cookie === undefined) throw new Error(`${id}: POST /login set no cookie`);
  return cookie;
}

/** One GET /me with the cookie must answer 200 and the user id. */
async function verify(origin: string, cookie: string, id: string): Promise<void> {
  const res = await fetch(`${origin}/me`, {
    headers: { cookie },
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let user: unknown;
  try {
    user = (JSON.parse(text) as { user?: unknown }).user;
  } catch {
    user = undefined;
  }
  if (res.status !== 200 || user !== "user-42") {
    throw new Error(`${id}: GET /me with the session cookie answered ${res.status} ${text}`);
  }
}

async function measure(
  s: Spec,
  build: Build,
  admin: Admin,
  profileDir: string | undefined,
): Promise<Measurement> {
  const execArgv =
    profileDir === undefined
      ? []
      : ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "--cpu-prof-interval=200"];
  const server = new ServerProcess(s, build, `${RUN_PREFIX}${s.id}:`, { execArgv });
  try {
    const { port } = await server.waitFor("ready", 30_000);
    const origin = `http://127.0.0.1:${port}`;
    const cookie = await signIn(origin, s.id);
    await verify(origin, cookie, s.id);
    await cannon(`${origin}/me`, cookie, WARMUP_S);

    const before = await commandStats(admin);
    await server.ask({ type: "cpu-start" }, "cpu-started");
    const clientCpu = process.cpuUsage();
    const wall = performance.now();
    const r = await cannon(`${origin}/me`, cookie, DURATION_S);
    const cpu = await server.ask({ type: "cpu-stop" }, "cpu");
    const wallUs = (performance.now() - wall) * 1000;
    const client = process.cpuUsage(clientCpu);
    // Requests cut off at the end may still be reaching Redis: let them land before counting.
    await sleep(250);
    const after = await commandStats(admin);
    await server.shutdown();

    const completed = r.requests.total;
    const serverCpu = cpu.userUs + cpu.systemUs;
    let profile: Measurement["profile"];
    if (profileDir !== undefined) {
      const file = readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
      if (file === undefined) throw new Error(`${s.id}: --cpu-prof wrote no profile`);
      profile = { file: join(profileDir, file), startUs: cpu.startUs, stopUs: cpu.stopUs };
    }
    return {
      id: s.id,
      reqPerSec: completed / r.duration,
      p99Ms: r.latency.p99,
      completed,
      sent: r.requests.sent,
      failures: r.errors + r.timeouts + r.non2xx,
      serverCpuUsPerReq: serverCpu / Math.max(1, completed),
      serverCpuShare: serverCpu / wallUs,
      clientCpuShare: (client.user + client.system) / wallUs,
      redisCommands: commandDelta(before, after),
      profile,
    };
  } finally {
    await server.shutdown();
  }
}

// ---------------------------------------------------------------------------------------------
// Instructions per request (--instructions)
//
// CPU time on a shared machine moves by 2x between rounds; the number of instructions a server
// runs per request does not. Each server runs under callgrind, which counts every user-space
// instruction of the process (the kernel's work, system calls included, is not counted), with
// node's --single-threaded so that no background thread of V8 adds instructions in an order
// that changes from run to run. callgrind_control zeroes the count after the warm-up and dumps
// it after the counted requests.
//
// What is counted must be the steady state. V8 compiles a function once it has run often
// enough, and again after a deoptimization; under --single-threaded that work runs on the main
// thread and is counted with the requests. So the warm-up is as long as the count, the report
// shows what V8's optimizing compiler still took in the counted window, and the sessions' touch
// is pushed out of the run: it is due once a minute per session, and under valgrind a minute is
// about as long as the whole run, so it fell inside the counted window or not depending on the
// machine's speed, and its first run brought deoptimizations and recompilations with it.

/** Requests counted per server, after a warm-up of as many. */
const COUNTED_REQUESTS = QUICK ? 2000 : 20_000;
/** sessionjar's touchInterval while instructions are counted: longer than any run. */
const COUNT_TOUCH_INTERVAL_S = 1500;
/** Fewer than autocannon's 50: under callgrind the server is about 50 times slower. */
const COUNT_CONNECTIONS = 10;

interface InstructionCount {
  id: string;
  requests: number;
  instructions: number;
  /** Of those, the self cost of V8's optimizing compiler (functions in v8::internal::compiler). */
  compiler: number;
}

/**
 * The total self cost of the functions whose name contains `part`, from a callgrind output
 * file. Names are compressed: `fn=(id) name` the first time, `fn=(id)` after, and the same for
 * `cfn=`. The cost line after `calls=` is the inclusive cost of that call, not self cost.
 */
function callgrindSelfCost(text: string, part: string): number {
  const names = new Map<string, string>();
  const name = (line: string, at: number): string => {
    const close = line.indexOf(")", at);
    const id = line.slice(at + 1, close);
    if (line.length > close + 1) names.set(id, line.slice(close + 2));
    return names.get(id) ?? id;
  };
  let counting = false;
  let afterCall = false;
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("fn=")) counting = name(line, 3).includes(part);
    else if (line.startsWith("cfn=")) name(line, 4);
    else if (line.startsWith("calls=")) afterCall = true;
    else if (/^[0-9+*-]/.test(line)) {
      if (afterCall) afterCall = false;
      else if (counting) total += Number(line.split(" ")[1] ?? 0);
    }
  }
  return total;
}

function callgrindControl(command: "--zero" | "--dump", pid: number): void {
  const r = spawnSync("callgrind_control", [command, String(pid)], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 0) {
    throw new Error(`callgrind_control ${command} ${pid} failed: ${r.stdout}${r.stderr}`);
  }
}

async function countInstructions(s: Spec, build: Build, dir: string): Promise<InstructionCount> {
  const out = join(dir, s.id);
  const server = new ServerProcess(s, build, `${RUN_PREFIX}${s.id}:`, {
    execArgv: ["--single-threaded"],
    env: { SJB_TOUCH_INTERVAL_S: String(COUNT_TOUCH_INTERVAL_S) },
    wrapper: [
      "valgrind",
      "--tool=callgrind",
      "--quiet",
      // V8 writes the code it compiles into memory that no file backs: callgrind must see it.
      "--smc-check=all-non-file",
      `--callgrind-out-file=${out}`,
    ],
    lifetimeMs: 20 * 60_000,
  });
  try {
    const { port } = await server.waitFor("ready", 300_000);
    const origin = `http://127.0.0.1:${port}`;
    const cookie = await signIn(origin, s.id);
    await verify(origin, cookie, s.id);
    const load = (amount: number): Promise<CannonResult> =>
      autocannon({
        url: `${origin}/me`,
        connections: COUNT_CONNECTIONS,
        amount,
        timeout: 60,
        pipelining: 1,
        headers: { cookie },
      });
    await load(COUNTED_REQUESTS);
    callgrindControl("--zero", server.pid);
    const r = await load(COUNTED_REQUESTS);
    callgrindControl("--dump", server.pid);
    const failures = r.errors + r.timeouts + r.non2xx;
    if (failures > 0) throw new Error(`${s.id}: ${failures} requests failed under callgrind`);
    // The first dump of a process goes to <out-file>.1; "summary" counts since the zeroing.
    const text = readFileSync(`${out}.1`, "utf8");
    const summary = /^summary: (\d+)$/m.exec(text);
    if (summary === null) throw new Error(`${s.id}: no summary line in ${out}.1`);
    return {
      id: s.id,
      requests: r.requests.total,
      instructions: Number(summary[1]),
      compiler: callgrindSelfCost(text, "v8::internal::compiler::"),
    };
  } finally {
    await server.shutdown();
  }
}

function instructionReport(counts: InstructionCount[]): string {
  const perRequest = new Map(counts.map((c) => [c.id, c.instructions / c.requests]));
  const servers = table(
    ["server", "requests counted", "instructions/req", "of which V8's optimizing compiler"],
    counts.map((c) => [
      SERVERS.find((x) => x.id === c.id)?.label ?? c.id,
      int(c.requests),
      int(perRequest.get(c.id) ?? 0),
      int(c.compiler / c.requests),
    ]),
  );
  const rows: string[][] = [];
  for (const r of RATIOS) {
    const a = perRequest.get(r.a);
    const b = perRequest.get(r.b);
    if (a === undefined || b === undefined) continue;
    rows.push([r.label, `${fixed(b / a, 2)}x`, r.target === undefined ? "–" : `${r.target}x`]);
  }
  const ratios = table(["ratio (other side's instructions / ours)", "value", "req/s target"], rows);
  return rows.length === 0 ? servers : `${servers}\n\n${ratios}`;
}

// ---------------------------------------------------------------------------------------------
// Reporting

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const int = (n: number): string => Math.round(n).toLocaleString("en-US");
const fixed = (n: number, d: number): string => n.toFixed(d);
const percent = (n: number): string => `${Math.round(n * 100)}%`;

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [
    line(head),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.map(line),
  ].join("\n");
}

// Per request *sent*: when autocannon stops, up to one request per connection is still in
// flight. The server has usually read it and run its Redis command, but autocannon counts no
// response for it. Dividing by requests completed would add up to 50 / completed (1% in a
// 2 s run at 2,500 req/s) of commands that belong to those requests.
function commandsPerRequest(m: Measurement): number {
  let n = 0;
  for (const calls of m.redisCommands.values()) n += calls;
  return n / Math.max(1, m.sent);
}

function commandBreakdown(m: Measurement): string {
  const parts = [...m.redisCommands]
    .sort((a, b) => b[1] - a[1])
    .map(([cmd, n]) => `${cmd} ${fixed(n / Math.max(1, m.sent), 2)}`);
  return parts.length === 0 ? "none" : parts.join(", ");
}

/** Median of each figure over the rounds of one server. */
interface Summary {
  spec: Spec;
  runs: Measurement[];
  reqPerSec: number;
  p99Ms: number;
  cpuUsPerReq: number;
  cpuShare: number;
  clientShare: number;
  commands: number;
  breakdown: string;
  failures: number;
}

function summarize(s: Spec, runs: Measurement[]): Summary {
  const mid = [...runs].sort((a, b) => a.reqPerSec - b.reqPerSec)[Math.floor(runs.length / 2)];
  return {
    spec: s,
    runs,
    reqPerSec: median(runs.map((r) => r.reqPerSec)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    cpuUsPerReq: median(runs.map((r) => r.serverCpuUsPerReq)),
    cpuShare: median(runs.map((r) => r.serverCpuShare)),
    clientShare: median(runs.map((r) => r.clientCpuShare)),
    commands: median(runs.map(commandsPerRequest)),
    breakdown: mid === undefined ? "" : commandBreakdown(mid),
    failures: runs.reduce((n, r) => n + r.failures, 0),
  };
}

function resultsTable(summaries: Summary[]): string {
  const many = ROUNDS > 1;
  const spread = (xs: number[]): string => {
    if (!many) return "";
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    return ` (${int(lo)}–${int(hi)})`;
  };
  return table(
    [
      "server",
      many ? "req/s (median, range)" : "req/s",
      "p99 ms",
      "server CPU µs/req",
      "server CPU",
      "autocannon CPU",
      "Redis cmds/req",
      "Redis commands per request",
      "failed",
    ],
    summaries.map((x) => [
      x.spec.label,
      `${int(x.reqPerSec)}${spread(x.runs.map((r) => r.reqPerSec))}`,
      fixed(x.p99Ms, 0),
      fixed(x.cpuUsPerReq, 1),
      percent(x.cpuShare),
      percent(x.clientShare),
      fixed(x.commands, 2),
      x.breakdown,
      String(x.failures),
    ]),
  );
}

interface Verdict {
  label: string;
  value: string;
  target: string;
  met: boolean | undefined;
}

function verdicts(summaries: Summary[]): { ratioTable: string; verdicts: Verdict[] } {
  const byId = new Map(summaries.map((x) => [x.spec.id, x]));
  const rows: string[][] = [];
  const out: Verdict[] = [];
  for (const r of RATIOS) {
    const a = byId.get(r.a);
    const b = byId.get(r.b);
    if (a === undefined || b === undefined) continue;
    // Per round: the two servers ran moments apart in the same round.
    const perRound = a.runs.map((ra, i) => {
      const rb = b.runs[i];
      return rb === undefined ? Number.NaN : ra.reqPerSec / rb.reqPerSec;
    });
    const ratio = median(perRound);
    const cpuRatio = b.cpuUsPerReq / a.cpuUsPerReq;
    const met = r.target === undefined ? undefined : ratio >= r.target;
    rows.push([
      r.label,
      `${fixed(ratio, 2)}x`,
      ROUNDS > 1 ? `${fixed(Math.min(...perRound), 2)}–${fixed(Math.max(...perRound), 2)}` : "–",
      `${fixed(cpuRatio, 2)}x`,
      r.target === undefined ? "–" : `≥ ${fixed(r.target, 2)}x`,
      met === undefined ? "–" : met ? "yes" : "NO",
    ]);
    if (r.target !== undefined) {
      out.push({
        label: r.label,
        value: `${fixed(ratio, 2)}x`,
        target: `≥ ${fixed(r.target, 2)}x`,
        met,
      });
    }
  }
  for (const x of summaries) {
    if (!x.spec.sessionjarRedis) continue;
    const value = fixed(x.commands, 2);
    rows.push([
      `Redis commands per request: ${x.spec.label}`,
      `${value} (${x.breakdown})`,
      "–",
      "–",
      "exactly 1",
      value === "1.00" ? "yes" : "NO",
    ]);
    out.push({
      label: `Redis commands per request, ${x.spec.label}`,
      value,
      target: "exactly 1",
      met: value === "1.00",
    });
  }
  return {
    ratioTable: table(
      ["ratio (req/s)", "value", "per round", "by CPU µs/req", "target", "met"],
      rows,
    ),
    verdicts: out,
  };
}

function gitDescription(): string {
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" });
  const status = spawnSync("git", ["status", "--porcelain", "src"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const sha = head.stdout.trim() || "?";
  return status.stdout.trim() === "" ? sha : `${sha} with uncommitted changes in src/`;
}

async function machine(admin: Admin): Promise<string[]> {
  const info = String(await admin.sendCommand(["INFO", "server"]));
  const redisVersion = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? "?";
  const cpu = cpus()[0]?.model ?? "?";
  return [
    `CPU: ${cpu}, ${availableParallelism()} cores; ${Math.round(totalmem() / 2 ** 30)} GiB RAM; ${type()} ${release()}`,
    `Node ${process.version}; Redis ${redisVersion} at ${REDIS_URL}`,
    `sessionjar ${(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version} (${gitDescription()})`,
    `express ${packageVersion("express")}, express-session ${packageVersion("express-session")}, connect-redis ${packageVersion("connect-redis")}, fastify ${packageVersion("fastify")}, @fastify/session ${packageVersion("@fastify/session")}, @fastify/cookie ${packageVersion("@fastify/cookie")}, redis ${packageVersion("redis")} (@redis/client ${packageVersion("@redis/client")}), ioredis ${packageVersion("ioredis")}, autocannon ${packageVersion("autocannon")}`,
  ];
}

// ---------------------------------------------------------------------------------------------
// Profiles

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A readable file name: the part after the build's out/ or after node_modules/. */
function shortUrl(url: string): string {
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  const out = path.lastIndexOf("/out/");
  if (out >= 0) return path.slice(out + 5);
  const nm = path.lastIndexOf("node_modules/");
  if (nm >= 0) return path.slice(nm + 13);
  if (path.startsWith(ROOT)) return path.slice(ROOT.length + 1);
  return path;
}

function category(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(idle)") return "idle";
  if (functionName === "(program)") return "(program): V8/native, no JS frame";
  if (functionName === "(root)") return "(root)";
  if (url === "") return "native/builtin";
  const u = shortUrl(url);
  if (u.startsWith("node:")) {
    if (/crypto/.test(u)) return "node: crypto";
    if (/_http|internal\/http/.test(u)) return "node: http";
    if (/net|stream|tcp|socket/.test(u)) return "node: net/streams";
    // node-redis 5+ arms an AbortSignal.timeout for every command by default.
    if (/abort_controller|event_target/.test(u)) return "node: AbortSignal/EventTarget";
    if (/task_queues|promises|async_hooks/.test(u)) return "node: promises/ticks";
    if (/timers/.test(u)) return "node: timers";
    if (u === "node:events") return "node: EventEmitter";
    if (u === "node:buffer") return "node: Buffer (toString, subarray)";
    return "node: other internals";
  }
  if (u.startsWith("src/")) return `sessionjar: ${u}`;
  if (u.startsWith("bench/")) return "bench server code";
  const m = /^(@[^/]+\/[^/]+|[^/]+)/.exec(u);
  return `package: ${m?.[1] ?? u}`;
}

interface Analysis {
  windowMs: number;
  windowed: boolean;
  /** µs of self time per function key and per category. */
  self: Map<string, number>;
  total: Map<string, number>;
  categories: Map<string, number>;
}

function analyze(profile: CpuProfile, startUs: number, stopUs: number): Analysis {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByNode = new Map<number, number>();
  const windowed = startUs >= profile.startTime && stopUs <= profile.endTime && stopUs > startUs;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const next = profile.timeDeltas[i + 1] ?? 0;
    if (windowed && (t < startUs || t > stopUs)) continue;
    const id = profile.samples[i] as number;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + next);
  }
  const key = (n: ProfileNode): string =>
    `${n.callFrame.functionName || "(anonymous)"}  ${shortUrl(n.callFrame.url)}${n.callFrame.url === "" ? "" : `:${n.callFrame.lineNumber + 1}`}`;
  const self = new Map<string, number>();
  const categories = new Map<string, number>();
  for (const [id, us] of selfByNode) {
    const n = byId.get(id);
    if (n === undefined) continue;
    self.set(key(n), (self.get(key(n)) ?? 0) + us);
    categories.set(category(n), (categories.get(category(n)) ?? 0) + us);
  }
  // Inclusive time: a node's subtree, counted once per function even when it recurses.
  const total = new Map<string, number>();
  const subtree = new Map<number, number>();
  const sum = (id: number): number => {
    const n = byId.get(id);
    let s = selfByNode.get(id) ?? 0;
    for (const c of n?.children ?? []) s += sum(c);
    subtree.set(id, s);
    return s;
  };
  const root = profile.nodes[0];
  if (root !== undefined) sum(root.id);
  const onStack = new Map<string, number>();
  const walk = (id: number): void => {
    const n = byId.get(id);
    if (n === undefined) return;
    const k = key(n);
    const depth = onStack.get(k) ?? 0;
    if (depth === 0) total.set(k, (total.get(k) ?? 0) + (subtree.get(id) ?? 0));
    onStack.set(k, depth + 1);
    for (const c of n.children ?? []) walk(c);
    onStack.set(k, depth);
  };
  if (root !== undefined) walk(root.id);
  const windowMs = windowed
    ? (stopUs - startUs) / 1000
    : (profile.endTime - profile.startTime) / 1000;
  return { windowMs, windowed, self, total, categories };
}

function top(map: Map<string, number>, n: number, filter: (k: string) => boolean = () => true) {
  return [...map]
    .filter(([k]) => filter(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);
}

function reportProfiles(measured: Measurement[]): void {
  const analyses: { m: Measurement; a: Analysis }[] = [];
  for (const m of measured) {
    if (m.profile === undefined) continue;
    const profile = JSON.parse(readFileSync(m.profile.file, "utf8")) as CpuProfile;
    analyses.push({ m, a: analyze(profile, m.profile.startUs, m.profile.stopUs) });
  }
  for (const { m, a } of analyses) {
    const perReq = (us: number): string => fixed(us / Math.max(1, m.completed), 2);
    const share = (us: number): string => `${fixed((us / (a.windowMs * 1000)) * 100, 1)}%`;
    console.log(
      `\n### Profile of ${m.id}: ${int(m.completed)} requests, ${int(m.reqPerSec)} req/s under the profiler, ${fixed(m.serverCpuUsPerReq, 1)} µs CPU/req`,
    );
    console.log(
      `Samples ${a.windowed ? "of the measured run only" : "of the whole process (the window was not found in the profile)"}, ${fixed(a.windowMs / 1000, 1)} s.${KEEP_PROFILES && m.profile !== undefined ? ` Kept: ${m.profile.file}` : ""}\n`,
    );
    console.log(
      table(
        ["where (self time)", "µs/req", "of wall"],
        top(a.categories, 40).map(([k, us]) => [k, perReq(us), share(us)]),
      ),
    );
    console.log("");
    console.log(
      table(
        ["top functions by self time", "µs/req", "of wall"],
        top(a.self, 30).map(([k, us]) => [k, perReq(us), share(us)]),
      ),
    );
    const ours = (k: string): boolean => /\s(src\/|bench\/)/.test(k);
    if ([...a.total.keys()].some(ours)) {
      console.log("");
      console.log(
        table(
          ["sessionjar and server functions, inclusive (sync part)", "µs/req", "self µs/req"],
          top(a.total, 40, (k) => ours(k) && (a.total.get(k) ?? 0) / m.completed >= 0.005).map(
            ([k, us]) => [k, perReq(us), perReq(a.self.get(k) ?? 0)],
          ),
        ),
      );
    }
  }
  if (analyses.length > 1) {
    const cats = new Set<string>();
    for (const { a } of analyses) for (const k of a.categories.keys()) cats.add(k);
    const perReq = (c: string, i: number): number => {
      const x = analyses[i];
      return x === undefined ? 0 : (x.a.categories.get(c) ?? 0) / Math.max(1, x.m.completed);
    };
    // With two profiles, the second minus the first: where the extra time per request goes.
    const two = analyses.length === 2;
    const rows = [...cats]
      .map((c) => ({ c, d: perReq(c, 1) - perReq(c, 0), v: analyses.map((_, i) => perReq(c, i)) }))
      .sort((x, y) => (two ? y.d - x.d : (y.v[0] ?? 0) - (x.v[0] ?? 0)))
      .map(({ c, d, v }) => [c, ...v.map((n) => fixed(n, 2)), ...(two ? [fixed(d, 2)] : [])]);
    const ids = analyses.map(({ m }) => m.id);
    console.log("\n### Self time per request, side by side (µs/req)\n");
    console.log(table(["where", ...ids, ...(two ? [`${ids[1]} − ${ids[0]}`] : [])], rows));
  }
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  const specs = selected(INSTRUCTIONS ?? PROFILE ?? ONLY);
  const rounds = PROFILE === undefined && INSTRUCTIONS === undefined ? ROUNDS : 1;
  const perServerMs =
    INSTRUCTIONS === undefined ? (WARMUP_S + DURATION_S) * 1000 + 45_000 : 20 * 60_000;
  const budgetMs = specs.length * rounds * perServerMs + 120_000;
  const watchdog = setTimeout(() => {
    process.stderr.write(`the benchmark ran past its ${Math.round(budgetMs / 1000)} s budget\n`);
    killChildren();
    process.exit(1);
  }, budgetMs);
  watchdog.unref();

  const admin = await connectAdmin();
  const build = SOURCE ? fromSource() : compile();
  const profileRoot =
    PROFILE === undefined ? undefined : mkdtempSync(join(tmpdir(), "sessionjar-prof-"));
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: stopping the servers and deleting this run's keys\n`);
    killChildren();
    build.cleanup();
    const exit = (): never => process.exit(130);
    setTimeout(exit, 3000).unref();
    deleteKeys(admin).then(exit, exit);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    const info = await machine(admin);
    if (INSTRUCTIONS !== undefined) {
      console.log("# sessions benchmark: instructions per request (callgrind)\n");
      for (const line of info) console.log(`- ${line}`);
      console.log(`- servers: ${build.description}, under valgrind --tool=callgrind`);
      console.log(
        `- ${int(COUNTED_REQUESTS)} GET /me counted per server after as many uncounted, ${COUNT_CONNECTIONS} connections\n`,
      );
      const dir = mkdtempSync(join(tmpdir(), "sessionjar-callgrind-"));
      try {
        const counts: InstructionCount[] = [];
        for (const s of specs) {
          const c = await countInstructions(s, build, dir);
          counts.push(c);
          process.stderr.write(
            `${s.id}: ${int(c.instructions / c.requests)} instructions/req (compiler ${int(c.compiler / c.requests)})\n`,
          );
        }
        console.log(instructionReport(counts));
      } finally {
        if (KEEP_PROFILES) console.log(`\ncallgrind files (callgrind_annotate reads them): ${dir}`);
        else rmSync(dir, { recursive: true, force: true });
      }
      return 0;
    }
    const load0 = loadavg();
    console.log(
      `# sessions benchmark${QUICK ? " (--quick: smoke run, numbers not worth quoting)" : ""}${PROFILE === undefined ? "" : " (--profile: numbers are under the profiler)"}\n`,
    );
    for (const line of info) console.log(`- ${line}`);
    console.log(`- servers: ${build.description}`);
    console.log(
      `- autocannon: ${CONNECTIONS} connections, pipelining 1, ${WARMUP_S} s warm-up then ${DURATION_S} s measured per server, ${rounds} round${rounds > 1 ? "s" : ""}; GET /me with the session cookie`,
    );
    console.log(`- Redis key prefix of this run: ${RUN_PREFIX}\n`);

    const runs = new Map<string, Measurement[]>(specs.map((s) => [s.id, []]));
    for (let round = 0; round < rounds; round++) {
      // Odd rounds run backwards, so that a slow drift of the machine does not favour one side.
      const order = round % 2 === 0 ? specs : [...specs].reverse();
      for (const s of order) {
        const dir =
          profileRoot === undefined ? undefined : mkdtempSync(join(profileRoot, `${s.id}-`));
        const m = await measure(s, build, admin, dir);
        runs.get(s.id)?.push(m);
        process.stderr.write(
          `${rounds > 1 ? `round ${round + 1}/${rounds} ` : ""}${s.id}: ${int(m.reqPerSec)} req/s, p99 ${fixed(m.p99Ms, 0)} ms, ${fixed(m.serverCpuUsPerReq, 1)} µs CPU/req, ${fixed(commandsPerRequest(m), 2)} Redis cmds/req${m.failures > 0 ? `, ${m.failures} FAILED` : ""}\n`,
        );
      }
    }
    const load1 = loadavg();
    const summaries = specs.map((s) => summarize(s, runs.get(s.id) ?? []));

    if (PROFILE !== undefined) {
      console.log(resultsTable(summaries));
      reportProfiles(summaries.flatMap((x) => x.runs));
      if (profileRoot !== undefined && !KEEP_PROFILES)
        rmSync(profileRoot, { recursive: true, force: true });
      return 0;
    }

    console.log(resultsTable(summaries));
    console.log(
      "\nserver CPU: the server process's CPU time / wall time (1 core = 100%); autocannon CPU: the same for this process.",
    );
    console.log(
      "Redis cmds/req: INFO commandstats delta around the measured run (INFO itself left out) / requests sent; it counts every client of this Redis.\n",
    );
    const { ratioTable, verdicts: vs } = verdicts(summaries);
    if (vs.length > 0 || ratioTable.split("\n").length > 2) console.log(ratioTable);
    const met = vs.filter((v) => v.met === true).length;
    console.log(`\n${met} of ${vs.length} targets met.`);
    console.log(
      `Load average: ${load0.map((l) => fixed(l, 2)).join(" ")} before, ${load1.map((l) => fixed(l, 2)).join(" ")} after.`,
    );
    const failed = summaries.filter((x) => x.failures > 0);
    if (failed.length > 0) {
      process.stderr.write(
        `\nFAILED requests during the measured runs of ${failed.map((x) => x.spec.id).join(", ")}: their numbers are not valid\n`,
      );
      return 1;
    }
    return 0;
  } finally {
    killChildren();
    build.cleanup();
    const deleted = await deleteKeys(admin).catch((e: unknown) => {
      process.stderr.write(`could not delete the keys under ${RUN_PREFIX}: ${String(e)}\n`);
      return 0;
    });
    process.stderr.write(`deleted ${deleted} Redis keys under ${RUN_PREFIX}\n`);
    await admin.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    killChildren();
    process.exit(1);
  },
);
