// Scale, measured: fills Redis and PostgreSQL with N sessions through the library's store API
// (redisStore on node-redis, postgresStore on pg) and measures bytes per session, store work per
// request of each kind, lookups as the count grows, expiry and sweep cost. See docs/scaling.md.
//
//   npx tsx bench/scale.bench.ts                        1,000,000 sessions, both stores
//   npx tsx bench/scale.bench.ts --sessions 20000 --store redis
//   --redis-url URL   use that Redis instead of a private redis-server (figures then include
//                     whatever else runs there; nothing is flushed, only this run's keys go)
//   --pg-url URL      default postgres://postgres@127.0.0.1:5432/test
//
// Redis: by default a private redis-server (no persistence, noeviction, maxmemory bounded) is
// started on a free loopback port, so that INFO memory, commandstats and expiry statistics are
// this run's alone; it is shut down at the end. Keys are under a prefix unique to the run and
// are deleted at the end either way. PostgreSQL: a schema unique to the run holds the table;
// it is dropped at the end. Clean-up also runs on failure and on Ctrl-C.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { createClient } from "redis";
import { shardFor } from "../src/session/tokens.js";
import { DEFAULT_TABLE, migrate, postgresStore } from "../src/stores/postgres.js";
import { redisIndexKey, redisSessionKey, redisStore } from "../src/stores/redis.js";
import type { SessionRecord, SessionStore } from "../src/stores/types.js";
import { closedPort } from "../test/redis.js";
import { packageVersion } from "./lib.js";
import {
  countingRedisClient,
  countingStore,
  countStatements,
  fill,
  harness,
  MEAN_DEVICES,
  Population,
  perRequest,
  prepared,
  REQUEST_KINDS,
  USER_AGENTS,
} from "./scale-kit.js";

const USAGE =
  "usage: npx tsx bench/scale.bench.ts [--sessions N] [--store redis|postgres] [--redis-url URL] [--pg-url URL]";

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const names = new Set(["--sessions", "--store", "--redis-url", "--pg-url"]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--help") {
      console.log(USAGE);
      process.exit(0);
    }
    const eq = a.indexOf("=");
    const name = eq < 0 ? a : a.slice(0, eq);
    const value = eq < 0 ? argv[++i] : a.slice(eq + 1);
    if (!names.has(name) || value === undefined || value === "") {
      throw new Error(`bad argument ${a}\n${USAGE}`);
    }
    out.set(name, value);
  }
  return out;
}

const ARGS = parseArgs(process.argv.slice(2));
const N = Number((ARGS.get("--sessions") ?? "1000000").replaceAll("_", ""));
if (!Number.isSafeInteger(N) || N < 1_000) throw new Error(`--sessions must be ≥ 1000\n${USAGE}`);
const STORES = ARGS.has("--store") ? [ARGS.get("--store")] : ["redis", "postgres"];
if (!STORES.every((s) => s === "redis" || s === "postgres")) throw new Error(USAGE);
const PG_URL = ARGS.get("--pg-url") ?? "postgres://postgres@127.0.0.1:5432/test";
const RUN = `${process.pid}_${randomBytes(3).toString("hex")}`;
/** Lookups sampled at each checkpoint, one at a time. */
const SAMPLES = 5_000;
/** Requests of each kind whose store work is counted. */
const PER_KIND = 500;
/** Sessions left to expire (Redis) or swept (PostgreSQL). */
const EXPIRING = Math.min(100_000, Math.floor(N / 10));
const CHECKPOINTS = [...new Set([10_000, 100_000, 1_000_000, N].filter((c) => c <= N))].sort(
  (a, b) => a - b,
);

// ---------------------------------------------------------------------------------------------
// Clean-up, also on failure and Ctrl-C

const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const c of cleanups.splice(0).reverse()) {
      await c().catch((e: unknown) => process.stderr.write(`clean-up failed: ${String(e)}\n`));
    }
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void cleanUp().then(() => process.exit(130));
  });
}

