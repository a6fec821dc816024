// Benchmarks sessionjar/jar against tough-cookie on the same operations, in one process:
// getCookieHeader with 10, 100, 1,000 and 5,000 cookies on the requested host and with 5,000
// cookies spread over 200 hosts, setCookie throughput, and memory per stored cookie. Ours is
// src/jar compiled by tsc as `npm run build` ships it (see bench/README.md). Both jars must give
// the same Cookie header on every case before anything is timed. The jar remembers no lookup,
// so asking the same URL again and again times a full lookup every call.

import { symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { CookieJar as ToughJar } from "tough-cookie";
import {
  BATCH_MS,
  batchedSync,
  compileToTemp,
  formatOps,
  formatRange,
  gc,
  measureTasks,
  median,
  methodLine,
  packageVersion,
  ROOT,
  ratios,
  sink,
  table,
} from "./lib.js";

type JarModule = typeof import("../src/jar/index.js");

const { out, cleanup } = compileToTemp(["jar/index.ts"]);
// The compiled module imports tldts: let it resolve from the project's node_modules.
symlinkSync(join(ROOT, "node_modules"), join(dirname(out), "node_modules"), "dir");
const ours = (await import(pathToFileURL(join(out, "jar", "index.js")).href)) as JarModule;

const NOW = Date.parse("2026-01-01T00:00:00Z");
// No limits on either side: tough-cookie has none, and ours would evict past 50 per domain.
const UNLIMITED = {
  maxCookiesPerDomain: 1e6,
  purgeCookiesPerDomainTo: 1e6,
  maxCookies: 1e6,
  purgeCookiesTo: 1e6,
};

function hostOf(i: number): string {
  return `h${i}.example.com`;
}

interface Filled {
  ours: InstanceType<JarModule["CookieJar"]>;
  tough: ToughJar;
}

/** `perHost` cookies on each of `hosts` hosts, all Path=/, set on both jars. */
function filled(hosts: number, perHost: number): Filled {
  const o = new ours.CookieJar({ ...UNLIMITED, clock: () => NOW });
  const t = new ToughJar();
  for (let h = 0; h < hosts; h++) {
    const url = `https://${hostOf(h)}/`;
    for (let i = 0; i < perHost; i++) {
      const line = `c${i}=v${i}; Path=/; Secure; SameSite=Lax`;
      if (o.setCookie(line, url).type !== "stored") throw new Error(`ours refused ${line}`);
      t.setCookieSync(line, url, { now: new Date(NOW) });
    }
  }
  return { ours: o, tough: t };
}

function oursOnly(hosts: number, perHost: number): unknown {
  const o = new ours.CookieJar({ ...UNLIMITED, clock: () => NOW });
  for (let h = 0; h < hosts; h++) {
    for (let i = 0; i < perHost; i++)
      o.setCookie(`c${i}=v${i}; Path=/; Secure; SameSite=Lax`, `https://${hostOf(h)}/`);
  }
  return o;
}

function toughOnly(hosts: number, perHost: number): unknown {
  const t = new ToughJar();
  const now = new Date(NOW);
  for (let h = 0; h < hosts; h++) {
    for (let i = 0; i < perHost; i++)
      t.setCookieSync(`c${i}=v${i}; Path=/; Secure; SameSite=Lax`, `https://${hostOf(h)}/`, {
        now,
      });
  }
  return t;
}

/** Runs `fn` enough times to fill one batch of about BATCH_MS. */
function batchSize(fn: () => void): number {
  let n = 1;
  for (;;) {
    const start = performance.now();
    for (let i = 0; i < n; i++) fn();
    if (performance.now() - start >= BATCH_MS || n >= 1 << 20) return n;
    n *= 2;
  }
}

interface Row {
  name: string;
  ours: () => void;
  peer: () => void;
  target?: number;
}

const rows: Row[] = [];
for (const [hosts, perHost, target] of [
  [1, 10, 3],
  [1, 100, undefined],
  [1, 1000, 10],
  [1, 5000, undefined],
  [200, 25, undefined],
] as const) {
  const jars = filled(hosts, perHost);
  const url = `https://${hostOf(0)}/account`;
  const a = jars.ours.getCookieHeader(url);
  const b = jars.tough.getCookieStringSync(url);
  if (a !== b) {
    process.stderr.write(
      `ours and tough-cookie disagree on ${hosts}×${perHost}:\n${a.slice(0, 200)}\n${b.slice(0, 200)}\n`,
    );
    process.exit(1);
  }
  rows.push({
    name: `getCookieHeader, ${hosts === 1 ? `${perHost} cookies on the host` : `${hosts * perHost} cookies over ${hosts} hosts`}`,
    ours: () => {
      sink.value = jars.ours.getCookieHeader(url);
    },
    peer: () => {
      sink.value = jars.tough.getCookieStringSync(url);
    },
    ...(target === undefined ? {} : { target }),
  });
}

for (const perHost of [10, 1000]) {
  // A URL never asked before on every call: what a lookup costs when the jar has not seen the
  // URL's text, its parse included, on both sides.
  const jars = filled(1, perHost);
  let i = 0;
  let j = 0;
  rows.push({
    name: `getCookieHeader, ${perHost} cookies, a never-seen URL each call`,
    ours: () => {
      sink.value = jars.ours.getCookieHeader(`https://${hostOf(0)}/p${i++}`);
    },
    peer: () => {
      sink.value = jars.tough.getCookieStringSync(`https://${hostOf(0)}/p${j++}`);
    },
  });
}

{
  // setCookie in a steady state: 100 names cycling on one host, each call an overwrite.
  const o = new ours.CookieJar({ ...UNLIMITED, clock: () => NOW });
  const t = new ToughJar();
  const lines = Array.from(
    { length: 100 },
    (_, i) => `s${i}=${i}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=3600`,
  );
  let i = 0;
  let j = 0;
  const url = "https://www.shop.test/login";
  const now = new Date(NOW);
  rows.push({
    name: "setCookie (overwriting 100 names)",
    ours: () => {
      sink.value = o.setCookie(lines[i++ % 100] as string, url);
    },
    peer: () => {
      sink.value = t.setCookieSync(lines[j++ % 100] as string, url, { now });
    },
    target: 3,
  });
}

const measured = await measureTasks(
  rows.flatMap((r) => [
    batchedSync(r.ours, batchSize(r.ours)),
    batchedSync(r.peer, batchSize(r.peer)),
  ]),
);

/** Bytes of heap per cookie: 10,000 cookies over 100 hosts, after a full collection. */
function memoryPerCookie(make: () => unknown): number {
  if (gc === undefined) return Number.NaN;
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = make();
  gc();
  const after = process.memoryUsage().heapUsed;
  sink.value = kept;
  return (after - before) / 10_000;
}
const memOurs = memoryPerCookie(() => oursOnly(100, 100));
const memTough = memoryPerCookie(() => toughOnly(100, 100));
cleanup();

const report: string[][] = [
  ["case", "sessionjar/jar ops/s", "tough-cookie ops/s", "ratio (median, range)", "target"],
];
rows.forEach((r, k) => {
  const o = measured[2 * k] as number[];
  const p = measured[2 * k + 1] as number[];
  const q = ratios(o, p);
  const m = median(q);
  report.push([
    r.name,
    formatOps(o),
    formatOps(p),
    `${m.toFixed(1)}x (${formatRange(q)})`,
    r.target === undefined ? "–" : `≥ ${r.target}x ${m >= r.target ? "met" : "MISSED"}`,
  ]);
});
console.log(
  `sessionjar/jar against tough-cookie ${packageVersion("tough-cookie")}, Node ${process.version}`,
);
console.log(methodLine());
console.log(table(report));
console.log(
  `\nmemory per stored cookie (10,000 cookies over 100 hosts, heap after a full GC): ` +
    `sessionjar/jar ${memOurs.toFixed(0)} B, tough-cookie ${memTough.toFixed(0)} B`,
);
