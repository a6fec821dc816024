// The Redis store against a real Redis on 127.0.0.1:6379 (node-redis and ioredis), and against a
// three-master Redis Cluster that this file starts on loopback ports and stops afterwards. A
// missing Redis or a cluster that cannot start fails these tests; nothing is skipped.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { Cluster, type Redis } from "ioredis";
import { createClient, createCluster } from "redis";
import {
  assertUnavailable,
  cachingNodeRedis,
  closedPort,
  downIoredis,
  downNodeRedis,
  dropIoredis,
  dropNodeRedis,
  dropNodeRedisCluster,
  ioredis,
  ioredisCluster,
  type NodeRedis,
  nodeRedis,
  nodeRedisCluster,
  noop,
  REDIS_URL,
} from "../../test/redis.js";
import { type RedisCluster, startRedisCluster } from "../../test/redis-cluster.js";
import { ownRedis } from "../../test/reliability/servers.js";
import { cuttableLink } from "../../test/tcp-cut.js";
import { shardFor } from "../session/tokens.js";
import { TransportError } from "../transports/errors.js";
import { redisRevocationStore } from "../transports/revocation.js";
import { testSessionStore } from "./conformance.js";
import { type RedisStoreClient, redisStore } from "./redis.js";
import { type SessionRecord, StoreError } from "./types.js";

// Unique per run, so that runs (and other users of this Redis) never see each other's keys.
const RUN = `sjtest-${process.pid}-${randomBytes(4).toString("hex")}`;
const rand = (n = 12): string => randomBytes(n).toString("base64url");
const keyFor = (shard: string): string => `${shard}.${rand(32)}`;
/** A key of a session of `userId`: with the user's shard, as the SessionStore rules want. */
const userKey = (userId: string): string => keyFor(shardFor(userId));

function record(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    id: rand(16),
    userId: null,
    data: {},
    createdAt: now,
    lastSeenAt: now,
    idleExpiresAt: now + 60_000,
    absoluteExpiresAt: now + 3_600_000,
    elevatedAt: null,
    userAgent: "redis.test/1",
    ...overrides,
  };
}

// --- standalone Redis --------------------------------------------------------------------------

// Both clients reach the Redis through a link the outage test cuts (connections reset, new
// ones refused) and restores; they reconnect by themselves.
testSessionStore("redis, node-redis", async () => {
  const link = await cuttableLink(6379);
  const client = await nodeRedis(`redis://127.0.0.1:${link.port}`);
  const prefix = `${RUN}:nr:`;
  return {
    store: redisStore({ client, prefix }),
    outage: { begin: link.cut, end: link.restore },
    cleanup: async () => {
      try {
        await dropNodeRedis(client, `${prefix}*`);
      } finally {
        client.destroy();
        await link.close();
      }
    },
  };
});

testSessionStore("redis, ioredis", async () => {
  const link = await cuttableLink(6379);
  const client = await ioredis({ port: link.port });
  const prefix = `${RUN}:io:`;
  return {
    store: redisStore({ client, prefix }),
    outage: { begin: link.cut, end: link.restore },
    cleanup: async () => {
      try {
        await dropIoredis(client, `${prefix}*`);
      } finally {
        client.disconnect();
        await link.close();
      }
    },
  };
});

// The client's own key prefix goes in front of every key, also those that scripts derive.
testSessionStore("redis, ioredis with a keyPrefix", async () => {
  const keyPrefix = `${RUN}:kp:`;
  const client = await ioredis({ keyPrefix });
  return {
    store: redisStore({ client, prefix: "sj:" }),
    cleanup: async () => {
      try {
        await dropIoredis(client, `${keyPrefix}*`);
      } finally {
        await client.quit();
      }
    },
  };
});

// node-redis with its client-side cache (RESP3 CLIENT TRACKING): the whole contract still holds,
// the store's own writes included (Redis invalidates the keys they touch).
testSessionStore("redis, node-redis with clientSideCache", async () => {
  const client = await cachingNodeRedis(REDIS_URL);
  const prefix = `${RUN}:csc:`;
  return {
    store: redisStore({ client, prefix }),
    cleanup: async () => {
      try {
        await dropNodeRedis(client as unknown as NodeRedis, `${prefix}*`);
      } finally {
        await client.close();
      }
    },
  };
});

