// Store faults under load, over real HTTP: the suite's own Redis, PostgreSQL, and a Redis Cluster
// with replicas are killed in the middle of authenticated reads and writes, then come back (or
// fail over). Requests that need the store get 503 with a code: never a 500, never a cleared or
// replaced session cookie, never an anonymous session in its place. Service resumes without a
// restart of the server, and every write that was acknowledged is in the store afterwards.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Cluster } from "ioredis";
import pg from "pg";
import { createClient, createCluster } from "redis";
import { createSessions } from "../../src/session/index.js";
import { storeKey } from "../../src/session/tokens.js";
import type { SessionStore } from "../../src/stores/index.js";
import { type RedisStoreClient, redisStore } from "../../src/stores/redis.js";
import { type RedisCluster, startRedisCluster } from "../redis-cluster.js";
import { Browser } from "../sessions/behaviour.js";
import { startNode } from "../sessions/servers.js";
import { fetchSender, percentile, type Sample, startLoad, tally } from "./load.js";
import { ownPostgres, ownRedis } from "./servers.js";
import { type ShopUnderLoad, shopUnderLoad } from "./shop.js";
import { SOAK } from "./soak.js";

const SESSIONS = SOAK ? 1_000 : 60;
const CONNECTIONS = SOAK ? 100 : 12;
const HEALTHY_MS = SOAK ? 10_000 : 1_500;
const OUTAGE_MS = SOAK ? 10_000 : 2_000;
const AFTER_MS = SOAK ? 10_000 : 1_500;
const noop = (): void => {};
const unreadableValue = Symbol("unreadable");

/**
 * The behavioural suite's app through the node adapter, on `store`: for the Redis Cluster,
 * which the shop's --store cannot name. Reads are GET /me, writes POST /set (one key each).
 */
async function appTarget(store: SessionStore): Promise<Target> {
  const server = await startNode(createSessions({ store, insecureLocalhost: true }));
  const cookies: string[] = [];
  for (let i = 0; i < SESSIONS; i += 20) {
    const batch = Array.from(
      { length: Math.min(20, SESSIONS - i) },
      () => new Browser(server.origin),
    );
    await Promise.all(batch.map((b, j) => b.json("POST", `/login?user=u${i + j}`)));
    for (const b of batch) cookies.push(b.cookie as string);
  }
  return {
    send: fetchSender(server.origin, "__Host-session", cookies),
    sessions: cookies.length,
    cookieName: "__Host-session",
    step: (loop, n) =>
      n % 3 === 2
        ? {
            method: "POST",
            path: `/set?key=w${loop}-${n}&value=${n}`,
            write: { key: `w${loop}-${n}`, value: String(n) },
          }
        : { method: "GET", path: "/me" },
    stored: async (session, key) =>
      (await store.get(storeKey(cookies[session] as string)))?.data[key],
    close: () => server.close(),
  };
}

/** The shop itself on a --store spec. */
const shopTarget = (store: string, storePrefix: string) => (): Promise<Target> =>
  shopUnderLoad({ store, storePrefix, sessions: SESSIONS, connections: CONNECTIONS });

/** What the load runs against: the shop, or the library's test app on a given store. */
type Target = Pick<ShopUnderLoad, "send" | "sessions" | "cookieName" | "step" | "stored" | "close">;

interface Scenario {
  /** Starts the server under test, with its sessions signed in. */
  target(): Promise<Target>;
  /** Takes the store away (a crash, or a master killed). */
  fail(): Promise<void>;
  /** Brings it back; undefined where the store heals itself (a cluster failover). */
  recover: (() => Promise<void>) | undefined;
  /** How many sessions the store holds: an anonymous session made in an outage would show. */
  count?(): Promise<number>;
  cleanup(): Promise<void>;
}

interface Outcome {
  samples: Sample[];
  tFail: number;
  tRecover: number;
  /** ms from the store's return to the first success; undefined when none came within the bound. */
  resumedAfterMs: number | undefined;
  lostWrites: number;
  /** Acknowledged writes whose session the store could not read afterwards. */
  unreadable: number;
  sessionsBefore: number | undefined;
  sessionsAfter: number | undefined;
}

