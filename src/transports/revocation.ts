import { redisCommands, redisScript, replyString } from "../lib/redis-client.js";
import { shardFor } from "../session/tokens.js";
import type { RedisStoreClient } from "../stores/redis.js";
import { StoreError } from "../stores/types.js";
import { TransportError } from "./errors.js";

/**
 * Revocation for the stateless transports (JWT cookie, bearer JWT): a signed token stays valid
 * until its `exp` unless the server remembers that it must not be. Two things are remembered:
 *
 * - a **denylist** of token ids (`jti`), each entry kept only until the token would have expired
 *   anyway (sign-out of one device, a stolen token);
 * - a per-user **not-before** time: every token of the user issued before it is refused ("log
 *   out all devices", a password change).
 *
 * **Cost:** `check` is one small store read per request: one round trip that reads two short
 * keys (a Redis `MGET`), answered from memory by Redis in microseconds; on a LAN the round trip
 * itself (~0.1–0.5 ms) is the cost. It is what makes revocation take effect at once instead of
 * at expiry, and it is the one thing that is no longer stateless: when the store is down, `check`
 * throws {@link StoreError} `ERR_STORE_UNAVAILABLE` and the request should fail closed (503).
 * Space: one entry per revoked token until its expiry, one per user who signed out everywhere.
 *
 * Times are milliseconds since the epoch, from the application's clock. JWT `iat` is in whole
 * seconds: pass `iat * 1000`, so that a token issued in the same second as a not-before time
 * counts as issued before it (the safe side).
 */
export interface RevocationStore {
  /** Refuses token `id` until `until` (its expiry; after that the entry goes). */
  deny(id: string, until: number): Promise<void>;
  /** True while `id` is on the denylist. */
  isDenied(id: string): Promise<boolean>;
  /**
   * Refuses every token of `userId` issued before `time`. A later call never moves the time
   * back: the latest cut-off wins.
   */
  setNotBefore(userId: string, time: number): Promise<void>;
  /** The user's not-before time, or null when there is none. */
  notBefore(userId: string): Promise<number | null>;
  /**
   * True when a token may be used: `id` is not denied, and `issuedAt` is not before the user's
   * not-before time. Denylist and not-before are read together in one round trip.
   */
  check(id: string, userId: string, issuedAt: number): Promise<boolean>;
}

/** Options of {@link memoryRevocationStore} and {@link redisRevocationStore}. */
export interface RevocationStoreOptions {
  /**
   * How long a not-before time is kept, in milliseconds (default: for ever). Set it to the
   * longest lifetime of a token (or refresh-token family) you issue: after that, every token
   * issued before the cut-off has expired anyway.
   */
  readonly notBeforeRetentionMs?: number;
  /** The clock in milliseconds, for tests (default `Date.now`). */
  readonly now?: () => number;
}

function requireString(what: string, v: unknown): string {
  if (typeof v !== "string" || v === "") {
    throw new TypeError(`revocation store: ${what} must be a non-empty string`);
  }
  return v;
}

function requireTime(what: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new TypeError(`revocation store: ${what} must be a finite number of milliseconds`);
  }
  return v;
}

function retentionOf(options: RevocationStoreOptions): number | null {
  const r = options.notBeforeRetentionMs;
  if (r === undefined) return null;
  if (typeof r !== "number" || !Number.isSafeInteger(r) || r <= 0) {
    throw new TransportError(
      "ERR_REVOCATION_OPTIONS_INVALID",
      `revocation store: notBeforeRetentionMs must be a whole number of milliseconds above 0, not ${String(r)}`,
    );
  }
  return r;
}

/**
 * A {@link RevocationStore} in this process's memory: for tests, and for one process alone (a
 * revocation must reach every server that verifies tokens, so a fleet needs
 * {@link redisRevocationStore}). Expired entries are swept as it goes.
 */