const log = (s: string): void => {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`);
};

// ---------------------------------------------------------------------------------------------
// Figures and tables

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

function percentiles(ms: number[]): Record<"p50" | "p90" | "p99" | "p999" | "max", number> {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: s[s.length - 1] ?? 0 };
}

/** A breakdown such as "EVALSHA 1, HMGET 3" (per request), largest first. */
function breakdown(m: ReadonlyMap<string, number>): string {
  return [...m]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `${k} ${fmt(v, Number.isInteger(v) ? 0 : 2)}`)
    .join(", ");
}

const total = (m: ReadonlyMap<string, number>): number =>
  [...m.values()].reduce((a, b) => a + b, 0);

const report: string[] = [];
const out = (s: string): void => {
  report.push(s);
  console.log(s);
};

/** One get at a time on random keys of the first `upTo` created; latency in ms, client side. */
async function sampleGets(store: SessionStore, keys: readonly string[]): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const key = keys[Math.floor(Math.random() * keys.length)] as string;
    const t = performance.now();
    const r = await store.get(key);
    times.push(performance.now() - t);
    if (r === null) throw new Error(`a filled session is missing: ${key}`);
  }
  return times;
}

function progress(label: string, start: number): (n: number) => void {
  return (n) =>
    log(`${label}: ${fmt(n)} sessions, ${fmt(n / ((performance.now() - start) / 1000))}/s`);
}

/** What {@link countKinds} reads before and after each kind's requests. */
interface Counters {
  roundTrips: () => number;
  commands: () => Promise<Map<string, number>>;
  /** CPU seconds the server used so far (Redis's INFO cpu), if known. */
  cpu?: () => Promise<number>;
}

/** Store calls, round trips, commands (and server CPU) per request of every kind. */
async function countKinds(base: SessionStore, counters: Counters): Promise<string[][]> {
  const counted = countingStore(base);
  const h = harness(counted.store);
  const rows: string[][] = [];
  for (const k of REQUEST_KINDS) {
    const go = await prepared(h, k, PER_KIND);
    const calls = new Map(counted.calls);
    const rt = counters.roundTrips();
    const cmd = await counters.commands();
    const cpu = await counters.cpu?.();
    await go();
    const cpuAfter = await counters.cpu?.();
    const cmdAfter = await counters.commands();
    const c = perRequest(cmd, cmdAfter, PER_KIND);
    const cpuCell =
      cpu === undefined || cpuAfter === undefined ? [] : [fmt((1e6 * (cpuAfter - cpu)) / PER_KIND)];
    rows.push([
      k.name,
      breakdown(perRequest(calls, counted.calls, PER_KIND)) || "–",
      fmt((counters.roundTrips() - rt) / PER_KIND, 2),
      fmt(total(c), 2),
      ...cpuCell,
      breakdown(c) || "–",
    ]);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Redis

type NodeRedis = ReturnType<typeof createClient>;

/** A private redis-server on a free port, stopped at clean-up. */
async function privateRedis(): Promise<string> {
  const port = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), "sessionjar-scale-redis-"));
  const maxmemory = Math.max(512 * 2 ** 20, N * 4_096);
  const child: ChildProcess = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      "--maxmemory",
      String(maxmemory),
      "--maxmemory-policy",
      "noeviction",
    ],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  // However this process ends (a closed stdout pipe, an uncaught error), the server goes too.
  process.once("exit", () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await Promise.race([exited, sleep(5_000)]);
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    const c = createClient({ url, disableOfflineQueue: true });
    c.on("error", () => {});
    try {
      await c.connect();
      await c.ping();
      await c.close();
      return url;
    } catch {
      c.destroy();
      await sleep(100);
    }
  }
  throw new Error("the private redis-server did not start");
}

/** INFO section as name → value. */
async function info(client: NodeRedis, section: string): Promise<Map<string, string>> {
  const text = String(await client.sendCommand(["INFO", section]));
  const m = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0 && !line.startsWith("#")) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

const OWN_COMMANDS = new Set(["info", "memory", "object", "scan", "unlink", "config", "dbsize"]);

/** Calls per command (upper case) from INFO commandstats, and total usec per command. */
async function commandstats(
  client: NodeRedis,
): Promise<{ calls: Map<string, number>; usec: Map<string, number> }> {
  const calls = new Map<string, number>();
  const usec = new Map<string, number>();
  for (const [k, v] of await info(client, "commandstats")) {
    const name = k.replace(/^cmdstat_/, "");
    if (OWN_COMMANDS.has(name)) continue;
    const c = /calls=(\d+),usec=(\d+)/.exec(v);
    if (c === null) continue;
    calls.set(name.toUpperCase(), Number(c[1]));
    usec.set(name.toUpperCase(), Number(c[2]));
  }
  return { calls, usec };
}

/** used_cpu_user + used_cpu_sys of the Redis process, in seconds. */
async function redisCpu(c: NodeRedis): Promise<number> {
  const m = await info(c, "cpu");
  return Number(m.get("used_cpu_user")) + Number(m.get("used_cpu_sys"));
}

const usedMemory = async (c: NodeRedis): Promise<number> =>
  Number((await info(c, "memory")).get("used_memory"));

async function dbKeys(c: NodeRedis): Promise<number> {
  const db0 = (await info(c, "keyspace")).get("db0") ?? "keys=0";
  return Number(/keys=(\d+)/.exec(db0)?.[1] ?? 0);
}

/** Deletes every key under `prefix` (SCAN + UNLINK): never FLUSHDB, the Redis may be shared. */
async function dropPrefix(c: NodeRedis, prefix: string): Promise<number> {
  let cursor = "0";
  let n = 0;
  do {
    const [next, keys] = (await c.sendCommand([
      "SCAN",
      cursor,
      "MATCH",
      `${prefix}*`,
      "COUNT",
      "5000",
    ])) as [string, string[]];
    cursor = String(next);
    if (keys.length > 0) n += Number(await c.sendCommand(["UNLINK", ...keys.map(String)]));
  } while (cursor !== "0");
  return n;
}

function pick<T>(all: readonly T[], n: number): T[] {
  return Array.from({ length: Math.min(n, all.length) }, () => {
    return all[Math.floor(Math.random() * all.length)] as T;
  });
}

async function memoryUsage(c: NodeRedis, key: string): Promise<number> {
  return Number(await c.sendCommand(["MEMORY", "USAGE", key, "SAMPLES", "0"]));
}

async function encodings(c: NodeRedis, keys: readonly string[]): Promise<string> {
  const seen = new Map<string, number>();
  for (const k of keys) {
    const e = String(await c.sendCommand(["OBJECT", "ENCODING", k]));
    seen.set(e, (seen.get(e) ?? 0) + 1);
  }
  return [...seen].map(([e, n]) => `${e} ${fmt((100 * n) / keys.length)}%`).join(", ");
}

async function benchRedis(): Promise<void> {
  const external = ARGS.get("--redis-url");
  const url = external ?? (await privateRedis());
  const client: NodeRedis = createClient({ url, disableOfflineQueue: true });
  client.on("error", (e: unknown) => log(`redis client: ${String(e)}`));
  await client.connect();
  cleanups.push(async () => {
    await client.close();
  });
  const prefix = `sjscale:${RUN}:`;
  cleanups.push(async () => {
    log(`redis: deleted ${fmt(await dropPrefix(client, prefix))} keys under ${prefix}`);
  });

  const counting = countingRedisClient(client);
  const roundTrips = counting.roundTrips;
  const store = redisStore({ client: counting.client, prefix });
  const server = await info(client, "server");
  out(
    `\n## Redis ${server.get("redis_version")} (${external === undefined ? "private instance" : url}), node-redis ${packageVersion("redis")}\n`,
  );

  const base = await usedMemory(client);
  const pop = new Population({ seed: 1 });
  const checkpointRows: string[][] = [];
  const start = performance.now();
  let previous = 0;
  for (const target of CHECKPOINTS) {
    const t = performance.now();
    const rt = roundTrips();
    await fill(store, pop, target, { concurrency: 128, onProgress: progress("redis fill", start) });
    const used = (await usedMemory(client)) - base;
    const before = await commandstats(client);
    const cpu = await redisCpu(client);
    const times = await sampleGets(store, pop.keys);
    const cpuPerGet = ((await redisCpu(client)) - cpu) / SAMPLES;
    const after = await commandstats(client);
    const getUs = perRequest(before.usec, after.usec, SAMPLES).get("GET") ?? 0;
    const p = percentiles(times);
    checkpointRows.push([
      fmt(target),
      fmt(pop.users.length),
      fmt(used / 2 ** 20, 1),
      fmt(used / target),
      fmt(p.p50, 3),
      fmt(p.p90, 3),
      fmt(p.p99, 3),
      fmt(p.p999, 3),
      fmt(getUs, 2),
      fmt(cpuPerGet * 1e6, 1),
      fmt((roundTrips() - rt - SAMPLES) / (target - previous), 2),
    ]);
    previous = target;
    log(`redis: ${fmt(target)} sessions in ${fmt((performance.now() - t) / 1000, 1)} s`);
  }
  const fillSeconds = (performance.now() - start) / 1000;
  out(
    `Filled ${fmt(N)} sessions of ${fmt(pop.users.length)} users (mean ${fmt(N / pop.users.length, 2)} devices; drawn from a mean of ${fmt(MEAN_DEVICES, 2)}) with store.create, 128 in flight, in ${fmt(fillSeconds)} s (${fmt(N / fillSeconds)}/s, lookups at the checkpoints included).\n`,
  );
  out(
    table(
      [
        "sessions",
        "users",
        "used_memory Δ (MiB)",
        "bytes/session",
        "get p50 ms",
        "p90",
        "p99",
        "p99.9",
        "GET µs (server)",
        "Redis CPU µs/get",
        "round trips/create",
      ],
      checkpointRows,
    ),
  );
  out(
    `\nget: ${fmt(SAMPLES)} sequential store.get of random filled sessions per checkpoint, timed in the client (node-redis over loopback, on a shared 2-core machine); "GET µs" is Redis's own time per call from INFO commandstats; "Redis CPU µs/get" the redis-server process's CPU time (INFO cpu) over the samples, network I/O included.\n`,
  );

  // Per-key memory, sampled.
  const sampleKeys = pick(pop.keys, 2_000).map((k) => redisSessionKey(prefix, k));
  let sessionBytes = 0;
  for (const k of sampleKeys) sessionBytes += await memoryUsage(client, k);
  const sampleUsers = pick(pop.users, 2_000);
  let indexBytes = 0;
  let indexSessions = 0;
  for (const u of sampleUsers) {
    indexBytes += await memoryUsage(client, redisIndexKey(prefix, u.id));
    indexSessions += u.devices;
  }
  const keysNow = await dbKeys(client);
  out(
    table(
      ["what", "bytes", "encoding"],
      [
        [
          "session record, one string (MEMORY USAGE, mean of 2,000)",
          fmt(sessionBytes / sampleKeys.length),
          await encodings(client, sampleKeys.slice(0, 500)),
        ],
        [
          "user index zset (mean of 2,000 users)",
          fmt(indexBytes / sampleUsers.length),
          await encodings(
            client,
            sampleUsers.slice(0, 500).map((u) => redisIndexKey(prefix, u.id)),
          ),
        ],
        ["user index share per session", fmt(indexBytes / indexSessions), ""],
        [
          "keyspace + expires overhead per key (used_memory Δ − the above)",
          fmt(
            ((await usedMemory(client)) -
              base -
              (sessionBytes / sampleKeys.length) * N -
              (indexBytes / sampleUsers.length) * pop.users.length) /
              keysNow,
          ),
          `${fmt(keysNow)} keys`,
        ],
      ],
    ),
  );

  // Store work per request kind.
  out("\n### Store work per request (Redis)\n");
  const rows = await countKinds(store, {
    roundTrips,
    commands: async () => (await commandstats(client)).calls,
    cpu: () => redisCpu(client),
  });
  out(
    table(
      [
        "request",
        "store calls",
        "round trips",
        "Redis commands (incl. inside scripts)",
        "Redis CPU µs",
        "which",
      ],
      rows,
    ),
  );
  out(
    `\nEach row: ${PER_KIND} requests through createSessions (load, handler, commit) on the filled store, counted from a wrapper of the client (round trips), a wrapper of the store (calls) and INFO commandstats deltas (commands); Redis CPU: used_cpu_user + used_cpu_sys of the redis-server process over the requests (command execution and network I/O), per request.\n`,
  );

  await heavyUsersRedis(store, client);
  await expiryRedis(store, client, { tune: external === undefined });
}

