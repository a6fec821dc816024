// The smoke version of bench/scale.bench.ts: 1,000 sessions of users with several devices, filled
// through the store API into the Redis on 127.0.0.1:6379 and into PostgreSQL, then every request
// kind of the bench through createSessions, holding each to its store calls and round trips.
// The figures of docs/scaling.md rest on these counts. Counted, never timed.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import pg from "pg";
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
} from "../../bench/scale-kit.js";
import { migrate, postgresStore } from "../../src/stores/postgres.js";
import { redisStore } from "../../src/stores/redis.js";
import type { SessionStore } from "../../src/stores/types.js";
import { dropNodeRedis, type NodeRedis, nodeRedis } from "../redis.js";

const FILL = 1_000;
const PER_KIND = 5;
const PG_URL = process.env.SESSIONJAR_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Store calls per request of each kind, whatever the store. */
const CALLS: Record<string, Record<string, number>> = {
  "no session cookie": {},
  "unknown token (expired or forged)": { get: 1 },
  "read, within the touch interval": { get: 1 },
  "read that extends the idle expiry (touch)": { get: 1, update: 1 },
  "read + change one data key": { get: 1, update: 1 },
  "anonymous cart, first write": { create: 1 },
  "sign-in (no cookie; 2 other devices)": { create: 1 },
  "sign-in with maxSessionsPerUser 3 (3 devices: evicts one)": { create: 1 },
  "sign-in from an anonymous cart": { get: 1, create: 1, delete: 1 },
  rotate: { get: 1, rename: 1 },
  "sign-out": { get: 1, delete: 1 },
  "list devices": { get: 1, listByUser: 1 },
  "revoke one other device": { get: 1, listByUser: 1, delete: 1 },
  "revoke all (log out all devices)": { get: 1, deleteByUser: 1 },
};

const sum = (m: Record<string, number>): number => Object.values(m).reduce((a, b) => a + b, 0);

/** Fills, checks the per-user index, then counts every request kind against `roundTrips`. */
async function exercise(
  store: SessionStore,
  roundTrips: () => number,
  expectedRoundTrips: (kind: string) => number,
): Promise<void> {
  const population = new Population({ seed: 3 });
  const rt0 = roundTrips();
  await fill(store, population, FILL, { concurrency: 16 });
  // One round trip per create, and one more if Redis had yet to cache the script.
  assert.ok(
    roundTrips() - rt0 - FILL <= 1,
    `${roundTrips() - rt0} round trips for ${FILL} creates`,
  );
  assert.ok(population.users.length > FILL / 4 && population.users.length < FILL / 2);
  assert.ok(Math.abs(FILL / population.users.length - MEAN_DEVICES) < 0.4);
  for (const u of population.users.slice(0, 20)) {
    assert.equal((await store.listByUser(u.id)).length, u.devices, "a user's devices are indexed");
  }
  const counted = countingStore(store);
  const h = harness(counted.store);
  for (const k of REQUEST_KINDS) {
    const run = await prepared(h, k, PER_KIND);
    const calls = new Map(counted.calls);
    const rt = roundTrips();
    await run();
    const expected = CALLS[k.name];
    assert.ok(expected !== undefined, `no expectation for ${k.name}`);
    assert.deepEqual(
      Object.fromEntries(perRequest(calls, counted.calls, PER_KIND)),
      expected,
      `store calls of ${k.name}`,
    );
    assert.equal((roundTrips() - rt) / PER_KIND, expectedRoundTrips(k.name), k.name);
  }
}

describe("scale workload on Redis", () => {
  let client: NodeRedis;
  const prefix = `sjscale-test:${randomBytes(6).toString("hex")}:`;
  before(async () => {
    client = await nodeRedis();
  });
  after(async () => {
    await dropNodeRedis(client, `${prefix}*`);
    await client.close();
  });

  test("every request kind costs one round trip per store call", async () => {
    const counting = countingRedisClient(client);
    const store = redisStore({ client: counting.client, prefix });
    await exercise(store, counting.roundTrips, (name) => sum(CALLS[name] ?? {}));
  });
});

describe("scale workload on PostgreSQL", () => {
  const schema = `sjscale_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
  let pool: pg.Pool;
  let statements: ReturnType<typeof countStatements>;
  before(async () => {
    await admin.query(`CREATE SCHEMA "${schema}"`);
    pool = new pg.Pool({
      connectionString: PG_URL,
      max: 4,
      connectionTimeoutMillis: 5_000,
      options: `-c search_path=${schema}`,
    });
    statements = countStatements(pool);
    await migrate(pool);
  });
  after(async () => {
    await pool.end();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  test("one statement per store call, a transaction of four for a capped sign-in and for log out all devices", async () => {
    // migrate took the lock once already.
    const locks = statements.statements.get("SELECT lock") ?? 0;
    // BEGIN, the locked insert or the lock, the eviction or the DELETE, COMMIT.
    const transactions: Record<string, number> = {
      "sign-in with maxSessionsPerUser 3 (3 devices: evicts one)": 4,
      "revoke all (log out all devices)": 1 + 4,
    };
    await exercise(
      postgresStore({ pool }),
      statements.total,
      (name) => transactions[name] ?? sum(CALLS[name] ?? {}),
    );
    // Each log out of all devices, and the one before them that warmed up.
    assert.equal((statements.statements.get("SELECT lock") ?? 0) - locks, PER_KIND + 1);
  });
});
