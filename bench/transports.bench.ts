// Per-request cost of the stateless session cookies: reading one (open) and writing one (seal)
// with sessionjar's signed and encrypted codecs, against iron-session 8 (`unsealData` /
// `sealData`, default settings) and @fastify/secure-session (its `decodeSecureSession` /
// `encodeSecureSession`, called on a Fastify instance that never listens), on the same payload,
// in one process. See bench/transports.md.
//
//   npx tsx bench/transports.bench.ts            the full run (about two minutes)
//   npx tsx bench/transports.bench.ts --quick    smoke run of a few seconds; do not quote it
//   npx tsx bench/transports.bench.ts --source   measure src/ through tsx instead of tsc's output
//
// Ours is measured as `npm run build` ships it: the two codecs compiled by tsc into a temporary
// directory (tsx's keepNames wrappers are not in the published code; see bench/README.md).
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import type { FastifyPluginCallback } from "fastify";
import { sealData, unsealData } from "iron-session";
import type { FnReturnedObject } from "tinybench";
import type { SessionPayload } from "../src/transports/payload.js";
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

type SignedModule = typeof import("../src/transports/signed-cookie.js");
type EncryptedModule = typeof import("../src/transports/encrypted-cookie.js");

/** Ours must open at least this many times faster than iron-session unseals (issue 5). */
const OPEN_TARGET = 2;
/** Calls kept pending at once for the `parallel` iron-session side. */
const IN_FLIGHT = 64;
const require = createRequire(import.meta.url);
const COOKIE_NAME = "__Host-session";

// ---------------------------------------------------------------------------------------------
// Our modules

interface Loaded {
  signed: SignedModule;
  encrypted: EncryptedModule;
  description: string;
  cleanup: () => void;
}

