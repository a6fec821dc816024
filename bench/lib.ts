// The measuring harness shared by bench/cookie.bench.ts and bench/transports.bench.ts: command-line
// settings, the sink, the full GC before each task, batched tinybench tasks measured in rounds of
// alternating order, medians and ratios over the rounds, and the table of the report.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Bench, type FnReturnedObject } from "tinybench";

export const QUICK = process.argv.includes("--quick");
export const SOURCE = process.argv.includes("--source");
/** Measured time per task and round, in ms. */
export const TIME = QUICK ? 40 : 300;
export const WARMUP = QUICK ? 10 : 100;
/** Each case is measured this many times, alternating the order of its sides. */
export const ROUNDS = QUICK ? 1 : 5;
/** One sample times a batch of calls this long, so that timer overhead (tens of ns) vanishes. */
export const BATCH_MS = QUICK ? 0.2 : 1;

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);

// Results go here so that V8 cannot drop a call whose result is unused.
export const sink: { value: unknown } = { value: undefined };

// A full GC before each task keeps one side's garbage from being collected on the other's time.
export const gc = ((): (() => void) | undefined => {
  try {
    setFlagsFromString("--expose-gc");
    const f: unknown = runInNewContext("gc");
    return typeof f === "function" ? (f as () => void) : undefined;
  } catch {
    return undefined;
  }
})();

/** The line of the report that says how the figures were measured. */
export function methodLine(): string {
  return `${ROUNDS} round(s) of ${TIME} ms per side after ${WARMUP} ms warmup, order alternating${gc === undefined ? "" : ", full GC before each side"}; medians over rounds, ± half their range`;
}

// ---------------------------------------------------------------------------------------------
// Measurement

export type Task = () => FnReturnedObject | Promise<FnReturnedObject>;

/** A task that times `n` sync calls and reports the mean per call, with the batch's real cost. */
export function batchedSync(fn: () => void, n: number): () => FnReturnedObject {
  return (): FnReturnedObject => {
    const start = performance.now();
    for (let i = 0; i < n; i++) fn();
    const elapsed = performance.now() - start;
    return { overriddenDuration: elapsed / n, overriddenIterationCost: elapsed };
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Ops/s of each task, one entry per round. */
export async function measureTasks(tasks: readonly Task[]): Promise<number[][]> {
  const rounds: number[][] = tasks.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    const bench = new Bench({
      time: TIME,
      warmupTime: WARMUP,
      iterations: QUICK ? 4 : 16,
      warmupIterations: QUICK ? 2 : 8,
      throws: true,
      ...(gc === undefined ? {} : { setup: (): void => gc() }),
    });
    // Alternate the order so that neither side always runs first after the collection.
    const order = tasks.map((_, i) => (r % 2 === 0 ? i : tasks.length - 1 - i));
    for (const i of order) bench.add(String(i), tasks[i] as () => FnReturnedObject);
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== "completed") throw new Error(`task ${task.name}: ${result.state}`);
      // Mean latency rather than mean throughput: GC pauses are part of the cost.
      rounds[Number(task.name)]?.push(1000 / result.latency.mean);
    }
  }
  return rounds;
}

/** Ours/peer per round: both ran moments apart, so load on the machine mostly cancels out. */
export function ratios(ours: readonly number[], peer: readonly number[]): number[] {
  return ours.map((o, i) => o / (peer[i] ?? Number.NaN));
}

// ---------------------------------------------------------------------------------------------
// Report

export function packageVersion(name: string): string {
  // Some exports maps (set-cookie-parser's among them) hide package.json: walk up from the entry
  // point.
  let dir: string;
  try {
    dir = dirname(require.resolve(name));
  } catch {
    return "not installed";
  }
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === name) return pkg.version ?? "unknown";
    } catch {
      // no package.json at this level
    }
    const parent = dirname(dir);
    if (parent === dir) return "unknown";
    dir = parent;
  }
}

export function formatOps(xs: readonly number[] | undefined): string {
  if (xs === undefined) return "–";
  const m = median(xs);
  // Half the range over the rounds, relative to the median: how much to trust the figure.
  const spread = ((Math.max(...xs) - Math.min(...xs)) / 2 / m) * 100;
  return `${Math.round(m).toLocaleString("en-US")} ±${spread.toFixed(0)}%`;
}

export function formatRange(xs: readonly number[]): string {
  return `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  const line = (r: string[]): string =>
    `| ${r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  const [head, ...body] = rows;
  return [
    line(head ?? []),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...body.map(line),
  ].join("\n");
}

/** Where {@link compileToTemp} wrote its output, and how to remove it. */
export interface Compiled {
  /** The output folder: src/x/y.ts is at `${out}/x/y.js`. */
  out: string;
  cleanup: () => void;
}

/**
 * Compiles `files` (paths under src/) with the options of tsconfig.build.json into a temporary
 * folder outside the repository: the code as `npm run build` ships it. Type errors are the type
 * check's business: tsc emits regardless, and that output is what runs (with a warning).
 */
export function compileToTemp(files: readonly string[]): Compiled {
  const dir = mkdtempSync(join(tmpdir(), "sessionjar-bench-"));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    const config = {
      extends: join(ROOT, "tsconfig.build.json"),
      compilerOptions: {
        rootDir: join(ROOT, "src"),
        outDir: join(dir, "out"),
        declaration: false,
        declarationMap: false,
        sourceMap: false,
        typeRoots: [join(ROOT, "node_modules", "@types")],
        types: ["node"],
      },
      files: files.map((f) => join(ROOT, "src", f)),
      include: [],
    };
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(config, null, 2));
    const tsc = join(dirname(require.resolve("typescript/package.json")), "bin", "tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], {
      encoding: "utf8",
    });
    const out = join(dir, "out");
    for (const f of files) {
      if (!existsSync(join(out, f.replace(/\.ts$/, ".js")))) {
        throw new Error(`tsc emitted nothing for ${f} (try --source):\n${r.stdout}${r.stderr}`);
      }
    }
    if (r.status !== 0) {
      const first = `${r.stdout}${r.stderr}`.split("\n")[0] ?? "";
      process.stderr.write(
        `warning: tsc reported errors, benchmarking its output anyway: ${first}\n`,
      );
    }
    return { out, cleanup };
  } catch (e) {
    cleanup();
    throw e;
  }
}