/** One user with many sessions: what one sign-in, list and revoke-all cost inside Redis. */
async function heavyUsersRedis(store: SessionStore, client: NodeRedis): Promise<void> {
  out("\n### One user with many sessions (Redis: each call is one Lua script)\n");
  const rows: string[][] = [];
  for (const n of [10, 100, 1_000, 3_000]) {
    const pop = new Population({ seed: n });
    const userId = `heavy-${n}-${RUN}`;
    const keys: string[] = [];
    const make = (): { key: string; record: SessionRecord } => {
      const s = pop.next();
      const key = `${shardFor(userId)}.${s.key.slice(s.key.indexOf(".") + 1)}`;
      keys.push(key);
      return { key, record: { ...s.record, userId } };
    };
    for (let i = 0; i < n - 1; i++) {
      const s = make();
      await store.create(s.key, s.record);
    }
    const measure = async (call: () => Promise<unknown>): Promise<[number, number]> => {
      const a = await commandstats(client);
      await call();
      const b = await commandstats(client);
      const cmds = total(perRequest(a.calls, b.calls, 1));
      const usec = (b.usec.get("EVALSHA") ?? 0) - (a.usec.get("EVALSHA") ?? 0);
      return [cmds, usec];
    };
    const last = make();
    const create = await measure(() => store.create(last.key, last.record));
    let listed = 0;
    const list = await measure(async () => {
      listed = (await store.listByUser(userId)).length;
    });
    if (listed !== n) throw new Error(`listed ${listed} of ${n} sessions`);
    const del = await measure(() => store.deleteByUser(userId));
    rows.push([
      fmt(n),
      `${fmt(create[0])} / ${fmt(create[1] / 1000, 2)}`,
      `${fmt(list[0])} / ${fmt(list[1] / 1000, 2)}`,
      `${fmt(del[0])} / ${fmt(del[1] / 1000, 2)}`,
    ]);
  }
  out(
    table(
      [
        "sessions of the user",
        "sign-in (create): commands / ms in Redis",
        "list: commands / ms",
        "revoke all: commands / ms",
      ],
      rows,
    ),
  );
  out(
    "\nms in Redis: EVALSHA time from INFO commandstats; Redis runs nothing else meanwhile (a script blocks its shard).\n",
  );
}

