// Refresh tokens: the issuer over the memory store and over Redis on 127.0.0.1:6379 (node-redis,
// ioredis, ioredis with a keyPrefix), plus a throwaway Redis Cluster. A missing Redis fails these
// tests; nothing is skipped.
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
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
} from "../../test/redis.js";
import { type RedisCluster, startRedisCluster } from "../../test/redis-cluster.js";
import { shardFor, storeKey } from "../session/tokens.js";
import type { RedisStoreClient } from "../stores/redis.js";
import { StoreError } from "../stores/types.js";
import { TransportError } from "./errors.js";
import { createJwtCodec, JWT_TYP_ACCESS_TOKEN, type JwtCodec } from "./jwt.js";
import {
  createRefreshTokens,
  memoryRefreshStore,
  type RefreshFamily,
  type RefreshStore,
  type RefreshTokenEvent,
  type RefreshTokens,
  type RefreshTokensOptions,
  redisRefreshStore,
} from "./refresh-tokens.js";
import { memoryRevocationStore } from "./revocation.js";

const RUN = `sjtest-rt-${process.pid}-${randomBytes(4).toString("hex")}`;
const rand = (): string => randomBytes(9).toString("base64url");
const DAY = 86_400_000;

/** A clock that follows real time (Redis TTLs do) plus a skew the test moves forward. */
function clock(): { now: () => number; advance: (ms: number) => void } {
  let skew = 0;
  return {
    now: () => Date.now() + skew,
    advance: (ms) => {
      skew += ms;
    },
  };
}

const EC_KEY = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;

function accessCodec(now: () => number): JwtCodec {
  return createJwtCodec({
    keys: [{ kid: "k1", alg: "ES256", key: EC_KEY }],
    issuer: "https://shop.example",
    audience: "https://shop.example/api",
    typ: JWT_TYP_ACCESS_TOKEN,
    now,
  });
}

type MakeStore = () => Promise<{ store: RefreshStore; cleanup: () => Promise<void> }>;

