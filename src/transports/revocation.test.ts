// The revocation stores: memory, and Redis on 127.0.0.1:6379 through node-redis and ioredis, and
// on a throwaway three-master Redis Cluster (test/redis-cluster.ts). A missing Redis fails these
// tests; nothing is skipped.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Redis } from "ioredis";
import { createClient } from "redis";
import {
  assertUnavailable,
  downIoredis,
  downNodeRedis,
  dropNodeRedis,
  dropOnIoredis,
  ioredis,
  ioredisCluster,
  nodeRedis,
  nodeRedisCluster,
  noop,
} from "../../test/redis.js";
import { type RedisCluster, startRedisCluster } from "../../test/redis-cluster.js";
import { shardFor } from "../session/tokens.js";
import type { RedisStoreClient } from "../stores/redis.js";
import { StoreError } from "../stores/types.js";
import { TransportError } from "./errors.js";
import { createJwtCodec, newTokenId } from "./jwt.js";
import {
  memoryRevocationStore,
  type RevocationStore,
  type RevocationStoreOptions,
  redisRevocationStore,
} from "./revocation.js";

const RUN = `sjtest-rv-${process.pid}-${randomBytes(4).toString("hex")}`;
const rand = (): string => randomBytes(9).toString("base64url");

/** A clock that follows real time (Redis TTLs do) plus a skew the test can move. */
function clock(): { now: () => number; advance: (ms: number) => void } {
  let skew = 0;
  return {
    now: () => Date.now() + skew,
    advance: (ms) => {
      skew += ms;
    },
  };
}

type Make = (
  options: RevocationStoreOptions,
) => Promise<{ store: RevocationStore; cleanup: () => Promise<void> }>;