export function memoryRevocationStore(options: RevocationStoreOptions = {}): RevocationStore {
  const now = options.now ?? Date.now;
  const retention = retentionOf(options);
  const denied = new Map<string, number>();
  const cutoffs = new Map<string, { time: number; until: number }>();
  let writes = 0;
  const sweep = (): void => {
    if (++writes % 1024 !== 0) return;
    const t = now();
    for (const [k, until] of denied) if (until <= t) denied.delete(k);
    for (const [k, c] of cutoffs) if (c.until <= t) cutoffs.delete(k);
  };
  const isDenied = (id: string, t: number): boolean => {
    const until = denied.get(id);
    if (until === undefined) return false;
    if (until > t) return true;
    denied.delete(id);
    return false;
  };
  const cutoff = (userId: string, t: number): number | null => {
    const c = cutoffs.get(userId);
    if (c === undefined) return null;
    if (c.until > t) return c.time;
    cutoffs.delete(userId);
    return null;
  };

  return {
    async deny(id, until) {
      requireString("id", id);
      requireTime("until", until);
      if (until <= now()) return;
      denied.set(id, Math.max(until, denied.get(id) ?? 0));
      sweep();
    },
    async isDenied(id) {
      return isDenied(requireString("id", id), now());
    },
    async setNotBefore(userId, time) {
      requireString("userId", userId);
      requireTime("time", time);
      const t = now();
      const time2 = Math.max(time, cutoff(userId, t) ?? Number.NEGATIVE_INFINITY);
      cutoffs.set(userId, {
        time: time2,
        until: retention === null ? Number.POSITIVE_INFINITY : t + retention,
      });
      sweep();
    },
    async notBefore(userId) {
      return cutoff(requireString("userId", userId), now());
    },
    async check(id, userId, issuedAt) {
      requireString("id", id);
      requireString("userId", userId);
      requireTime("issuedAt", issuedAt);
      const t = now();
      if (isDenied(id, t)) return false;
      const nb = cutoff(userId, t);
      return nb === null || issuedAt >= nb;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Redis. The client glue (src/lib/redis-client.ts) is shared with the refresh-token store and
// sessionjar/stores/redis.
// ---------------------------------------------------------------------------------------------

/** Options of the Redis-backed stores of this module and of refresh-tokens. */
export interface RedisTokenStoreOptions {
  /**
   * Your client, connected: node-redis `createClient()` / `createCluster()` (v4+) or ioredis
   * `new Redis()` / `new Cluster()` (v5+). The store never connects, configures or closes it.
   * Configure it to fail fast when Redis is down (see `redisStore` of `sessionjar/stores/redis`).
   */
  readonly client: RedisStoreClient;
  /** Prepended to every key (default `"sj:"`). It must not contain `{` or `}`. */
  readonly prefix?: string;
}

// ---------------------------------------------------------------------------------------------

const LABEL = "redis revocation store";

/** The hash tag of a token id: its own shard when it has one (see `newTokenId`), else a hash. */
function tagOfId(id: string): string {
  return /^[A-Za-z0-9_-]{4}\./.test(id) ? id.slice(0, 4) : shardFor(id);
}

// KEYS[1] the denylist key. ARGV: 1 until, 2 its TTL in ms. A later `until` is never shortened.
const DENY = redisScript(
  "revocation: deny",
  `
local cur = tonumber(redis.call('GET', KEYS[1]))
if cur ~= nil and cur >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`,
);

// KEYS[1] the user's not-before key. ARGV: 1 time, 2 retention in ms or "" (none).
const SET_NOT_BEFORE = redisScript(
  "revocation: setNotBefore",
  `
local cur = tonumber(redis.call('GET', KEYS[1]))
local t = tonumber(ARGV[1])
if cur ~= nil and cur > t then t = cur end
if ARGV[2] == '' then
  redis.call('SET', KEYS[1], string.format('%.17g', t))
else
  redis.call('SET', KEYS[1], string.format('%.17g', t), 'PX', ARGV[2])
end
return 1
`,
);

/**
 * A {@link RevocationStore} on Redis or Redis Cluster, through your own client (node-redis or
 * ioredis). Keys:
 * - a denied token id at `<prefix>rv:d:{<tag>}:<id>`, holding the time it is denied until and
 *   expiring then (Redis TTL);
 * - a user's not-before time at `<prefix>rv:n:{<shardFor(userId)>}:<userId>`, expiring after
 *   `notBeforeRetentionMs` if given.
 *
 * `check` is one `MGET` of both keys. The tag of an id is its first four characters when it has
 * the shape of {@link newTokenId} (`<shard>.<random>`, what the JWT codec writes as `jti`), so
 * the two keys share a Redis Cluster slot; for other ids on a cluster, `check` sends two `GET`s
 * at once (two nodes, in parallel). Failures of the client throw {@link StoreError}
 * `ERR_STORE_UNAVAILABLE` (fail closed: answer 503).
 */
export function redisRevocationStore(
  options: RedisTokenStoreOptions & RevocationStoreOptions,
): RevocationStore {
  const redis = redisCommands(
    LABEL,
    options,
    (m) => new TransportError("ERR_REVOCATION_OPTIONS_INVALID", m),
  );
  const now = options.now ?? Date.now;
  const retention = retentionOf(options);
  const denyKey = (id: string): string => `${redis.prefix}rv:d:{${tagOfId(id)}}:${id}`;
  const nbKey = (userId: string): string => `${redis.prefix}rv:n:{${shardFor(userId)}}:${userId}`;

  const number = (key: string, v: unknown): number | null => {
    const s = replyString(LABEL, v);
    if (s === null) return null;
    const n = Number(s);
    if (s === "" || !Number.isFinite(n)) {
      throw new StoreError(
        "ERR_STORE_CORRUPT",
        `${LABEL}: ${key} holds ${JSON.stringify(s)}, not a time`,
      );
    }
    return n;
  };
  const deniedAt = (key: string, v: unknown, t: number): boolean => {
    const until = number(key, v);
    // Redis's TTL may lag our clock a little; the time stored is the authority.
    return until !== null && until > t;
  };

  return {
    async deny(id, until) {
      requireString("id", id);
      requireTime("until", until);
      const ttl = Math.ceil(until - now());
      if (ttl <= 0) return;
      const key = denyKey(id);
      await redis.script("deny", DENY, [key], [String(until), String(ttl)]);
    },

    async isDenied(id) {
      const key = denyKey(requireString("id", id));
      return deniedAt(key, await redis.send("isDenied", key, ["GET", key]), now());
    },

    async setNotBefore(userId, time) {
      requireString("userId", userId);
      requireTime("time", time);
      const key = nbKey(userId);
      await redis.script(
        "setNotBefore",
        SET_NOT_BEFORE,
        [key],
        [String(time), retention === null ? "" : String(retention)],
      );
    },

    async notBefore(userId) {
      const key = nbKey(requireString("userId", userId));
      return number(key, await redis.send("notBefore", key, ["GET", key]));
    },

    async check(id, userId, issuedAt) {
      requireString("id", id);
      requireString("userId", userId);
      requireTime("issuedAt", issuedAt);
      const dk = denyKey(id);
      const nk = nbKey(userId);
      let replies: unknown[];
      if (!redis.cluster || tagOfId(id) === shardFor(userId)) {
        const reply = await redis.send("check", dk, ["MGET", dk, nk]);
        if (!Array.isArray(reply) || reply.length !== 2) {
          throw new StoreError("ERR_STORE_CORRUPT", `${LABEL}: unexpected reply to MGET`);
        }
        replies = reply;
      } else {
        replies = await Promise.all([
          redis.send("check", dk, ["GET", dk]),
          redis.send("check", nk, ["GET", nk]),
        ]);
      }
      const t = now();
      if (deniedAt(dk, replies[0], t)) return false;
      const nb = number(nk, replies[1]);
      return nb === null || issuedAt >= nb;
    },
  };
}