/** Runs the load through a fault; waits up to `resumeBoundMs` for success to come back. */
async function underLoad(name: string, s: Scenario, resumeBoundMs = 60_000): Promise<Outcome> {
  const t = await s.target();
  try {
    const sessionsBefore = await s.count?.();
    const load = startLoad({ ...t, connections: CONNECTIONS });
    await sleep(HEALTHY_MS);
    const tFail = load.elapsed();
    await s.fail();
    await sleep(OUTAGE_MS);
    const tRecover = load.elapsed();
    await s.recover?.();
    // Service must resume by itself: a success, after the store's return (for a failover, after
    // the kill), for a session that had failed (on a cluster, the other sessions never stopped).
    // The bound is not the expectation (printed below).
    const back = s.recover === undefined ? tFail : tRecover;
    let resumedAt: number | undefined;
    for (let i = 0; i < resumeBoundMs / 100 && resumedAt === undefined; i++) {
      const failedAt = new Map<number, number>();
      for (const x of load.samples)
        if (x.at >= tFail && x.status === 503 && !failedAt.has(x.session))
          failedAt.set(x.session, x.at);
      // Nothing failed through the outage (a client that waited for the failover): no wait.
      if (failedAt.size === 0) break;
      resumedAt = load.samples.find(
        (x) => x.at > back && x.status === 200 && x.at > (failedAt.get(x.session) ?? Infinity),
      )?.at;
      if (resumedAt === undefined) await sleep(100);
    }
    await sleep(AFTER_MS);
    const { samples } = await load.stop();
    // A write is lost when the store, read afterwards, does not hold it; a session it can no
    // longer read at all (a cluster client that did not follow the failover) is counted apart.
    let lostWrites = 0;
    let unreadable = 0;
    for (const x of samples) {
      if (x.write === undefined || x.status !== 200) continue;
      const value = await t.stored(x.session, x.write.key).catch(() => unreadableValue);
      if (value === unreadableValue) unreadable++;
      else if (value !== x.write.value) lostWrites++;
    }
    const outcome: Outcome = {
      samples,
      tFail,
      tRecover,
      resumedAfterMs: resumedAt === undefined ? undefined : resumedAt - back,
      lostWrites,
      unreadable,
      sessionsBefore,
      sessionsAfter: await s.count?.(),
    };
    const during = samples.filter((x) => x.at >= tFail && x.at < tRecover);
    const ok = samples.filter((x) => x.status === 200).map((x) => x.ms);
    console.log(
      `faults[${name}]: ${samples.length} requests, ${JSON.stringify(tally(samples, (x) => String(x.status)))}; ` +
        `during the outage ${JSON.stringify(tally(during, (x) => `${x.status} ${x.code ?? ""}`.trim()))}; ` +
        (!samples.some((x) => x.status === 503)
          ? "no request failed; "
          : outcome.resumedAfterMs === undefined
            ? `no success within ${resumeBoundMs / 1000} s of the store's return; `
            : `failed sessions served again ${Math.round(outcome.resumedAfterMs)} ms after the store ${s.recover === undefined ? "master was killed" : "was back"}; `) +
        `${samples.filter((x) => x.write !== undefined && x.status === 200).length} writes acknowledged, ${lostWrites} lost, ${unreadable} unreadable; ` +
        `p50 ${percentile(ok, 50).toFixed(1)} ms, p99 ${percentile(ok, 99).toFixed(1)} ms`,
    );
    return outcome;
  } finally {
    await t.close();
    await s.cleanup();
  }
}

/** What every store outage must look like to clients. */
function assertFailedClosed(name: string, o: Outcome): void {
  const statuses = new Set(o.samples.map((x) => x.status));
  assert.ok(!statuses.has(0), `${name}: a request got no answer`);
  for (const x of o.samples) {
    assert.ok(x.status === 200 || x.status === 503, `${name}: status ${x.status} (${x.code})`);
    if (x.status === 503) {
      assert.equal(x.code, "session_store_unavailable");
      assert.equal(x.setsSessionCookie, false, `${name}: a 503 set or cleared the session cookie`);
    }
    // A touch (same token, new Max-Age) may come while the store is up; nothing else may.
    assert.equal(
      x.changesSessionCookie,
      false,
      `${name}: a response replaced or cleared the session cookie`,
    );
  }
  assert.ok(
    o.samples.some((x) => x.status === 503),
    `${name}: the outage was never seen`,
  );
  assert.equal(o.sessionsAfter, o.sessionsBefore, `${name}: sessions were created or lost`);
}