describe("redis store, node-redis with clientSideCache", () => {
  test("a repeated get costs no Redis command; a change from another client is seen at once", async () => {
    const cached = await cachingNodeRedis(REDIS_URL);
    const other = await nodeRedis();
    const prefix = `${RUN}:csc2:`;
    try {
      const reader = redisStore({ client: cached, prefix });
      const writer = redisStore({ client: other, prefix });
      const userId = `u-${rand()}`;
      const key = userKey(userId);
      await writer.create(key, record({ userId, data: { n: 1 } }));
      const gets = async (): Promise<number> => {
        const info = await other.info("commandstats");
        return Number(/cmdstat_get:calls=(\d+)/.exec(info)?.[1] ?? 0);
      };
      assert.deepEqual((await reader.get(key))?.data, { n: 1 });
      const before = await gets();
      for (let i = 0; i < 20; i++) assert.deepEqual((await reader.get(key))?.data, { n: 1 });
      assert.equal(await gets(), before, "20 repeated reads reached Redis");
      assert.ok((cached.clientSideCache?.stats().hitCount ?? 0) >= 20);
      // Redis queues the invalidation for the reader while it runs the write; the reader's next
      // read after that push arrives goes to Redis again.
      await writer.update(key, { set: { n: 2 } });
      const changed = await eventually(
        () => reader.get(key),
        (r) => r?.data.n === 2,
      );
      assert.deepEqual(changed?.data, { n: 2 });
      await writer.delete(key);
      assert.equal(
        await eventually(
          () => reader.get(key),
          (r) => r === null,
        ),
        null,
      );
    } finally {
      await dropNodeRedis(other, `${prefix}*`);
      await cached.close();
      await other.close();
    }
  });

  test("Redis down: a cached session is not served, get fails with ERR_STORE_UNAVAILABLE", async () => {
    const redis = await ownRedis();
    const cached = await cachingNodeRedis(`redis://127.0.0.1:${redis.port}`);
    try {
      const store = redisStore({ client: cached, prefix: `${RUN}:cscdown:` });
      const userId = `u-${rand()}`;
      const key = userKey(userId);
      await store.create(key, record({ userId }));
      assert.notEqual(await store.get(key), null);
      assert.notEqual(await store.get(key), null);
      const lost = new Promise((resolve) => cached.once("error", resolve));
      await redis.crash();
      await lost;
      await assert.rejects(
        store.get(key),
        (e: unknown) => e instanceof StoreError && e.code === "ERR_STORE_UNAVAILABLE",
      );
    } finally {
      cached.destroy();
      await redis.remove();
    }
  });
});