/** The issuer's behaviour over one store. */
function refreshSuite(name: string, makeStore: MakeStore): void {
  describe(`refresh tokens: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const c of cleanups) await c();
    });
    const setup = async (
      more: Partial<RefreshTokensOptions> = {},
    ): Promise<{
      tokens: RefreshTokens;
      codec: JwtCodec;
      c: ReturnType<typeof clock>;
      events: RefreshTokenEvent[];
      store: RefreshStore;
    }> => {
      const { store, cleanup } = await makeStore();
      cleanups.push(cleanup);
      const c = clock();
      const codec = accessCodec(c.now);
      const events: RefreshTokenEvent[] = [];
      const tokens = createRefreshTokens({
        codec,
        store,
        now: c.now,
        onEvent: (e) => events.push(e),
        ...more,
      });
      return { tokens, codec, c, events, store };
    };

    test("setClaims: the next rotation's access token carries them; a revoked family takes none", async () => {
      const { tokens, codec, c, store } = await setup();
      const set = await tokens.issue(`user-${rand()}`, { claims: { role: "customer" } });
      assert.equal(await store.setClaims(set.familyId, { role: "admin" }, c.now()), true);
      const next = await tokens.rotate(set.refreshToken);
      assert.ok(next.ok);
      const r = await codec.verify(next.accessToken);
      assert.equal(r.ok && r.claims.role, "admin");
      assert.equal(await tokens.revokeFamily(set.familyId), true);
      assert.equal(await store.setClaims(set.familyId, { role: "x" }, c.now()), false);
      assert.equal(
        await store.setClaims(`${set.familyId.slice(0, 4)}.${"A".repeat(22)}`, {}, c.now()),
        false,
      );
    });

    test("peek: the family a rotation would use now, changing nothing; null for what would fail", async () => {
      const { tokens, c, store } = await setup();
      const set = await tokens.issue(`user-${rand()}`, { claims: { role: "customer" } });
      const key = storeKey(set.refreshToken);
      for (let i = 0; i < 2; i++) {
        const f = await store.peek(key, c.now());
        assert.equal(f?.id, set.familyId);
        assert.deepEqual(f?.claims, { role: "customer" });
      }
      const next = await tokens.rotate(set.refreshToken);
      assert.ok(next.ok, "peeking did not spend the token");
      assert.equal(await store.peek(key, c.now()), null, "a used token");
      assert.equal(
        await store.peek(storeKey(`${set.refreshToken.slice(0, 5)}${"A".repeat(43)}`), c.now()),
        null,
      );
      assert.equal((await store.peek(storeKey(next.refreshToken), c.now()))?.id, set.familyId);
      assert.equal(await store.peek(storeKey(next.refreshToken), next.refreshExpiresAt), null);
      await tokens.revokeFamily(set.familyId);
      assert.equal(
        await store.peek(storeKey(next.refreshToken), c.now()),
        null,
        "a revoked family",
      );
      const used = await tokens.rotate(set.refreshToken);
      assert.equal(used.ok, false);
    });

    test("issue: a five-minute access JWT and an opaque refresh token of a new family", async () => {
      const { tokens, codec, c, events } = await setup();
      const user = `user-${rand()}`;
      const set = await tokens.issue(user, { claims: { role: "customer" } });
      assert.equal(set.tokenType, "Bearer");
      assert.equal(set.expiresIn, 300);
      assert.match(set.refreshToken, /^[A-Za-z0-9_-]{4}\.[A-Za-z0-9_-]{43}$/);
      assert.equal(set.refreshToken.slice(0, 4), shardFor(user));
      assert.equal(set.familyId.slice(0, 4), shardFor(user));
      assert.ok(Math.abs(set.refreshExpiresAt - (c.now() + 14 * DAY)) < 1_000);
      const r = await codec.verify(set.accessToken);
      assert.ok(r.ok);
      assert.equal(r.claims.sub, user);
      assert.equal(r.claims.sid, set.familyId);
      assert.equal(r.claims.role, "customer");
      assert.equal(Number(r.claims.exp) - Number(r.claims.iat), 300);
      assert.deepEqual(events, [{ type: "issued", familyId: set.familyId, userId: user }]);
    });

    test("rotate: a new pair, same family and claims; the old refresh token is spent", async () => {
      const { tokens, codec, events } = await setup();
      const user = `user-${rand()}`;
      const first = await tokens.issue(user, { claims: { role: "admin" } });
      const second = await tokens.rotate(first.refreshToken);
      assert.ok(second.ok);
      assert.notEqual(second.refreshToken, first.refreshToken);
      assert.notEqual(second.accessToken, first.accessToken);
      assert.equal(second.familyId, first.familyId);
      const r = await codec.verify(second.accessToken);
      assert.ok(r.ok);
      assert.equal(r.claims.role, "admin");
      assert.equal(r.claims.sid, first.familyId);
      // A chain of rotations, each token used once.
      let current = second.refreshToken;
      for (let i = 0; i < 5; i++) {
        const next = await tokens.rotate(current);
        assert.ok(next.ok, `rotation ${i}`);
        current = next.refreshToken;
      }
      assert.deepEqual(
        events.map((e) => e.type),
        ["issued", "rotated", "rotated", "rotated", "rotated", "rotated", "rotated"],
      );
    });

    test("reuse: a refresh token used twice revokes its whole family, and says so", async () => {
      const { tokens, events } = await setup();
      const user = `user-${rand()}`;
      const first = await tokens.issue(user);
      const second = await tokens.rotate(first.refreshToken);
      assert.ok(second.ok);
      // The thief replays the first token (or the client did, after the thief).
      assert.deepEqual(await tokens.rotate(first.refreshToken), { ok: false, reason: "reused" });
      assert.deepEqual(events.at(-1), { type: "reused", familyId: first.familyId, userId: user });
      // The family is gone: the legitimate client's current token no longer works either.
      assert.deepEqual(await tokens.rotate(second.refreshToken), { ok: false, reason: "revoked" });
      // Every later use of a spent token is a reuse, reported again.
      assert.deepEqual(await tokens.rotate(first.refreshToken), { ok: false, reason: "reused" });
      // Another family of the same user is untouched.
      const other = await tokens.issue(user);
      assert.ok((await tokens.rotate(other.refreshToken)).ok);
    });

    test("reuse: the thief rotates first, then the client: the thief's token dies too", async () => {
      const { tokens } = await setup();
      const stolen = (await tokens.issue(`user-${rand()}`)).refreshToken;
      const thief = await tokens.rotate(stolen);
      assert.ok(thief.ok);
      assert.deepEqual(await tokens.rotate(stolen), { ok: false, reason: "reused" });
      assert.deepEqual(await tokens.rotate(thief.refreshToken), { ok: false, reason: "revoked" });
    });

    test("20 parallel rotations of one token: exactly one succeeds, the rest are reuse", async () => {
      const { tokens, events } = await setup();
      const user = `user-${rand()}`;
      const { refreshToken, familyId } = await tokens.issue(user);
      const results = await Promise.all(
        Array.from({ length: 20 }, () => tokens.rotate(refreshToken)),
      );
      const winners = results.filter((r) => r.ok);
      assert.equal(winners.length, 1);
      assert.deepEqual(
        results.filter((r) => !r.ok).map((r) => (r.ok ? "" : r.reason)),
        Array(19).fill("reused"),
      );
      const winner = winners[0];
      assert.ok(winner?.ok);
      assert.deepEqual(await tokens.rotate(winner.refreshToken), { ok: false, reason: "revoked" });
      assert.equal(events.filter((e) => e.type === "rotated").length, 1);
      assert.equal(events.filter((e) => e.type === "reused" && e.familyId === familyId).length, 19);
    });

    test("expired: a refresh token after its life; a family after its cap", async () => {
      const { tokens, c, events } = await setup({ refreshTtlSeconds: 100, familyTtlSeconds: 150 });
      const a = await tokens.issue(`user-${rand()}`);
      c.advance(100_000);
      assert.deepEqual(await tokens.rotate(a.refreshToken), { ok: false, reason: "expired" });
      assert.deepEqual(events.at(-1), { type: "refused", reason: "expired", familyId: a.familyId });
      const b = await tokens.issue(`user-${rand()}`);
      c.advance(90_000);
      const b2 = await tokens.rotate(b.refreshToken);
      assert.ok(b2.ok);
      // min(now + 100 s, the family's cap at 150 s)
      assert.ok(Math.abs(b2.refreshExpiresAt - (c.now() + 60_000)) < 1_000);
      c.advance(60_000);
      assert.deepEqual(await tokens.rotate(b2.refreshToken), { ok: false, reason: "expired" });
    });

    test("touch: the family's latest token lives to the idle expiry it is given, capped by the family's", async () => {
      const { tokens, c, store } = await setup({ refreshTtlSeconds: 100, familyTtlSeconds: 400 });
      const first = await tokens.issue(`user-${rand()}`);
      const second = await tokens.rotate(first.refreshToken);
      assert.ok(second.ok);
      c.advance(90_000);
      assert.equal(await store.touch(first.familyId, c.now() + 100_000, c.now()), true);
      // An earlier idle expiry never shortens the token.
      assert.equal(await store.touch(first.familyId, c.now() + 1_000, c.now()), true);
      c.advance(50_000);
      const third = await tokens.rotate(second.refreshToken);
      assert.ok(third.ok, "140 s after it was issued, past its own 100 s: the touch kept it");
      // The spent token is still a reuse, touched family or not.
      assert.equal(await store.touch(first.familyId, c.now() + 1_000_000, c.now()), true);
      c.advance(200_000);
      const fourth = await tokens.rotate(third.refreshToken);
      assert.ok(fourth.ok, "touched past its 100 s");
      c.advance(100_000);
      assert.equal(await store.touch(first.familyId, c.now() + 1_000_000, c.now()), false);
      assert.deepEqual(await tokens.rotate(fourth.refreshToken), { ok: false, reason: "expired" });
      const other = await tokens.issue(`user-${rand()}`);
      assert.equal(await tokens.revokeFamily(other.familyId), true);
      assert.equal(await store.touch(other.familyId, c.now() + 1_000, c.now()), false);
      assert.equal(
        await store.touch(`${other.familyId.slice(0, 4)}.${"A".repeat(22)}`, c.now(), c.now()),
        false,
      );
    });

    test("a reuse says whether it revoked the family: once, however many replays", async () => {
      const { tokens, c, store } = await setup();
      const user = `user-${rand()}`;
      const { refreshToken } = await tokens.issue(user);
      const next = () =>
        storeKey(`${refreshToken.slice(0, 4)}.${randomBytes(32).toString("base64url")}`);
      const key = storeKey(refreshToken);
      const win = await store.rotate(key, next(), { now: c.now(), ttlMs: 60_000 });
      assert.ok(win.ok);
      const replays = await Promise.all(
        Array.from({ length: 5 }, () => store.rotate(key, next(), { now: c.now(), ttlMs: 60_000 })),
      );
      const changed = replays.map((r) => (!r.ok && r.reason === "reused" ? r.changed : null));
      assert.deepEqual(changed.sort(), [false, false, false, false, true]);
    });

    test("unknown and malformed tokens", async () => {
      const { tokens, events } = await setup();
      const unknown = `${shardFor("x")}.${randomBytes(32).toString("base64url")}`;
      assert.deepEqual(await tokens.rotate(unknown), { ok: false, reason: "unknown" });
      assert.deepEqual(events.at(-1), { type: "refused", reason: "unknown", familyId: null });
      for (const bad of [undefined, null, 1, "", "abc", `${unknown}x`, unknown.replace(".", "!")]) {
        assert.deepEqual(await tokens.rotate(bad), { ok: false, reason: "malformed" });
      }
      // The access token is no refresh token.
      const set = await tokens.issue(`user-${rand()}`);
      assert.deepEqual(await tokens.rotate(set.accessToken), { ok: false, reason: "malformed" });
    });

    test("sign-out revokes the family; revokeFamily by id", async () => {
      const { tokens, events } = await setup();
      const user = `user-${rand()}`;
      const a = await tokens.issue(user);
      assert.equal(await tokens.revoke(a.refreshToken), true);
      assert.deepEqual(events.at(-1), {
        type: "revoked",
        familyId: a.familyId,
        userId: user,
        reason: "sign-out",
      });
      assert.deepEqual(await tokens.rotate(a.refreshToken), { ok: false, reason: "revoked" });
      const count = events.length;
      assert.equal(await tokens.revoke(a.refreshToken), true, "revoked already");
      assert.equal(events.length, count, "no second event");
      const b = await tokens.issue(user);
      assert.equal(await tokens.revokeFamily(b.familyId), true);
      assert.equal(events.at(-1)?.type, "revoked");
      assert.deepEqual(await tokens.rotate(b.refreshToken), { ok: false, reason: "revoked" });
      assert.equal(
        await tokens.revoke(`${shardFor("x")}.${randomBytes(32).toString("base64url")}`),
        false,
      );
      assert.equal(await tokens.revoke("junk"), false);
      assert.equal(
        await tokens.revokeFamily(`${shardFor("x")}.${rand()}${rand().slice(0, 10)}`),
        false,
      );
      assert.equal(await tokens.revokeFamily("junk"), false);
    });

    test("log out everywhere: a family from before the user's not-before time is revoked", async () => {
      const revocation = memoryRevocationStore();
      const { tokens, c, events } = await setup({ revocation });
      const user = `user-${rand()}`;
      const a = await tokens.issue(user);
      c.advance(1_000);
      await revocation.setNotBefore(user, c.now());
      c.advance(1_000);
      const b = await tokens.issue(user);
      assert.deepEqual(await tokens.rotate(a.refreshToken), { ok: false, reason: "revoked" });
      assert.ok(
        events.some(
          (e) => e.type === "revoked" && e.reason === "not-before" && e.familyId === a.familyId,
        ),
      );
      assert.ok((await tokens.rotate(b.refreshToken)).ok, "signed in again after the cut-off");
    });

    test("issue refuses reserved and non-JSON claims and an empty user", async () => {
      const { tokens } = await setup();
      for (const claims of [{ sub: "x" }, { sid: "x" }, { exp: 1 }, { jti: "x" }, { n: 1n }]) {
        await assert.rejects(
          tokens.issue("u", { claims: claims as never }),
          (e: unknown) => e instanceof TransportError && e.code === "ERR_JWT_CLAIMS_INVALID",
        );
      }
      await assert.rejects(tokens.issue(""), TypeError);
    });

    test("the store refuses keys of another shard than their family", async () => {
      const { store } = await setup();
      const user = `user-${rand()}`;
      const family: RefreshFamily = {
        id: `${shardFor(user)}.${randomBytes(16).toString("base64url")}`,
        userId: user,
        createdAt: Date.now(),
        expiresAt: Date.now() + DAY,
        revokedAt: null,
        claims: {},
      };
      const otherShard = storeKey(
        `${shardFor(`${user}-x`)}.${randomBytes(32).toString("base64url")}`,
      );
      await assert.rejects(store.create(family, otherShard, Date.now() + DAY), TypeError);
      await assert.rejects(
        store.create({ ...family, id: `${shardFor("zz")}.${rand()}aaaaaaaaaa` }, otherShard, 1),
        TypeError,
      );
      await assert.rejects(store.rotate("nope", "nope", { now: Date.now(), ttlMs: 1 }), TypeError);
    });
  });
}

// --- memory ----------------------------------------------------------------------------------

refreshSuite("memory", async () => ({ store: memoryRefreshStore(), cleanup: async () => {} }));

test("createRefreshTokens: options are checked", () => {
  const codec = accessCodec(Date.now);
  const store = memoryRefreshStore();
  const refused = (e: unknown): boolean =>
    e instanceof TransportError && e.code === "ERR_REFRESH_OPTIONS_INVALID";
  assert.throws(() => createRefreshTokens({ store } as never), refused);
  assert.throws(() => createRefreshTokens({ codec } as never), refused);
  assert.throws(() => createRefreshTokens({ codec, store: {} as RefreshStore }), refused);
  for (const k of ["accessTtlSeconds", "refreshTtlSeconds", "familyTtlSeconds"]) {
    for (const v of [0, -1, 1.5, "60"]) {
      assert.throws(() => createRefreshTokens({ codec, store, [k]: v }), refused, `${k} ${v}`);
    }
  }
  assert.throws(() => createRefreshTokens({ codec, store, revocation: {} as never }), refused);
});

test("createRefreshTokens: accessTtlSeconds sets the access token's life", async () => {
  const codec = accessCodec(Date.now);
  const tokens = createRefreshTokens({ codec, store: memoryRefreshStore(), accessTtlSeconds: 60 });
  const set = await tokens.issue("u");
  assert.equal(set.expiresIn, 60);
  const r = await codec.verify(set.accessToken);
  assert.ok(r.ok);
  assert.equal(Number(r.claims.exp) - Number(r.claims.iat), 60);
});

test("createRefreshTokens: a listener that throws breaks nothing", async () => {
  const errors: unknown[] = [];
  const tokens = createRefreshTokens({
    codec: accessCodec(Date.now),
    store: memoryRefreshStore(),
    onEvent: () => {
      throw new Error("listener bug");
    },
    onListenerError: (e) => errors.push(e),
  });
  const seen: string[] = [];
  const stop = tokens.on("reused", (e) => seen.push(e.familyId));
  const set = await tokens.issue("u");
  assert.ok((await tokens.rotate(set.refreshToken)).ok);
  assert.deepEqual(await tokens.rotate(set.refreshToken), { ok: false, reason: "reused" });
  assert.deepEqual(seen, [set.familyId]);
  assert.equal(errors.length, 3);
  stop();
});

// --- Redis -----------------------------------------------------------------------------------

async function scan(
  send: (args: string[]) => Promise<unknown>,
  pattern: string,
): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = (await send(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"])) as [
      string,
      string[],
    ];
    cursor = String(next);
    out.push(...keys.map(String));
  } while (cursor !== "0");
  return out;
}

refreshSuite("redis, node-redis", async () => {
  const client = await nodeRedis();
  const prefix = `${RUN}:nr:`;
  return {
    store: redisRefreshStore({ client, prefix }),
    cleanup: async () => {
      await dropNodeRedis(client, `${prefix}*`);
      await client.close();
    },
  };
});

refreshSuite("redis, ioredis", async () => {
  const client = await ioredis();
  const prefix = `${RUN}:io:`;
  return {
    store: redisRefreshStore({ client, prefix }),
    cleanup: async () => {
      await dropOnIoredis(client, `${prefix}*`);
      await client.quit();
    },
  };
});

refreshSuite("redis, ioredis with a keyPrefix", async () => {
  const client = await ioredis({ keyPrefix: `${RUN}:kp:` });
  return {
    store: redisRefreshStore({ client }),
    cleanup: async () => {
      const raw = await ioredis();
      await dropOnIoredis(raw, `${RUN}:kp:*`);
      await raw.quit();
      await client.quit();
    },
  };
});

describe("redis refresh store, standalone", () => {
  let nr: Awaited<ReturnType<typeof nodeRedis>>;
  const prefix = `${RUN}:x:`;
  before(async () => {
    nr = await nodeRedis();
  });
  after(async () => {
    await dropNodeRedis(nr, `${prefix}*`);
    await nr.close();
  });

  test("only hashes are stored, under the family's slot, with TTLs", async () => {
    const tokens = createRefreshTokens({
      codec: accessCodec(Date.now),
      store: redisRefreshStore({ client: nr, prefix }),
    });
    const user = `user-${rand()}`;
    const set = await tokens.issue(user);
    const next = await tokens.rotate(set.refreshToken);
    assert.ok(next.ok);
    const keys = await scan((a) => nr.sendCommand(a), `${prefix}*`);
    const mine = keys.filter((k) => k.includes(`{${shardFor(user)}}`));
    assert.equal(mine.length, 3, "the family and two tokens");
    for (const token of [set.refreshToken, next.refreshToken]) {
      const secret = token.slice(5);
      assert.ok(!keys.some((k) => k.includes(secret)), "no key holds the token");
      const hash = createHash("sha256").update(token).digest("base64url");
      const key = `${prefix}rt:{${shardFor(user)}}:${hash}`;
      assert.ok(mine.includes(key));
      const values = JSON.stringify(await nr.sendCommand(["HGETALL", key]));
      assert.match(values, /fam/);
      assert.ok(!values.includes(secret), "no value holds the token");
      const ttl = Number(await nr.sendCommand(["PTTL", key]));
      assert.ok(ttl > 13 * DAY && ttl <= 14 * DAY, `token TTL ${ttl}`);
    }
    const fk = `${prefix}rf:{${set.familyId.slice(0, 4)}}:${set.familyId.slice(5)}`;
    const fttl = Number(await nr.sendCommand(["PTTL", fk]));
    assert.ok(fttl > 89 * DAY && fttl <= 90 * DAY, `family TTL ${fttl}`);
  });

  test("data that is not the store's is ERR_STORE_CORRUPT", async () => {
    const store = redisRefreshStore({ client: nr, prefix });
    const tokens = createRefreshTokens({ codec: accessCodec(Date.now), store });
    const set = await tokens.issue(`user-${rand()}`);
    const fk = `${prefix}rf:{${set.familyId.slice(0, 4)}}:${set.familyId.slice(5)}`;
    await nr.sendCommand(["HSET", fk, "exp", "soon"]);
    await assert.rejects(
      tokens.rotate(set.refreshToken),
      (e: unknown) => e instanceof StoreError && e.code === "ERR_STORE_CORRUPT",
    );
  });

  test("options are checked", () => {
    const refused = (e: unknown): boolean =>
      e instanceof TransportError && e.code === "ERR_REFRESH_OPTIONS_INVALID";
    assert.throws(() => redisRefreshStore({ client: nr, prefix: "{x}" }), refused);
    assert.throws(() => redisRefreshStore({ client: {} as RedisStoreClient }), refused);
  });
});

describe("redis refresh store, Redis down: fails closed with ERR_STORE_UNAVAILABLE", () => {
  const cases: [string, () => Promise<{ client: RedisStoreClient; close: () => void }>][] = [
    ["node-redis, disableOfflineQueue", downNodeRedis],
    ["ioredis, enableOfflineQueue false", downIoredis],
  ];
  for (const [name, make] of cases) {
    test(name, async () => {
      const { client, close } = await make();
      try {
        const tokens = createRefreshTokens({
          codec: accessCodec(Date.now),
          store: redisRefreshStore({ client, prefix: `${RUN}:down:` }),
        });
        const token = `${shardFor("u")}.${randomBytes(32).toString("base64url")}`;
        const ops: [string, () => Promise<unknown>][] = [
          ["create", () => tokens.issue("u")],
          ["rotate", () => tokens.rotate(token)],
          ["revoke", () => tokens.revoke(token)],
          ["revokeFamily", () => tokens.revokeFamily(`${shardFor("u")}.${"A".repeat(22)}`)],
          [
            "setClaims",
            () =>
              redisRefreshStore({ client, prefix: `${RUN}:down:` }).setClaims(
                `${shardFor("u")}.${"A".repeat(22)}`,
                {},
                Date.now(),
              ),
          ],
        ];
        await assertUnavailable(ops, (op) => new RegExp(`^redis refresh store: ${op} failed`));
      } finally {
        close();
      }
    });
  }
});

// --- Redis Cluster ---------------------------------------------------------------------------

describe("redis refresh store on a three-master Redis Cluster", () => {
  let cluster: RedisCluster | undefined;
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

  refreshSuite("redis cluster, node-redis createCluster", async () => {
    const client = await nodeRedisCluster(await up());
    return {
      store: redisRefreshStore({ client, prefix: `${RUN}:cl:` }),
      cleanup: () => client.close(),
    };
  });

  refreshSuite("redis cluster, ioredis Cluster", async () => {
    const client = await ioredisCluster(await up());
    return {
      store: redisRefreshStore({ client, prefix: `${RUN}:cl:` }),
      cleanup: async () => {
        await client.quit();
      },
    };
  });
});