/** The two codecs compiled as `npm run build` ships them. */
async function loadCompiled(): Promise<Loaded> {
  const { out, cleanup } = compileToTemp([
    "transports/signed-cookie.ts",
    "transports/encrypted-cookie.ts",
  ]);
  try {
    return {
      signed: (await import(
        pathToFileURL(join(out, "transports", "signed-cookie.js")).href
      )) as SignedModule,
      encrypted: (await import(
        pathToFileURL(join(out, "transports", "encrypted-cookie.js")).href
      )) as EncryptedModule,
      description: `src/transports compiled by tsc ${packageVersion("typescript")} with tsconfig.build.json (what npm run build ships)`,
      cleanup,
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}

async function loadSource(): Promise<Loaded> {
  return {
    signed: await import("../src/transports/signed-cookie.js"),
    encrypted: await import("../src/transports/encrypted-cookie.js"),
    description: "src/transports run through tsx (--source: includes tsx's keepNames wrappers)",
    cleanup: (): void => {},
  };
}

// ---------------------------------------------------------------------------------------------
// @fastify/secure-session, without a server

interface SecureSession {
  data(): Record<string, unknown>;
}

interface SecureSessionApi {
  decode: (cookie: string) => SecureSession | null;
  encode: (data: Record<string, unknown>) => string;
  version: string;
}

/**
 * Registers @fastify/secure-session on a Fastify instance that never listens, and returns its
 * decode and encode decorators: exactly what its onRequest / onSend hooks call per request. Or
 * the reason it cannot run here (it needs the sodium-native addon).
 */
async function loadSecureSession(key: Buffer): Promise<SecureSessionApi | string> {
  try {
    const { default: Fastify } = await import("fastify");
    // Loaded with require, not import: its type declarations augment FastifyRequest with a
    // `session` of its own, which would clash with sessionjar's Fastify adapter in the same
    // type-check.
    const plugin = require("@fastify/secure-session") as FastifyPluginCallback<{
      key: Buffer;
      cookieName: string;
    }>;
    const app = Fastify({ logger: false });
    await app.register(plugin, { key, cookieName: COOKIE_NAME });
    await app.ready();
    const decorated = app as unknown as {
      decodeSecureSession(cookie: string): SecureSession | null;
      encodeSecureSession(session: unknown): string;
      createSecureSession(data: Record<string, unknown>): unknown;
    };
    return {
      decode: (cookie) => decorated.decodeSecureSession(cookie),
      // createSecureSession stamps __ts into the object it is given: give it a copy.
      encode: (data) => decorated.encodeSecureSession(decorated.createSecureSession({ ...data })),
      version: `@fastify/secure-session ${packageVersion("@fastify/secure-session")} (sodium-native ${packageVersion("sodium-native")}, fastify ${packageVersion("fastify")})`,
    };
  } catch (e) {
    return `@fastify/secure-session could not run here: ${e instanceof Error ? e.message : String(e)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Inputs

const T0 = Date.now();
const MIN = 60_000;

/** A typical signed-in session: a user, a cart, a few preferences (about 300 bytes of JSON). */
const TYPICAL: SessionPayload = {
  v: 1,
  sid: "Yx3kQm9b-T2vNc8LpR5w_A",
  sub: "user_8f14e45fceea167a5a36dedd4bea2543",
  data: {
    cart: [
      { sku: "TEA-GREEN-100G", qty: 2 },
      { sku: "MUG-STONE-350", qty: 1 },
    ],
    currency: "EUR",
    locale: "de-DE",
    theme: "dark",
    role: "customer",
  },
  iat: T0,
  idleExp: T0 + 30 * MIN,
  absExp: T0 + 8 * 60 * MIN,
  elv: T0,
};

/** A session near the limit of one cookie: 2 KB of data (about 2.3 KB of JSON). */
const LARGE: SessionPayload = {
  ...TYPICAL,
  data: {
    ...TYPICAL.data,
    recentlyViewed: Array.from({ length: 60 }, (_, i) => `PRODUCT-${String(i).padStart(6, "0")}`),
    notes: "x".repeat(900),
  },
};

// ---------------------------------------------------------------------------------------------
// Cases

/**
 * How a side is called: `sync` in a plain loop; `await` one call at a time, each awaited (the
 * latency a request sees); `parallel` with IN_FLIGHT calls always pending (the throughput a
 * busy server gets from an API that hands its work to the libuv thread pool).
 */
type Mode = "sync" | "await" | "parallel";

interface Side {
  label: string;
  fn: () => unknown;
  mode: Mode;
}

interface Case {
  name: string;
  /** Ours must reach this multiple of iron-session's better figure, or null: reported only. */
  target: number | null;
  ours: Side;
  /** iron-session, awaited one call at a time. */
  iron: Side;
  /** iron-session, IN_FLIGHT calls pending at once. */
  ironParallel: Side;
  /** @fastify/secure-session, reported for information and held to no target. */
  extra: Side | undefined;
}

interface Setup {
  cases: Case[];
  /** Lines saying what was checked before timing; empty when something disagreed. */
  checks: string[];
  problems: string[];
}

/** Builds the cases, and checks that every side reads back the payload every other side sealed. */
async function setup(loaded: Loaded, secureSession: SecureSessionApi | string): Promise<Setup> {
  const secret = randomBytes(32);
  const keys = [{ id: "k1", secret }];
  const signed = loaded.signed.createSignedCodec({ keys, cookieName: COOKIE_NAME });
  const encrypted = loaded.encrypted.createEncryptedCodec({ keys, cookieName: COOKIE_NAME });
  // iron-session's password: a 32-character string, as its README shows.
  const password = secret.toString("base64url").slice(0, 32);
  const cases: Case[] = [];
  const checks: string[] = [];
  const problems: string[] = [];

  for (const [label, payload] of [
    ["typical", TYPICAL],
    ["large", LARGE],
  ] as const) {
    const json = JSON.stringify(payload);
    const signedValue = signed.seal(payload);
    const encryptedValue = encrypted.seal(payload);
    const ironValue = await sealData(payload, { password });
    const ss = typeof secureSession === "string" ? undefined : secureSession;
    const ssValue = ss?.encode(payload as unknown as Record<string, unknown>);

    // Agreement: each side must read back the same payload.
    const s = signed.open(signedValue);
    const e = encrypted.open(encryptedValue);
    const i = await unsealData<SessionPayload>(ironValue, { password });
    const f = ss === undefined || ssValue === undefined ? undefined : ss.decode(ssValue)?.data();
    if (!(s.ok && isDeepStrictEqual(s.payload, payload))) problems.push(`${label}: signed open`);
    if (!(e.ok && isDeepStrictEqual(e.payload, payload))) problems.push(`${label}: encrypted open`);
    if (!isDeepStrictEqual({ ...i }, payload)) problems.push(`${label}: iron-session unsealData`);
    if (ss !== undefined && !isDeepStrictEqual(f, payload)) {
      problems.push(`${label}: @fastify/secure-session decode`);
    }
    checks.push(
      `agree    ${label} payload (${json.length} bytes of JSON): cookie value of signed ${signedValue.length} B, encrypted ${encryptedValue.length} B, iron-session ${ironValue.length} B${ssValue === undefined ? "" : `, secure-session ${ssValue.length} B`}; each reads back the payload`,
    );

    const sync = (l: string, fn: () => unknown): Side => ({
      label: l,
      fn: (): void => {
        sink.value = fn();
      },
      mode: "sync",
    });
    const ironSide = (l: string, mode: Mode, fn: () => Promise<unknown>): Side => ({
      label: l,
      fn: async (): Promise<void> => {
        sink.value = await fn();
      },
      mode,
    });
    const unseal = () => unsealData(ironValue, { password });
    const seal = () => sealData(payload, { password });
    const ssOpen =
      ss === undefined || ssValue === undefined
        ? undefined
        : sync("secure-session decode", () => ss.decode(ssValue));
    const ssSeal =
      ss === undefined
        ? undefined
        : sync("secure-session encode", () =>
            ss.encode(payload as unknown as Record<string, unknown>),
          );

    cases.push(
      {
        name: `open, signed (${label})`,
        target: OPEN_TARGET,
        ours: sync("signed open", () => signed.open(signedValue)),
        iron: ironSide("iron-session unsealData", "await", unseal),
        ironParallel: ironSide(`iron-session unsealData ×${IN_FLIGHT}`, "parallel", unseal),
        extra: ssOpen,
      },
      {
        name: `open, encrypted (${label})`,
        target: OPEN_TARGET,
        ours: sync("encrypted open", () => encrypted.open(encryptedValue)),
        iron: ironSide("iron-session unsealData", "await", unseal),
        ironParallel: ironSide(`iron-session unsealData ×${IN_FLIGHT}`, "parallel", unseal),
        extra: ssOpen,
      },
      {
        name: `seal, signed (${label})`,
        target: null,
        ours: sync("signed seal", () => signed.seal(payload)),
        iron: ironSide("iron-session sealData", "await", seal),
        ironParallel: ironSide(`iron-session sealData ×${IN_FLIGHT}`, "parallel", seal),
        extra: ssSeal,
      },
      {
        name: `seal, encrypted (${label})`,
        target: null,
        ours: sync("encrypted seal", () => encrypted.seal(payload)),
        iron: ironSide("iron-session sealData", "await", seal),
        ironParallel: ironSide(`iron-session sealData ×${IN_FLIGHT}`, "parallel", seal),
        extra: ssSeal,
      },
    );
  }
  return { cases, checks, problems };
}

// ---------------------------------------------------------------------------------------------
// Measurement (the method of bench/cookie.bench.ts, with awaited batches for async sides)

/** Runs `n` calls of `s` in its mode. */
async function run(s: Side, n: number): Promise<void> {
  const fn = s.fn;
  if (s.mode === "sync") {
    for (let i = 0; i < n; i++) fn();
  } else if (s.mode === "await") {
    for (let i = 0; i < n; i++) await fn();
  } else {
    let started = 0;
    const worker = async (): Promise<void> => {
      while (started < n) {
        started++;
        await fn();
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, n) }, worker));
  }
}

/** How many calls make one sample of about BATCH_MS, measured on the warm function. */
async function batchSize(s: Side): Promise<number> {
  await run(s, s.mode === "parallel" ? 4 * IN_FLIGHT : 50);
  let n = 0;
  let step = s.mode === "parallel" ? IN_FLIGHT : 1;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < 20) {
    await run(s, step);
    n += step;
    elapsed = performance.now() - start;
    if (s.mode === "sync") step = Math.min(step * 2, 1024);
  }
  const size = Math.max(1, Math.round((BATCH_MS * n) / elapsed));
  // A parallel batch keeps IN_FLIGHT calls pending: at least that many, in whole waves.
  return s.mode === "parallel"
    ? Math.max(IN_FLIGHT, Math.round(size / IN_FLIGHT) * IN_FLIGHT)
    : size;
}

/** A task that times `n` calls and reports the mean per call, with the batch's real cost. */
function batched(s: Side, n: number): () => FnReturnedObject | Promise<FnReturnedObject> {
  const fn = s.fn;
  if (s.mode === "sync") {
    // A loop of its own, so that the sync sides are timed without an await in the way.
    return batchedSync(fn, n);
  }
  return async (): Promise<FnReturnedObject> => {
    const start = performance.now();
    await run(s, n);
    const elapsed = performance.now() - start;
    return { overriddenDuration: elapsed / n, overriddenIterationCost: elapsed };
  };
}

/** Ops/s of each side, one entry per round. */
async function measure(sides: readonly Side[]): Promise<number[][]> {
  const tasks = [];
  for (const s of sides) tasks.push(batched(s, await batchSize(s)));
  return measureTasks(tasks);
}

interface Row {
  c: Case;
  ours: number[];
  iron: number[];
  ironParallel: number[];
  extra: number[] | undefined;
}

/** Per round, the better of iron-session's two figures: the conservative peer. */
function best(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => Math.max(x, b[i] ?? 0));
}

// ---------------------------------------------------------------------------------------------
// Report

function formatMicros(xs: readonly number[] | undefined): string {
  return xs === undefined ? "–" : `${(1e6 / median(xs)).toFixed(1)} µs`;
}

function formatRatio(xs: readonly number[]): string {
  return `${median(xs).toFixed(2)}x`;
}

function report(rows: readonly Row[], extraLabel: string): { text: string; met: number } {
  const lines: string[][] = [
    [
      "case",
      "ours ops/s",
      "ours µs",
      "iron µs (awaited)",
      `iron µs (×${IN_FLIGHT} in flight)`,
      "ours/iron",
      "per round",
      "target",
      "met",
      `${extraLabel} ops/s`,
      `${extraLabel} µs`,
      "ours/that",
    ],
  ];
  let met = 0;
  for (const { c, ours, iron, ironParallel, extra } of rows) {
    const r = ratios(ours, best(iron, ironParallel));
    const ok = c.target !== null && median(r) >= c.target;
    if (ok) met++;
    lines.push([
      c.name,
      formatOps(ours),
      formatMicros(ours),
      formatMicros(iron),
      formatMicros(ironParallel),
      formatRatio(r),
      formatRange(r),
      c.target === null ? "–" : `≥ ${c.target.toFixed(1)}x`,
      c.target === null ? "–" : ok ? "yes" : "NO",
      formatOps(extra),
      formatMicros(extra),
      extra === undefined ? "–" : formatRatio(ratios(ours, extra)),
    ]);
  }
  return { text: table(lines), met };
}

async function main(): Promise<void> {
  const loaded = SOURCE ? await loadSource() : await loadCompiled();
  try {
    const secureSession = await loadSecureSession(randomBytes(32));
    const { cases, checks, problems } = await setup(loaded, secureSession);
    const cpu = cpus();
    console.log(
      `sessionjar transport benchmarks${QUICK ? " (--quick: smoke run, do not quote)" : ""}`,
    );
    console.log(
      `node ${process.version}, ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
    );
    console.log(
      `iron-session ${packageVersion("iron-session")} (iron-webcrypto ${packageVersion("iron-webcrypto")}), tinybench ${packageVersion("tinybench")}`,
    );
    console.log(
      typeof secureSession === "string" ? `skipped: ${secureSession}` : secureSession.version,
    );
    console.log(`ours: ${loaded.description}`);
    console.log(
      `iron-session: sealData / unsealData with a 32-character password and default options (ttl 14 days); async (Web Crypto), measured awaited one at a time and with ${IN_FLIGHT} calls in flight; ours/iron uses the faster of the two`,
    );
    console.log(methodLine());
    console.log();
    for (const line of checks) console.log(line);
    if (problems.length > 0) {
      for (const p of problems) console.error(`DISAGREE ${p}`);
      console.error("\nThe implementations do not read back the same payload: not timing.");
      process.exitCode = 1;
      return;
    }
    console.log();

    const rows: Row[] = [];
    for (const c of cases) {
      process.stderr.write(`measuring ${c.name}\n`);
      const sides = [c.ours, c.iron, c.ironParallel, ...(c.extra === undefined ? [] : [c.extra])];
      const [ours = [], iron = [], ironParallel = [], extra] = await measure(sides);
      rows.push({ c, ours, iron, ironParallel, extra });
    }
    const extraLabel =
      typeof secureSession === "string" ? "secure-session (skipped)" : "secure-session";
    const { text, met } = report(rows, extraLabel);
    console.log(text);
    console.log();
    const targets = cases.filter((c) => c.target !== null).length;
    console.log(
      `${met} of ${targets} targets met (open ≥ ${OPEN_TARGET.toFixed(1)}x iron-session unsealData, the faster of its two figures).`,
    );
  } finally {
    loaded.cleanup();
  }
}

await main();