/** What every RevocationStore must do. */
function revocationSuite(name: string, make: Make): void {
  describe(`revocation store: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const c of cleanups) await c();
    });
    const open = async (options: RevocationStoreOptions = {}): Promise<RevocationStore> => {
      const { store, cleanup } = await make(options);
      cleanups.push(cleanup);
      return store;
    };

    test("deny: an id is denied until its time, then forgotten", async () => {
      const c = clock();
      const store = await open({ now: c.now });
      const id = newTokenId("u1");
      assert.equal(await store.isDenied(id), false);
      await store.deny(id, c.now() + 60_000);
      assert.equal(await store.isDenied(id), true);
      assert.equal(await store.isDenied(newTokenId("u1")), false, "only that id");
      c.advance(60_000);
      assert.equal(await store.isDenied(id), false);
    });

    test("deny: a time in the past changes nothing; a later time is never shortened", async () => {
      const c = clock();
      const store = await open({ now: c.now });
      const past = rand();
      await store.deny(past, c.now() - 1);
      assert.equal(await store.isDenied(past), false);
      const id = rand();
      await store.deny(id, c.now() + 120_000);
      await store.deny(id, c.now() + 10_000);
      c.advance(60_000);
      assert.equal(await store.isDenied(id), true);
    });

    test("not-before: kept, read back, never moved back", async () => {
      const c = clock();
      const store = await open({ now: c.now });
      const user = `user-${rand()}`;
      assert.equal(await store.notBefore(user), null);
      const t = c.now();
      await store.setNotBefore(user, t);
      assert.equal(await store.notBefore(user), t);
      await store.setNotBefore(user, t - 5_000);
      assert.equal(await store.notBefore(user), t, "the latest cut-off wins");
      await store.setNotBefore(user, t + 5_000);
      assert.equal(await store.notBefore(user), t + 5_000);
      assert.equal(await store.notBefore(`${user}-other`), null);
    });

    test("check: denylist and not-before together", async () => {
      const c = clock();
      const store = await open({ now: c.now });
      const user = `user-${rand()}`;
      const id = newTokenId(user);
      const issued = c.now() - 10_000;
      assert.equal(await store.check(id, user, issued), true);
      await store.setNotBefore(user, issued);
      assert.equal(await store.check(id, user, issued), true, "issued at the cut-off: valid");
      assert.equal(await store.check(id, user, issued - 1), false, "issued before: refused");
      assert.equal(await store.check(id, `${user}-2`, issued - 1), true, "another user");
      await store.deny(id, c.now() + 60_000);
      assert.equal(await store.check(id, user, issued), false, "denied");
      assert.equal(await store.check(newTokenId(user), user, issued), true, "another token");
      // An id of any shape works (not from newTokenId).
      const plain = `plain-${rand()}`;
      assert.equal(await store.check(plain, user, c.now()), true);
      await store.deny(plain, c.now() + 60_000);
      assert.equal(await store.check(plain, user, c.now()), false);
    });

    test("replay after revocation: a valid JWT is refused once denied, or issued before the cut-off", async () => {
      const c = clock();
      const store = await open({ now: c.now });
      const codec = createJwtCodec({
        keys: [{ kid: "k", alg: "HS256", key: randomBytes(32) }],
        issuer: "https://shop.example",
        audience: "https://shop.example/api",
        now: c.now,
      });
      const accept = async (token: string): Promise<boolean> => {
        const r = await codec.verify(token);
        if (!r.ok) return false;
        const { jti, sub, iat } = r.claims;
        return store.check(String(jti), String(sub), Number(iat) * 1000);
      };
      const user = `user-${rand()}`;
      // Sign-out of one device: its token's jti is denied until the token's exp.
      const stolen = await codec.sign({ sub: user });
      const other = await codec.sign({ sub: user });
      assert.equal(await accept(stolen), true);
      const r = await codec.verify(stolen);
      assert.ok(r.ok);
      await store.deny(String(r.claims.jti), Number(r.claims.exp) * 1000);
      assert.equal(await accept(stolen), false, "replayed after deny");
      assert.equal(await accept(other), true, "the other device stays signed in");
      // Log out everywhere: every token issued before now is refused.
      c.advance(1_000);
      await store.setNotBefore(user, c.now());
      assert.equal(await accept(other), false, "replayed after log-out-everywhere");
      c.advance(1_000);
      assert.equal(await accept(await codec.sign({ sub: user })), true, "a new sign-in works");
    });

    test("bad arguments are programming errors (TypeError), not store failures", async () => {
      const store = await open();
      await assert.rejects(store.deny("", Date.now() + 1), TypeError);
      await assert.rejects(store.deny("x", Number.NaN), TypeError);
      await assert.rejects(store.isDenied(1 as never), TypeError);
      await assert.rejects(store.setNotBefore("u", Number.POSITIVE_INFINITY), TypeError);
      await assert.rejects(store.check("x", "", 1), TypeError);
      await assert.rejects(store.check("x", "u", "1" as never), TypeError);
    });
  });
}

// --- memory ----------------------------------------------------------------------------------

revocationSuite("memory", async (options) => ({
  store: memoryRevocationStore(options),
  cleanup: async () => {},
}));

test("memory revocation store: notBeforeRetentionMs lets a not-before time go", async () => {
  let t = 1_000_000;
  const store = memoryRevocationStore({ now: () => t, notBeforeRetentionMs: 30_000 });
  await store.setNotBefore("u", t);
  assert.equal(await store.notBefore("u"), 1_000_000);
  t += 29_999;
  assert.equal(await store.notBefore("u"), 1_000_000);
  t += 1;
  assert.equal(await store.notBefore("u"), null);
  assert.equal(await store.check("id", "u", 0), true);
});

test("memory revocation store: options are checked", () => {
  for (const bad of [0, -1, 1.5, "1"]) {
    assert.throws(
      () => memoryRevocationStore({ notBeforeRetentionMs: bad as never }),
      (e: unknown) => e instanceof TransportError && e.code === "ERR_REVOCATION_OPTIONS_INVALID",
    );
  }
});

// --- Redis -----------------------------------------------------------------------------------

revocationSuite("redis, node-redis", async (options) => {
  const client = await nodeRedis();
  const prefix = `${RUN}:nr:`;
  return {
    store: redisRevocationStore({ client, prefix, ...options }),
    cleanup: async () => {
      await dropNodeRedis(client, `${prefix}*`);
      await client.close();
    },
  };
});

revocationSuite("redis, ioredis", async (options) => {
  const client = await ioredis();
  const prefix = `${RUN}:io:`;
  return {
    store: redisRevocationStore({ client, prefix, ...options }),
    cleanup: async () => {
      await dropOnIoredis(client, `${prefix}*`);
      await client.quit();
    },
  };
});

revocationSuite("redis, ioredis with a keyPrefix", async (options) => {
  const client = await ioredis({ keyPrefix: `${RUN}:kp:` });
  return {
    store: redisRevocationStore({ client, ...options }),
    cleanup: async () => {
      const raw = await ioredis();
      await dropOnIoredis(raw, `${RUN}:kp:*`);
      await raw.quit();
      await client.quit();
    },
  };
});

describe("redis revocation store, standalone", () => {
  let nr: Awaited<ReturnType<typeof nodeRedis>>;
  let io: Redis;
  const prefix = `${RUN}:x:`;
  before(async () => {
    nr = await nodeRedis();
    io = await ioredis();
  });
  after(async () => {
    await dropNodeRedis(nr, `${prefix}*`);
    await nr.close();
    await io.quit();
  });

  for (const which of ["node-redis", "ioredis"] as const) {
    test(`check is exactly one Redis command (${which})`, async () => {
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
        const store = redisRevocationStore({ client: client as RedisStoreClient, prefix });
        const user = `user-${rand()}`;
        const id = newTokenId(user);
        await store.deny(id, Date.now() + 60_000);
        await store.setNotBefore(user, Date.now());
        for (const [i, u, expected] of [
          [id, user, false],
          [newTokenId(user), user, true],
          [rand(), `user-${rand()}`, true],
        ] as const) {
          count = 0;
          assert.equal(await store.check(i, u, Date.now()), expected);
          assert.equal(count, 1);
        }
      } finally {
        if (own) client.sendCommand = original;
        else delete (client as { sendCommand?: unknown }).sendCommand;
      }
    });
  }

  test("keys, their hash tags, and their TTLs", async () => {
    const store = redisRevocationStore({ client: nr, prefix, notBeforeRetentionMs: 600_000 });
    const user = `user-${rand()}`;
    const id = newTokenId(user);
    const until = Date.now() + 90_000;
    await store.deny(id, until);
    await store.setNotBefore(user, Date.now());
    const dk = `${prefix}rv:d:{${shardFor(user)}}:${id}`;
    const nk = `${prefix}rv:n:{${shardFor(user)}}:${user}`;
    assert.equal(await nr.get(dk), String(until));
    const pexp = Number(await nr.sendCommand(["PEXPIRETIME", dk]));
    assert.ok(Math.abs(pexp - until) < 50, `denylist entry expires at its until (${pexp - until})`);
    const nttl = Number(await nr.sendCommand(["PTTL", nk]));
    assert.ok(nttl > 590_000 && nttl <= 600_000, `not-before kept for the retention (${nttl})`);
    // Without retention, kept for ever.
    const forever = redisRevocationStore({ client: nr, prefix });
    await forever.setNotBefore(`${user}-f`, Date.now());
    assert.equal(
      Number(await nr.sendCommand(["PTTL", `${prefix}rv:n:{${shardFor(`${user}-f`)}}:${user}-f`])),
      -1,
    );
  });

  test("data that is not a time is ERR_STORE_CORRUPT", async () => {
    const store = redisRevocationStore({ client: io, prefix });
    const user = `user-${rand()}`;
    await io.set(`${prefix}rv:n:{${shardFor(user)}}:${user}`, "yesterday");
    const isCorrupt = (e: unknown): boolean =>
      e instanceof StoreError && e.code === "ERR_STORE_CORRUPT";
    await assert.rejects(store.notBefore(user), isCorrupt);
    await assert.rejects(store.check(newTokenId(user), user, Date.now()), isCorrupt);
    const id = rand();
    await io.hset(`${prefix}rv:d:{${shardFor(id)}}:${id}`, "a", "b");
    await assert.rejects(store.isDenied(id), isCorrupt);
    await assert.rejects(store.deny(id, Date.now() + 1_000), isCorrupt);
  });

  test("options are checked", () => {
    const refused = (e: unknown): boolean =>
      e instanceof TransportError && e.code === "ERR_REVOCATION_OPTIONS_INVALID";
    assert.throws(() => redisRevocationStore({ client: nr, prefix: "a{b}" }), refused);
    assert.throws(() => redisRevocationStore({ client: {} as RedisStoreClient }), refused);
    assert.throws(() => redisRevocationStore({ client: nr, notBeforeRetentionMs: 0 }), refused);
  });
});

describe("redis revocation store, Redis down: fails closed with ERR_STORE_UNAVAILABLE", () => {
  const cases: [string, () => Promise<{ client: RedisStoreClient; close: () => void }>][] = [
    ["node-redis, disableOfflineQueue", downNodeRedis],
    ["ioredis, enableOfflineQueue false", downIoredis],
  ];
  for (const [name, make] of cases) {
    test(name, async () => {
      const { client, close } = await make();
      try {
        const store = redisRevocationStore({ client, prefix: `${RUN}:down:` });
        const ops: [string, () => Promise<unknown>][] = [
          ["deny", () => store.deny("id", Date.now() + 60_000)],
          ["isDenied", () => store.isDenied("id")],
          ["setNotBefore", () => store.setNotBefore("u", Date.now())],
          ["notBefore", () => store.notBefore("u")],
          ["check", () => store.check("id", "u", Date.now())],
        ];
        await assertUnavailable(ops, (op) => new RegExp(`^redis revocation store: ${op} failed`));
      } finally {
        close();
      }
    });
  }
});

// --- Redis Cluster ---------------------------------------------------------------------------

describe("redis revocation store on a three-master Redis Cluster", () => {
  let cluster: RedisCluster;
  before(async () => {
    cluster = await startRedisCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  const clients: [
    string,
    () => Promise<{ client: RedisStoreClient; close: () => Promise<void> }>,
  ][] = [
    [
      "node-redis createCluster",
      async () => {
        const client = await nodeRedisCluster(cluster);
        return { client, close: () => client.close() };
      },
    ],
    [
      "ioredis Cluster",
      async () => {
        const client = await ioredisCluster(cluster);
        return {
          client,
          close: async () => {
            await client.quit();
          },
        };
      },
    ],
  ];

  for (const [name, make] of clients) {
    test(`${name}: check works for ids of any shape; one MGET for newTokenId ids`, async () => {
      const { client, close } = await make();
      try {
        const store = redisRevocationStore({ client, prefix: `${RUN}:cl:` });
        const user = `user-${rand()}`;
        const id = newTokenId(user);
        const plain = `plain-${rand()}`;
        assert.equal(await store.check(id, user, Date.now()), true);
        assert.equal(await store.check(plain, user, Date.now()), true);
        await store.deny(id, Date.now() + 60_000);
        await store.deny(plain, Date.now() + 60_000);
        await store.setNotBefore(`${user}-2`, Date.now() + 1_000);
        assert.equal(await store.check(id, user, Date.now()), false);
        assert.equal(await store.check(plain, user, Date.now()), false);
        assert.equal(await store.check(newTokenId(`${user}-2`), `${user}-2`, Date.now()), false);
        assert.equal(await store.check(`p-${rand()}`, `${user}-2`, Date.now() + 1_000), true);
        // The two keys of a newTokenId id share a slot: the MGET a cluster accepts.
        const node = createClient({ url: `redis://127.0.0.1:${cluster.ports[0]}` });
        node.on("error", noop);
        await node.connect();
        try {
          const slot = (k: string) => node.sendCommand(["CLUSTER", "KEYSLOT", k]);
          assert.equal(
            await slot(`${RUN}:cl:rv:d:{${shardFor(user)}}:${id}`),
            await slot(`${RUN}:cl:rv:n:{${shardFor(user)}}:${user}`),
          );
        } finally {
          await node.close();
        }
      } finally {
        await close();
      }
    });
  }
});