/** Polls `read` (at most 2 s) until `done` holds; returns that value. */
async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await read();
    if (done(v) || i === 200) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("redis store, standalone", () => {
  let nr: NodeRedis;
  let io: Redis;
  before(async () => {
    nr = await nodeRedis();
    io = await ioredis();
  });
  after(async () => {
    try {
      await dropNodeRedis(nr, `${RUN}:x:*`);
    } finally {
      await nr.close();
      await io.quit();
    }
  });

  for (const which of ["node-redis", "ioredis"] as const) {
    test(`get is exactly one Redis command (${which})`, async () => {
      // Count what reaches each client's command path: node-redis sendCommand, ioredis
      // sendCommand (which its call() and every command method go through).
      const client = (which === "node-redis" ? nr : io) as unknown as {
        sendCommand: (...a: unknown[]) => unknown;
      };
      const own = Object.hasOwn(client, "sendCommand");
      const original = client.sendCommand;
      let count = 0;
      client.sendCommand = function (this: unknown, ...a: unknown[]) {
        count++;
        return original.apply(this, a);
      };
      try {
        // Made after the wrapper is in place: the store takes the client's method when made.
        const store = redisStore({ client: client as RedisStoreClient, prefix: `${RUN}:x:` });
        const userId = `u-${rand()}`;
        const live = userKey(userId);
        const expired = keyFor("cc");
        await store.create(live, record({ userId, data: { a: 1 } }));
        await store.create(expired, record({ idleExpiresAt: Date.now() - 1 }));
        for (const [key, expectRecord] of [
          [live, true],
          [expired, false],
          [keyFor("cc"), false],
        ] as const) {
          count = 0;
          const r = await store.get(key);
          assert.equal(r !== null, expectRecord);
          assert.equal(count, 1, `get of a ${expectRecord ? "live" : "missing"} key`);
        }
      } finally {
        if (own) client.sendCommand = original;
        else delete (client as { sendCommand?: unknown }).sendCommand;
      }
    });
  }

  test("close() leaves the client open", async () => {
    const store = redisStore({ client: nr, prefix: `${RUN}:x:` });
    await store.close?.();
    assert.equal(await nr.ping(), "PONG");
  });

  test("the session key expires at its expiry, the index no sooner than its sessions", async () => {
    const store = redisStore({ client: nr, prefix: `${RUN}:x:` });
    const userId = `u-${rand()}`;
    const key = userKey(userId);
    const t = Date.now();
    await store.create(
      key,
      record({ userId, idleExpiresAt: t + 60_000, absoluteExpiresAt: t + 120_000 }),
    );
    const sk = `${RUN}:x:r:{${shardFor(userId)}}:${key.slice(5)}`;
    const ik = `${RUN}:x:u:{${shardFor(userId)}}:${userId}`;
    assert.equal(Number(await nr.sendCommand(["PEXPIRETIME", sk])), t + 60_000);
    assert.ok(Number(await nr.sendCommand(["PEXPIRETIME", ik])) >= t + 120_000);
    assert.equal(await store.update(key, { idleExpiresAt: t + 90_000 }), true);
    assert.equal(Number(await nr.sendCommand(["PEXPIRETIME", sk])), t + 90_000);
    // A stale member (a session gone by TTL) is pruned when the index is next read.
    const stale = userKey(userId);
    await nr.sendCommand(["ZADD", ik, "1", stale]);
    assert.deepEqual(
      (await store.listByUser(userId)).map((s) => s.key),
      [key],
    );
    assert.equal(await nr.sendCommand(["ZSCORE", ik, stale]), null);
  });

  test("data that is not a session is ERR_STORE_CORRUPT", async () => {
    const prefix = `${RUN}:x:`;
    const store = redisStore({ client: io, prefix });
    const isCorrupt = (e: unknown): boolean =>
      e instanceof StoreError && e.code === "ERR_STORE_CORRUPT";
    const at = (key: string): string => `${prefix}r:{dd}:${key.slice(3)}`;
    const notJson = keyFor("dd");
    await store.create(notJson, record());
    await io.set(at(notJson), '{"$id":"x"\n,".cart":{not json\n}', "KEEPTTL");
    await assert.rejects(store.get(notJson), isCorrupt);
    const wrongType = keyFor("dd");
    await io.hset(at(wrongType), "$id", "x");
    await assert.rejects(store.get(wrongType), isCorrupt);
    await assert.rejects(store.update(wrongType, { set: { a: 1 } }), isCorrupt);
    const noExpiry = keyFor("dd");
    await io.set(at(noExpiry), '{"$id":"x"\n,"$idle":"soon"\n}');
    await assert.rejects(store.get(noExpiry), isCorrupt);
    await assert.rejects(store.update(noExpiry, {}), isCorrupt);
    const notARecord = keyFor("dd");
    await io.set(at(notARecord), "[1,2]");
    await assert.rejects(store.get(notARecord), isCorrupt);
    await assert.rejects(store.update(notARecord, {}), isCorrupt);
    // Nothing was changed by the refused updates.
    assert.equal(await io.get(at(notARecord)), "[1,2]");
    assert.equal(await io.get(at(noExpiry)), '{"$id":"x"\n,"$idle":"soon"\n}');
  });

  for (const name of ["node-redis", "ioredis"] as const) {
    test(`${name}: an unreadable session of a user is dropped by the user's sign-ins, listing and deleteByUser instead of failing them`, async () => {
      const prefix = `${RUN}:cs-${name}:`;
      const store = redisStore({ client: name === "ioredis" ? io : nr, prefix });
      const at = (key: string): string =>
        key.replace(/^([^.]+)\./, (_, shard: string) => `${prefix}r:{${shard}}:`);
      const userId = `u-${rand()}`;
      const [garbage, wrongType, good, other] = [1, 2, 3, 4].map(() => userKey(userId)) as [
        string,
        string,
        string,
        string,
      ];
      const t = Date.now();
      for (const [i, key] of [garbage, wrongType, good].entries()) {
        await store.create(key, record({ userId, createdAt: t + i }));
      }
      await io.set(at(garbage), "garbage", "KEEPTTL");
      await io.del(at(wrongType));
      await io.hset(at(wrongType), "a", "b");
      // A sign-in with a cap: it counts the live ones, and the unreadable ones go.
      const otherRecord = record({ userId, createdAt: t + 5 });
      assert.deepEqual(await store.create(other, otherRecord, { maxPerUser: 2 }), []);
      assert.equal(await io.exists(at(garbage), at(wrongType)), 0);
      assert.deepEqual(
        (await store.listByUser(userId)).map((x) => x.key),
        [good, other],
      );
      await io.set(at(good), "[1,2]", "KEEPTTL");
      assert.deepEqual(
        (await store.deleteByUser(userId)).map((x) => x.id),
        [otherRecord.id],
      );
      assert.equal(await io.exists(at(good), at(other)), 0);
      // Its own key: a value of another type is reported as corrupt, and removed all the same.
      const alone = userKey(userId);
      await io.hset(at(alone), "a", "b");
      await assert.rejects(
        store.delete(alone),
        (e: unknown) => e instanceof StoreError && e.code === "ERR_STORE_CORRUPT",
      );
      assert.equal(await io.exists(at(alone)), 0);
    });
  }

  test("keys that are not <shard>.<hash> are refused as a programming error; bad options have their code", async () => {
    const store = redisStore({ client: nr, prefix: `${RUN}:x:` });
    await assert.rejects(store.get("no-dot"), TypeError);
    await assert.rejects(store.get("{x}.y"), TypeError);
    const options = (e: unknown): boolean =>
      e instanceof StoreError && e.code === "ERR_STORE_OPTIONS_INVALID";
    assert.throws(() => redisStore({ client: nr, prefix: "a{b}:" }), options);
    assert.throws(() => redisStore({ client: {} as RedisStoreClient }), options);
    // A bad record is the caller's mistake, not a store failure.
    await assert.rejects(
      store.create(keyFor(shardFor("u\ud800")), record({ userId: "u\ud800" })),
      (e: unknown) => e instanceof TypeError && /lone surrogate/.test(e.message),
    );
    await assert.rejects(
      store.create(keyFor("ab"), record({ createdAt: Number.NaN })),
      (e: unknown) => e instanceof TypeError && !(e instanceof StoreError),
    );
  });

  test("keys that break the SessionStore rules are refused with a TypeError, changing nothing", async () => {
    const store = redisStore({ client: nr, prefix: `${RUN}:x:` });
    const refused = (rule: RegExp) => (e: unknown) =>
      e instanceof TypeError && !(e instanceof StoreError) && rule.test(e.message);
    // A user's session under a key of another shard.
    const userId = `u-${rand()}`;
    const misSharded = keyFor(shardFor(`${userId}-other`));
    await assert.rejects(
      store.create(misSharded, record({ userId })),
      refused(/must have the shard shardFor\(userId\)/),
    );
    assert.equal(await store.get(misSharded), null);
    assert.deepEqual(await store.listByUser(userId), []);
    // A rename to a key of another shard, of a user's session and of an anonymous one.
    const signedIn = userKey(userId);
    await store.create(signedIn, record({ userId }));
    const anonymous = keyFor("an");
    await store.create(anonymous, record());
    for (const key of [signedIn, anonymous]) {
      const elsewhere = keyFor("zz");
      await assert.rejects(
        store.rename(key, elsewhere, { set: { a: 1 } }),
        refused(/rename must keep the shard/),
      );
      assert.deepEqual((await store.get(key))?.data, {});
      assert.equal(await store.get(elsewhere), null);
    }
    assert.deepEqual(
      (await store.listByUser(userId)).map((s) => s.key),
      [signedIn],
    );
    // The cap is at least 1.
    await assert.rejects(
      store.create(userKey(userId), record({ userId }), { maxPerUser: 0 }),
      TypeError,
    );
  });
});