/**
 * Sessions left to expire by TTL among the live ones: how fast Redis's active expiry reclaims
 * them, and at what CPU cost, at the default active-expire-effort and (private instance) at 10.
 */
async function expiryRedis(
  store: SessionStore,
  client: NodeRedis,
  options: { tune: boolean },
): Promise<void> {
  const ttl = 10_000;
  const pop = new Population({ seed: 7, ttlMs: ttl });
  const keysBefore = await dbKeys(client);
  const memBefore = await usedMemory(client);
  // Short absolute expiries too, so that the users' indexes expire with their sessions.
  const shortLived: SessionStore = {
    ...store,
    create: (key, record) =>
      store.create(key, { ...record, absoluteExpiresAt: record.idleExpiresAt }),
  };
  const t0 = Date.now();
  await fill(shortLived, pop, EXPIRING, { concurrency: 128 });
  const created = (await dbKeys(client)) - keysBefore;
  const memFull = await usedMemory(client);
  const lastExpiry = Date.now() + ttl;
  await sleep(lastExpiry + 1_000 - Date.now());
  const rows: string[][] = [
    [
      "sessions + user indexes left to expire",
      `${fmt(EXPIRING)} + ${fmt(created - EXPIRING)} = ${fmt(created)} keys (${fmt((memFull - memBefore) / 2 ** 20, 1)} MiB) among ${fmt(keysBefore)} live keys, created in ${fmt((lastExpiry - ttl - t0) / 1000, 1)} s with a 10 s TTL`,
    ],
  ];
  const window = async (label: string, seconds: number): Promise<void> => {
    const s0 = await info(client, "stats");
    const t = Date.now();
    while (Date.now() - t < seconds * 1000 && (await dbKeys(client)) > keysBefore) {
      await sleep(500);
    }
    const s1 = await info(client, "stats");
    const d = (k: string): number => Number(s1.get(k)) - Number(s0.get(k));
    const elapsed = (Date.now() - t) / 1000;
    const left = (await dbKeys(client)) - keysBefore;
    rows.push([
      label,
      `${fmt(d("expired_keys"))} keys in ${fmt(elapsed, 1)} s (${fmt(d("expired_keys") / elapsed)}/s), ${fmt(d("expire_cycle_cpu_milliseconds"))} ms of expire-cycle CPU (${fmt((1000 * d("expire_cycle_cpu_milliseconds")) / Math.max(1, d("expired_keys")), 1)} µs per key); ${fmt(left)} expired keys still held; expired_stale_perc ${s1.get("expired_stale_perc")}`,
    ]);
  };
  await window("active-expire-effort 1 (default), hz 10", 60);
  if (options.tune && (await dbKeys(client)) > keysBefore) {
    await client.sendCommand(["CONFIG", "SET", "active-expire-effort", "10"]);
    try {
      await window("active-expire-effort 10", 30);
    } finally {
      await client.sendCommand(["CONFIG", "SET", "active-expire-effort", "1"]);
    }
  }
  rows.push([
    "used_memory",
    `${fmt(((await usedMemory(client)) - memBefore) / 2 ** 20, 1)} MiB above before the expiring sessions`,
  ]);
  out("\n### Expiry (Redis: TTLs, no sweep)\n");
  out(table(["figure", "value"], rows));
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

async function benchPostgres(): Promise<void> {
  const schema = `sjscale_${RUN}`;
  const admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
  cleanups.push(async () => {
    try {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      log(`postgres: dropped schema ${schema}`);
    } finally {
      await admin.end();
    }
  });
  await admin.query(`CREATE SCHEMA "${schema}"`);
  const pool = new pg.Pool({
    connectionString: PG_URL,
    max: 16,
    connectionTimeoutMillis: 10_000,
    // The fill does not wait for WAL flushes; sizes, plans and statement counts are the same.
    options: `-c search_path=${schema} -c synchronous_commit=off`,
  });
  cleanups.push(() => pool.end());
  const { statements, total: roundTrips } = countStatements(pool);
  await migrate(pool);
  const table_ = `"${schema}"."${DEFAULT_TABLE}"`;
  const store = postgresStore({ pool });
  const version_ = (await admin.query<{ v: string }>("SELECT current_setting('server_version') v"))
    .rows[0]?.v;
  const autovacuum = (await admin.query<{ v: string }>("SELECT current_setting('autovacuum') v"))
    .rows[0]?.v;
  out(
    `\n## PostgreSQL ${version_}, pg ${packageVersion("pg")} (autovacuum ${autovacuum}; the bench runs ANALYZE after each fill step)\n`,
  );

  const sizes = async (): Promise<{
    total: number;
    heap: number;
    indexes: number;
    rows: number;
  }> => {
    const r = await admin.query<{ t: string; h: string; i: string; n: string }>(
      `SELECT pg_total_relation_size('${table_}') t, pg_relation_size('${table_}') h, pg_indexes_size('${table_}') i, (SELECT count(*) FROM ${table_}) n`,
    );
    const row = r.rows[0] as { t: string; h: string; i: string; n: string };
    return {
      total: Number(row.t),
      heap: Number(row.h),
      indexes: Number(row.i),
      rows: Number(row.n),
    };
  };
  const buffersOfGet = async (key: string): Promise<number> => {
    const r = await admin.query(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM ${table_} WHERE key = $1 AND expires_at > $2`,
      [key, Date.now()],
    );
    const plan = (r.rows[0] as { "QUERY PLAN": [{ Plan: Record<string, number> }] })[
      "QUERY PLAN"
    ][0].Plan;
    return (plan["Shared Hit Blocks"] ?? 0) + (plan["Shared Read Blocks"] ?? 0);
  };

  const pop = new Population({ seed: 1 });
  const rows: string[][] = [];
  const start = performance.now();
  for (const target of CHECKPOINTS) {
    await fill(store, pop, target, {
      concurrency: 32,
      onProgress: progress("postgres fill", start),
    });
    // What autovacuum would have done by now; without statistics the planner ANDs the
    // expires_at index (every live row) into a user's list.
    await admin.query(`ANALYZE ${table_}`);
    const s = await sizes();
    const times = await sampleGets(store, pop.keys);
    const p = percentiles(times);
    let blocks = 0;
    const probes = pick(pop.keys, 20);
    for (const k of probes) blocks += await buffersOfGet(k);
    rows.push([
      fmt(target),
      fmt(s.total / 2 ** 20, 1),
      fmt(s.total / s.rows),
      fmt(s.heap / s.rows),
      fmt(s.indexes / s.rows),
      fmt(p.p50, 3),
      fmt(p.p90, 3),
      fmt(p.p99, 3),
      fmt(p.p999, 3),
      fmt(blocks / probes.length, 1),
    ]);
    log(`postgres: ${fmt(target)} sessions`);
  }
  const fillSeconds = (performance.now() - start) / 1000;
  out(
    `Filled ${fmt(N)} sessions of ${fmt(pop.users.length)} users with store.create, 32 in flight on a pool of 16, in ${fmt(fillSeconds)} s (${fmt(N / fillSeconds)}/s, lookups included).\n`,
  );
  out(
    table(
      [
        "sessions",
        "table + indexes (MiB)",
        "bytes/row",
        "heap",
        "indexes",
        "get p50 ms",
        "p90",
        "p99",
        "p99.9",
        "buffers per get",
      ],
      rows,
    ),
  );
  out(
    `\nSizes from pg_total_relation_size, pg_relation_size and pg_indexes_size; buffers per get: shared blocks one lookup touches (EXPLAIN ANALYZE BUFFERS, mean of 20), which grows with the depth of the primary-key B-tree.\n`,
  );

  out("\n### Store work per request (PostgreSQL)\n");
  const kindRows = await countKinds(store, {
    roundTrips,
    commands: async () => new Map(statements),
  });
  out(table(["request", "store calls", "round trips", "statements", "which"], kindRows));
  // Backends report their table statistics within a second or so of going idle.
  await sleep(2_000);
  const tup = (
    await admin.query<Record<string, string>>(
      `SELECT n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del, n_dead_tup FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2`,
      [schema, DEFAULT_TABLE],
    )
  ).rows[0];
  if (tup !== undefined) {
    out(
      `\nTable statistics so far (pg_stat_user_tables): ${fmt(Number(tup.n_tup_ins))} inserted, ${fmt(Number(tup.n_tup_upd))} updated of which ${fmt(Number(tup.n_tup_hot_upd))} HOT, ${fmt(Number(tup.n_tup_del))} deleted, ${fmt(Number(tup.n_dead_tup))} dead. An update that moves the idle expiry changes expires_at, which is indexed, so it cannot be HOT: every touch writes a new entry into each of the table's four indexes.`,
    );
  }

  // A user with many sessions: one indexed statement each, whatever the count.
  const heavy: string[][] = [];
  for (const n of [10, 100, 1_000, 3_000]) {
    const userId = `heavy-${n}-${RUN}`;
    const hp = new Population({ seed: n });
    for (let i = 0; i < n; i++) {
      const s = hp.next();
      await store.create(`${shardFor(userId)}.${s.key.slice(s.key.indexOf(".") + 1)}`, {
        ...s.record,
        userId,
      });
    }
    // The median of 5 lists: one slow list on a shared machine says little.
    const lists: number[] = [];
    let listed = 0;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      listed = (await store.listByUser(userId)).length;
      lists.push(performance.now() - t);
    }
    const tl = percentiles(lists).p50;
    const t2 = performance.now();
    const removed = (await store.deleteByUser(userId)).length;
    const td = performance.now() - t2;
    if (listed !== n || removed !== n) throw new Error(`heavy user: ${listed}, ${removed} of ${n}`);
    heavy.push([fmt(n), fmt(tl, 2), fmt(td, 2)]);
  }
  out("\n### One user with many sessions (PostgreSQL: one statement each)\n");
  out(table(["sessions of the user", "list ms (median of 5)", "revoke all ms"], heavy));

  // Sweep: expired rows among the live ones.
  const expired = new Population({ seed: 9, ttlMs: -1_000 });
  await fill(store, expired, EXPIRING, { concurrency: 16 });
  const before = await sizes();
  const st0 = roundTrips();
  const t = performance.now();
  const swept = await store.sweep();
  const sweepMs = performance.now() - t;
  const sweepStatements = roundTrips() - st0;
  const afterSweep = await sizes();
  const t1 = performance.now();
  await admin.query(`VACUUM ${table_}`);
  const vacuumMs = performance.now() - t1;
  const afterVacuum = await sizes();
  const st1 = roundTrips();
  const t3 = performance.now();
  const none = await store.sweep();
  const idleMs = performance.now() - t3;
  out("\n### Sweep (PostgreSQL: store.sweep(), batches of 1,000)\n");
  out(
    table(
      ["figure", "value"],
      [
        ["expired rows among live ones", `${fmt(EXPIRING)} among ${fmt(before.rows - EXPIRING)}`],
        [
          "sweep()",
          `${fmt(swept)} rows in ${fmt(sweepMs)} ms, ${fmt(sweepStatements)} statements (${fmt((1000 * sweepMs) / Math.max(1, swept), 1)} µs per row)`,
        ],
        [
          "table + indexes",
          `${fmt(before.total / 2 ** 20, 1)} MiB before, ${fmt(afterSweep.total / 2 ** 20, 1)} MiB after the sweep, ${fmt(afterVacuum.total / 2 ** 20, 1)} MiB after VACUUM (${fmt(vacuumMs)} ms; VACUUM gives back only empty pages at the end of a file, other freed space is reused by later rows)`,
        ],
        [
          "sweep() with nothing expired",
          `${fmt(none)} rows in ${fmt(idleMs, 1)} ms, ${fmt(roundTrips() - st1)} statement`,
        ],
      ],
    ),
  );
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const cpu = cpus();
  out(`# Scale: ${fmt(N)} sessions\n`);
  out(
    `\`npx tsx bench/scale.bench.ts${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(" ")}` : ""}\`, ${new Date().toISOString()}; ${cpu.length} × ${cpu[0]?.model ?? "?"}, ${fmt(totalmem() / 2 ** 30)} GiB, shared with other work (load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(
        " ",
      )} at the start); Node ${process.version}. Records: a user id (UUID), a User-Agent of ${Math.min(...USER_AGENTS.map((u) => u.length))}–${Math.max(...USER_AGENTS.map((u) => u.length))} bytes, data { cart: 0–4 lines, locale }, 10% elevated.`,
  );
  try {
    for (const s of STORES) {
      if (s === "redis") await benchRedis();
      else await benchPostgres();
      await cleanUp();
      cleaning = undefined;
    }
    out(
      `\nLoad average at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
    );
  } finally {
    await cleanUp();
  }
}

main().catch(async (e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  await cleanUp();
  process.exit(1);
});