describe("store faults under load", () => {
  test("Redis killed and started again, under the shop", async () => {
    const redis = await ownRedis();
    const client = createClient({ url: `redis://127.0.0.1:${redis.port}` });
    client.on("error", noop);
    await client.connect();
    const prefix = `sjfault_${randomBytes(4).toString("hex")}`;
    const o = await underLoad("redis, the shop", {
      target: shopTarget(`redis://127.0.0.1:${redis.port}`, prefix),
      fail: () => redis.crash(),
      recover: () => redis.start(),
      count: async () => (await client.keys(`${prefix}:www:s:*`)).length,
      cleanup: async () => {
        client.destroy();
        await redis.remove();
      },
    });
    assertFailedClosed("redis", o);
    assert.equal(o.lostWrites + o.unreadable, 0);
  });

  test("PostgreSQL killed and started again, under the shop", async () => {
    const server = await ownPostgres();
    const url = `postgres://postgres@127.0.0.1:${server.port}/postgres`;
    const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 1_000 });
    pool.on("error", noop);
    const prefix = `sjfault_${randomBytes(4).toString("hex")}`;
    const o = await underLoad("postgres, the shop", {
      target: shopTarget(url, prefix),
      fail: () => server.crash(),
      recover: () => server.start(),
      count: async () =>
        Number((await pool.query(`SELECT count(*) AS n FROM ${prefix}_www_sessions`)).rows[0].n),
      cleanup: async () => {
        await pool.end();
        await server.remove();
      },
    });
    assertFailedClosed("postgres", o);
    assert.equal(o.lostWrites + o.unreadable, 0);
  });

  // A failover may drop writes the dead master acknowledged before its replica copied them
  // (replication is asynchronous): they are counted and printed, not asserted.
  const clients = {
    ioredis: async (cluster: RedisCluster) => {
      const client = new Cluster(
        cluster.allPorts.map((port) => ({ host: "127.0.0.1", port })),
        {
          enableOfflineQueue: false,
          redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 1_000 },
        },
      );
      client.on("error", noop);
      await new Promise((resolve) => client.once("ready", resolve));
      return { client, close: () => client.disconnect() };
    },
    "node-redis": async (cluster: RedisCluster) => {
      const client = createCluster({
        rootNodes: cluster.allPorts.map((p) => ({ url: `redis://127.0.0.1:${p}` })),
        defaults: { disableOfflineQueue: true, socket: { connectTimeout: 1_000 } },
      });
      client.on("error", noop);
      await client.connect();
      return { client, close: () => client.destroy() };
    },
  } as const;

  const NODE_TIMEOUT_MS = 1_000;
  for (const [which, connect] of Object.entries(clients)) {
    // node-redis's cluster client followed the failover in some runs and kept routing the dead
    // master's slots to its dead connection in others: it runs in the soak run, reported only.
    const reportOnly = which === "node-redis";
    if (reportOnly && !SOAK) continue;
    test(`Redis Cluster with replicas (${which}): a master killed, failover`, async () => {
      const cluster = await startRedisCluster({ replicas: 1, nodeTimeoutMs: NODE_TIMEOUT_MS });
      const { client, close } = await connect(cluster);
      const prefix = `sjfault:${randomBytes(4).toString("hex")}:`;
      const o = await underLoad(
        `redis cluster, ${which}`,
        {
          target: () => appTarget(redisStore({ client: client as RedisStoreClient, prefix })),
          fail: () => cluster.kill(cluster.ports[0] as number),
          recover: undefined,
          cleanup: async () => {
            close();
            await cluster.stop();
          },
        },
        60_000,
      );
      for (const x of o.samples) {
        assert.ok(x.status === 200 || x.status === 503, `status ${x.status} (${x.code})`);
        if (x.status === 503) assert.equal(x.setsSessionCookie, false);
        assert.equal(x.changesSessionCookie, false);
      }
      // The dead master's sessions either failed (503) or waited in the client for the
      // failover, which takes at least cluster-node-timeout; both are fail-closed.
      const failed = o.samples.some((x) => x.status === 503);
      const waited = o.samples.some((x) => x.at >= o.tFail && x.ms >= NODE_TIMEOUT_MS);
      assert.ok(failed || waited, "the failover was never seen");
      if (reportOnly) return;
      if (failed)
        assert.ok(o.resumedAfterMs !== undefined, "the failed master's sessions never came back");
      assert.equal(o.unreadable, 0);
    });
  }
});