test("an ioredis Cluster that reads from replicas is refused; the default (masters) is taken", () => {
  const cluster = (scaleReads?: "master" | "slave" | "all" | (() => null)): Cluster =>
    new Cluster([{ host: "127.0.0.1", port: 1 }], {
      lazyConnect: true,
      ...(scaleReads === undefined ? {} : { scaleReads }),
    });
  for (const scaleReads of ["slave", "all", () => null] as const) {
    assert.throws(
      () => redisStore({ client: cluster(scaleReads) }),
      (e: unknown) =>
        e instanceof StoreError &&
        e.code === "ERR_STORE_OPTIONS_INVALID" &&
        /reads from replicas \(scaleReads/.test(e.message),
    );
    // The token stores read revocations the same way, and refuse the same client.
    assert.throws(
      () => redisRevocationStore({ client: cluster(scaleReads) }),
      (e: unknown) => e instanceof TransportError && /reads from replicas/.test(e.message),
    );
  }
  // Never connected (lazyConnect): nothing to close.
  redisStore({ client: cluster() });
  redisStore({ client: cluster("master") });
});

// --- Redis down ----------------------------------------------------------------------------

describe("redis store, Redis down: fails fast with ERR_STORE_UNAVAILABLE", () => {
  const cases: [string, () => Promise<{ client: RedisStoreClient; close: () => void }>][] = [
    ["node-redis, connecting, disableOfflineQueue", downNodeRedis],
    [
      "node-redis, never connected",
      async () => {
        const client = createClient({ socket: { host: "127.0.0.1", port: await closedPort() } });
        client.on("error", noop);
        return { client, close: noop };
      },
    ],
    ["ioredis, enableOfflineQueue false", downIoredis],
    [
      "node-redis createCluster, connecting, disableOfflineQueue",
      async () => {
        const client = createCluster({
          rootNodes: [{ url: `redis://127.0.0.1:${await closedPort()}` }],
          defaults: { disableOfflineQueue: true },
        });
        client.on("error", noop);
        client.connect().catch(noop);
        return { client, close: () => client.destroy() };
      },
    ],
    [
      "ioredis Cluster, enableOfflineQueue false",
      async () => {
        const client = new Cluster([{ host: "127.0.0.1", port: await closedPort() }], {
          enableOfflineQueue: false,
          clusterRetryStrategy: () => 100,
        });
        client.on("error", noop);
        return { client, close: () => client.disconnect() };
      },
    ],
  ];
  for (const [name, make] of cases) {
    test(name, async () => {
      const { client, close } = await make();
      try {
        const store = redisStore({ client, prefix: `${RUN}:down:` });
        const userId = `u-${rand()}`;
        const ops: [string, () => Promise<unknown>][] = [
          ["get", () => store.get(keyFor("ee"))],
          ["create", () => store.create(userKey(userId), record({ userId }), { maxPerUser: 2 })],
          ["update", () => store.update(keyFor("ee"), { set: { a: 1 } })],
          ["rename", () => store.rename(keyFor("ee"), keyFor("ee"))],
          ["delete", () => store.delete(keyFor("ee"))],
          ["listByUser", () => store.listByUser(userId)],
          ["deleteByUser", () => store.deleteByUser(userId)],
        ];
        await assertUnavailable(
          ops,
          // A client never connected is told how to mend it.
          (op) =>
            new RegExp(
              `^redis store: ${op} failed, Redis is unreachable${name.includes("never connected") ? ".*await client\\.connect\\(\\)" : ""}`,
            ),
        );
      } finally {
        close();
      }
    });
  }
});

// --- Redis Cluster -------------------------------------------------------------------------

describe("redis store on a three-master Redis Cluster", () => {
  let cluster: RedisCluster | undefined;
  // Started once; every factory below waits for it, so a cluster that cannot start fails them.
  let started: Promise<RedisCluster> | undefined;
  const up = (): Promise<RedisCluster> => {
    started ??= startRedisCluster().then((c) => {
      cluster = c;
      return c;
    });
    return started;
  };
  before(async () => {
    await up();
  });
  after(async () => {
    await cluster?.stop();
  });

  const suites: [
    string,
    (c: RedisCluster) => Promise<{
      client: RedisStoreClient;
      drop: (p: string) => Promise<void>;
      close: () => Promise<void>;
    }>,
  ][] = [
    [
      "node-redis createCluster",
      async (c) => {
        const client = await nodeRedisCluster(c);
        return {
          client,
          drop: (p) => dropNodeRedisCluster(client, p),
          close: () => client.close(),
        };
      },
    ],
    [
      "ioredis Cluster",
      async (c) => {
        const client = await ioredisCluster(c);
        return {
          client,
          drop: (p) => dropIoredis(client, p),
          close: async () => {
            await client.quit();
          },
        };
      },
    ],
  ];

  for (const [name, make] of suites) {
    testSessionStore(`redis cluster, ${name}`, async () => {
      const c = await make(await up());
      const prefix = `${RUN}:cl:`;
      return {
        store: redisStore({ client: c.client, prefix }),
        cleanup: async () => {
          try {
            await c.drop(`${prefix}*`);
          } finally {
            await c.close();
          }
        },
      };
    });

    describe(`redis cluster, ${name}`, () => {
      let c: Awaited<ReturnType<typeof make>>;
      const prefix = `${RUN}:cx:`;
      before(async () => {
        c = await make(await up());
      });
      after(async () => {
        try {
          await c?.drop(`${prefix}*`);
        } finally {
          await c?.close();
        }
      });

      test("a session and its user's index share a slot", async () => {
        const store = redisStore({ client: c.client, prefix });
        const userId = `u-${rand()}`;
        const key = userKey(userId);
        await store.create(key, record({ userId }));
        const port = (cluster as RedisCluster).ports[0] as number;
        const node = createClient({ url: `redis://127.0.0.1:${port}` });
        node.on("error", noop);
        await node.connect();
        try {
          const sk = `${prefix}r:{${shardFor(userId)}}:${key.slice(5)}`;
          const ik = `${prefix}u:{${shardFor(userId)}}:${userId}`;
          assert.equal(
            await node.sendCommand(["CLUSTER", "KEYSLOT", sk]),
            await node.sendCommand(["CLUSTER", "KEYSLOT", ik]),
          );
        } finally {
          await node.close();
        }
      });

      test("get is exactly one command on the cluster (INFO commandstats)", async () => {
        const store = redisStore({ client: c.client, prefix });
        const userId = `u-${rand()}`;
        const keys = Array.from({ length: 5 }, () => userKey(userId));
        for (const k of keys) await store.create(k, record({ userId }));
        const missing = Array.from({ length: 5 }, () => keyFor(rand(3)));
        // Every node of this cluster is ours: count what all masters executed, leaving out
        // what clients send by themselves (topology refreshes, pings) and INFO itself.
        const nodes = await Promise.all(
          (cluster as RedisCluster).ports.map(async (port) => {
            const n = createClient({ url: `redis://127.0.0.1:${port}` });
            n.on("error", noop);
            await n.connect();
            return n;
          }),
        );
        const total = async (): Promise<number> => {
          let sum = 0;
          for (const n of nodes) {
            const info = String(await n.sendCommand(["INFO", "commandstats"]));
            for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
              const cmd = m[1] as string;
              if (!/^(info|cluster|ping|command|client|hello|readonly|select|config)/.test(cmd)) {
                sum += Number(m[2]);
              }
            }
          }
          return sum;
        };
        try {
          const before = await total();
          for (const k of keys) assert.notEqual(await store.get(k), null);
          for (const k of missing) assert.equal(await store.get(k), null);
          assert.equal((await total()) - before, keys.length + missing.length);
        } finally {
          await Promise.all(nodes.map((n) => n.close()));
        }
      });

      test("scripts are loaded again after Redis lost them (NOSCRIPT, then EVAL)", async () => {
        const store = redisStore({ client: c.client, prefix });
        const userId = `u-${rand()}`;
        const key = userKey(userId);
        await store.create(key, record({ userId }));
        // Every node of this cluster is ours, so flushing its script caches disturbs no one.
        for (const port of (cluster as RedisCluster).ports) {
          const n = createClient({ url: `redis://127.0.0.1:${port}` });
          n.on("error", noop);
          await n.connect();
          await n.sendCommand(["SCRIPT", "FLUSH"]);
          await n.close();
        }
        assert.equal(await store.update(key, { set: { a: 1 } }), true);
        assert.deepEqual((await store.get(key))?.data, { a: 1 });
        assert.equal((await store.listByUser(userId)).length, 1);
      });

      test("parallel renames of one user's session: exactly one wins, the index follows it", async () => {
        const store = redisStore({ client: c.client, prefix });
        const userId = `u-${rand()}`;
        const key = userKey(userId);
        await store.create(key, record({ userId }));
        const targets = Array.from({ length: 5 }, () => userKey(userId));
        const results = await Promise.all(targets.map((t) => store.rename(key, t)));
        assert.equal(results.filter(Boolean).length, 1);
        const winner = targets[results.indexOf(true)] as string;
        assert.deepEqual(
          (await store.listByUser(userId)).map((s) => s.key),
          [winner],
        );
        for (const t of targets) if (t !== winner) assert.equal(await store.get(t), null);
      });
    });
  }
});
