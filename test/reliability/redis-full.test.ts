// A Redis at its maxmemory with noeviction refuses writes that add data (OOM). Sessions then:
// a read of a signed-in session is still served (its due touch, or rotation, is skipped and
// reported), a change of data and a sign-in get 503 with a code, and nothing is written: Redis
// checks maxmemory at a script's first write only, so a script that began with a DEL would get
// through. Once memory is free again, the same cookie is extended and written as before.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import { createClient } from "redis";
import { createSessions, type SessionEvent } from "../../src/session/index.js";
import { shardFor, storeKey } from "../../src/session/tokens.js";
import { redisStore } from "../../src/stores/redis.js";
import { StoreError } from "../../src/stores/types.js";
import { redisRefreshStore } from "../../src/transports/refresh-tokens.js";
import { Browser } from "../sessions/behaviour.js";
import { startNode } from "../sessions/servers.js";
import { type OwnedRedis, ownRedis } from "./servers.js";

describe("a Redis at maxmemory (noeviction)", () => {
  let redis: OwnedRedis | undefined;
  after(() => redis?.remove());

  test("reads are served without their touch, writes and sign-ins get 503, nothing is written", async () => {
    redis = await ownRedis();
    const client = createClient({ url: `redis://127.0.0.1:${redis.port}` });
    client.on("error", () => {});
    await client.connect();
    const clock = { now: Date.now() };
    const now = (): number => clock.now;
    const prefix = `sjfull_${randomBytes(4).toString("hex")}:`;
    const store = redisStore({ client, prefix, now });
    const sessions = createSessions({
      store,
      now,
      insecureLocalhost: true,
      rotation: { interval: 300 },
    });
    const events: SessionEvent[] = [];
    sessions.on("*", (e) => {
      events.push(e);
    });
    const server = await startNode(sessions);
    const snapshot = async (): Promise<Record<string, string | null>> => {
      const keys = (await client.keys(`${prefix}*`)).sort();
      const values = keys.length === 0 ? [] : await client.mGet(keys);
      return Object.fromEntries(keys.map((k, i) => [k, values[i] ?? null]));
    };
    try {
      const b = new Browser(server.origin);
      await b.json("POST", "/login?user=full");
      assert.equal((await b.json("POST", "/cart?item=tea")).status, 200);
      const cookie = b.cookie as string;

      await client.configSet("maxmemory", "1");
      const before = await snapshot();
      for (const [late, what] of [
        [61_000, "touch"],
        [301_000, "rotation"],
      ] as const) {
        clock.now += late;
        events.length = 0;
        const read = await b.json("GET", "/me");
        assert.equal(read.status, 200, what);
        assert.equal(read.body.userId, "full", what);
        assert.deepEqual(read.res.headers.getSetCookie(), [], `${what}: no cookie`);
        assert.ok(
          events.some((e) => e.type === "store-error" && e.code === "ERR_STORE_FULL"),
          `${what}: a store-error event with ERR_STORE_FULL`,
        );
        clock.now -= late;
      }
      const write = await b.json("POST", "/cart?item=jam");
      assert.equal(write.status, 503);
      assert.equal(write.body.error.code, "session_store_unavailable");
      const other = new Browser(server.origin);
      assert.equal((await other.json("POST", "/login?user=newcomer")).status, 503);
      assert.equal((await other.json("POST", "/cart?item=anonymous")).status, 503);
      // The store itself: a create or a rename without grace refuses before writing anything.
      const key = storeKey(cookie);
      const record = await store.get(key);
      assert.ok(record !== null);
      const full = (e: unknown): boolean => e instanceof StoreError && e.code === "ERR_STORE_FULL";
      const shard = key.slice(0, 4);
      await assert.rejects(store.create(`${shard}.${"a".repeat(43)}`, record), full);
      const renamed = `${shard}.${"b".repeat(43)}`;
      await assert.rejects(store.rename(key, renamed, {}, { graceMs: 0 }), full);
      assert.deepEqual(await snapshot(), before, "nothing written while Redis is full");

      await client.configSet("maxmemory", "0");
      clock.now += 61_000;
      const extended = await b.json("GET", "/me");
      assert.equal(extended.status, 200);
      assert.match(extended.res.headers.getSetCookie().join("\n"), /__Host-session=/);
      assert.equal(b.cookie, cookie, "a touch keeps the token");
      assert.equal((await b.json("POST", "/cart?item=jam")).status, 200);
      assert.deepEqual((await b.json("GET", "/me")).body.data, { cart: ["tea", "jam"] });
    } finally {
      await server.close();
      await client.del(await client.keys(`${prefix}*`)).catch(() => 0);
      client.destroy();
    }
  });

  test("the refresh store of bearer JWT refuses a new family, and writes nothing", async () => {
    redis ??= await ownRedis();
    const client = createClient({ url: `redis://127.0.0.1:${redis.port}` });
    client.on("error", () => {});
    await client.connect();
    const prefix = `sjfullrt_${randomBytes(4).toString("hex")}:`;
    const store = redisRefreshStore({ client, prefix });
    const shard = shardFor("full");
    const family = (): Parameters<typeof store.create>[0] => ({
      id: `${shard}.${randomBytes(16).toString("base64url")}`,
      userId: "full",
      createdAt: Date.now(),
      expiresAt: Date.now() + 86_400_000,
      revokedAt: null,
      claims: {},
    });
    const token = (): string => storeKey(`${shard}.${randomBytes(32).toString("base64url")}`);
    try {
      await client.configSet("maxmemory", "1");
      await assert.rejects(
        store.create(family(), token(), Date.now() + 60_000),
        (e: unknown) => e instanceof StoreError && e.code === "ERR_STORE_FULL",
      );
      assert.deepEqual(await client.keys(`${prefix}*`), [], "no key written");
      await client.configSet("maxmemory", "0");
      await store.create(family(), token(), Date.now() + 60_000);
      assert.equal((await client.keys(`${prefix}*`)).length, 2);
    } finally {
      await client.configSet("maxmemory", "0");
      await client.del(await client.keys(`${prefix}*`)).catch(() => 0);
      client.destroy();
    }
  });
});
