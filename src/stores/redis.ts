import {
  ClientFailure,
  connectRedis,
  luaPrelude,
  type RedisScript,
  redisScript,
  replyText,
  storeErrorOf,
} from "../lib/redis-client.js";
import { shardFor } from "../session/tokens.js";
import {
  type CreateOptions,
  type SessionPatch,
  type SessionRecord,
  type SessionStore,
  type StoredSession,
  StoreError,
} from "./types.js";

/**
 * A Redis client that you created, configured and connected: node-redis `createClient()` or
 * `createCluster()` (v4 and later), or ioredis `new Redis()` or `new Cluster()` (v5 and later).
 * Typed loosely so that this module compiles without either package installed.
 */
export type RedisStoreClient =
  | { sendCommand(...args: never[]): unknown }
  | { evalsha(...args: never[]): unknown; status: string };

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** Your client; the store never connects, configures or closes it. */
  client: RedisStoreClient;
  /**
   * Prepended to every key (default `"sj:"`), so that the store can share a Redis with other
   * data. It must not contain `{` or `}`: those would move the Redis Cluster hash tag. A
   * `keyPrefix` of the client itself also works: ioredis puts it before these keys, node-redis
   * does not apply it to the raw commands the store sends.
   */
  prefix?: string;
  /** The clock, for tests. Times in records come from this clock, not from Redis's. */
  now?: () => number;
}

// ---------------------------------------------------------------------------------------------
// Layout. A session is a hash at `<prefix>s:{<shard>}:<hash>`: meta fields start with "$", data
// fields with "." (one field per data key, holding JSON, so an update writes only what it
// names). A user's index is a sorted set at `<prefix>u:{<shardFor(userId)>}:<userId>`, members
// the store keys (`<shard>.<hash>`), scored by createdAt. A user's keys have the user's shard and
// a rename keeps the shard (the SessionStore rules, checked here), so a session, the key it is
// renamed to and its user's index share one Redis Cluster slot: every change is one script, which
// finds a user's index from the shard of any of the user's keys.
// ---------------------------------------------------------------------------------------------

const F = {
  id: "$id",
  user: "$user",
  created: "$created",
  seen: "$seen",
  idle: "$idle",
  absolute: "$abs",
  elevated: "$elev",
  userAgent: "$ua",
} as const;
const DATA = ".";

const KEY = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

// ARGV[1] = now, ARGV[2] = the byte length of KEYS[1] after the store's prefix: what precedes it
// is the client's own key prefix (ioredis and node-redis `keyPrefix`) plus ours, so that keys the
// script derives from index members get the same prefix as the keys the client sent.
const PRELUDE = `${luaPrelude("a session")}local function shard(m) return string.match(m, '^([^.]+)%.') end
local function skey(m)
  local s, h = string.match(m, '^([^.]+)%.(.+)$')
  return BASE .. 's:{' .. s .. '}:' .. h
end
-- The index of the user whose session is m: m's shard is the user's.
local function ikey(user, m) return BASE .. 'u:{' .. shard(m) .. '}:' .. user end
local function at(k, t) redis.call('PEXPIREAT', k, string.format('%.0f', math.ceil(t))) end
-- The index lives at least as long as its longest session: until the latest absolute expiry,
-- which no update can move.
local function extend(ik, t)
  local ttl = redis.call('PTTL', ik)
  if ttl >= 0 then
    local tm = redis.call('TIME')
    if tonumber(tm[1]) * 1000 + math.floor(tonumber(tm[2]) / 1000) + ttl >= t then return end
  end
  at(ik, t)
end
local function chunked(cmd, k, from, to)
  for i = from, to, 500 do redis.call(cmd, k, unpack(ARGV, i, math.min(i + 499, to))) end
end
local function take(k)
  local rec = redis.call('HGETALL', k)
  redis.call('DEL', k)
  return rec
end
-- The absolute expiry, user and createdAt of the live session at sk; nil when there is none.
local function live(sk)
  local f = redis.call('HMGET', sk, '$idle', '$abs', '$user', '$created')
  if not f[1] then return nil end
  local abs = num(f[2], 'absolute expiry')
  if math.min(num(f[1], 'idle expiry'), abs) <= NOW then return nil end
  return abs, f[3], f[4]
end
-- Applies the patch at ARGV[i]: n, then n fields to delete, then field/value pairs; and moves
-- the session's expiry to its (possibly new) idle expiry, capped by the absolute one.
local function apply(sk, i, abs)
  local n = tonumber(ARGV[i])
  if n > 0 then chunked('HDEL', sk, i + 1, i + n) end
  if #ARGV > i + n then chunked('HSET', sk, i + n + 1, #ARGV) end
  at(sk, math.min(num(redis.call('HGET', sk, '$idle'), 'idle expiry'), abs))
end
-- The index's live members, oldest first, after pruning those that are stale: gone by TTL, past
-- their expiry, or not that user's.
local function scan(ik, user)
  local out = {}
  for _, m in ipairs(redis.call('ZRANGE', ik, 0, -1)) do
    if shard(m) == nil then
      redis.call('ZREM', ik, m)
    else
      local k = skey(m)
      local f = redis.call('HMGET', k, '$user', '$idle', '$abs')
      if f[1] ~= user then
        redis.call('ZREM', ik, m)
      elseif math.min(num(f[2], 'idle expiry'), num(f[3], 'absolute expiry')) <= NOW then
        redis.call('DEL', k)
        redis.call('ZREM', ik, m)
      else
        out[#out + 1] = m
      end
    end
  end
  return out
end
`;

const LUA = {
  // KEYS: session[, its user's index]. ARGV: 3 member, 4 expiry, 5 user, 6 createdAt,
  // 7 absolute expiry, 8 cap (-1: none), 9.. field/value pairs. Returns {member, fields} for
  // each session the cap removed, oldest first.
  create: `
local sk, ik = KEYS[1], KEYS[2]
redis.call('DEL', sk)
local exp = tonumber(ARGV[4])
if exp <= NOW then return {} end
chunked('HSET', sk, 9, #ARGV)
at(sk, exp)
local out = {}
if ik == nil then return out end
redis.call('ZADD', ik, ARGV[6], ARGV[3])
extend(ik, tonumber(ARGV[7]))
local cap = tonumber(ARGV[8])
local all = scan(ik, ARGV[5])
if cap < 0 then return out end
for i = 1, #all - cap do
  redis.call('ZREM', ik, all[i])
  out[#out + 1] = {all[i], take(skey(all[i]))}
end
return out
`,
  // KEYS: session. ARGV: 3.. the patch (see apply). Returns 1, or 0 when there is no live session.
  update: `
local abs = live(KEYS[1])
if not abs then return 0 end
apply(KEYS[1], 3, abs)
return 1
`,
  // KEYS: old session, new session (same shard). ARGV: 3 old member, 4 new member, 5.. the
  // patch. Returns 1, or 0 when there is no live session.
  rename: `
local from, to, om, nm = KEYS[1], KEYS[2], ARGV[3], ARGV[4]
local abs, user, created = live(from)
if not abs then return 0 end
if from ~= to then redis.call('RENAME', from, to) end
apply(to, 5, abs)
if user then
  local ik = ikey(user, om)
  redis.call('ZREM', ik, om)
  redis.call('ZADD', ik, num(created, 'createdAt'), nm)
  extend(ik, abs)
end
return 1
`,
  // KEYS: session. ARGV: 3 member. Returns the fields it removed (none when absent).
  delete: `
local sk, m = KEYS[1], ARGV[3]
local user = redis.call('HGET', sk, '$user')
local rec = take(sk)
if user then redis.call('ZREM', ikey(user, m), m) end
return rec
`,
  // KEYS: index. ARGV: 3 user. Returns {member, fields} per live session, oldest first.
  list: `
local out = {}
for _, m in ipairs(scan(KEYS[1], ARGV[3])) do out[#out + 1] = {m, redis.call('HGETALL', skey(m))} end
return out
`,
  // KEYS: index. ARGV: 3 user, 4 member to keep or ''. Returns what it removed, as list does.
  deleteByUser: `
local ik = KEYS[1]
local out = {}
for _, m in ipairs(scan(ik, ARGV[3])) do
  if m ~= ARGV[4] then
    redis.call('ZREM', ik, m)
    out[#out + 1] = {m, take(skey(m))}
  end
end
return out
`,
} as const;

const SCRIPTS = Object.fromEntries(
  Object.entries(LUA).map(([name, body]) => [
    name,
    redisScript(`redis store: ${name}`, `${PRELUDE}${body}`),
  ]),
) as Record<keyof typeof LUA, RedisScript>;

// The client glue (one call that sends one command, routed by its first key on a cluster,
// through each client's own API) is src/lib/redis-client.ts.

function toStoreError(op: string, failure: ClientFailure): StoreError {
  return storeErrorOf("redis store", op, failure.error, {
    notOurs: "a session",
    fullHint: "; raise maxmemory or use a volatile-* eviction policy",
  });
}

// ---------------------------------------------------------------------------------------------
// Encoding.
// ---------------------------------------------------------------------------------------------

function unexpected(what: string): StoreError {
  return new StoreError("ERR_STORE_CORRUPT", `redis store: unexpected reply from Redis: ${what}`);
}

function str(v: unknown): string {
  const s = replyText(v);
  if (s === undefined) throw unexpected(`${typeof v} where a string belongs`);
  return s;
}

/** A session hash as field → value. */
type Fields = Record<string, string>;

/**
 * HGETALL's reply as field → value, whichever shape the client gives it (flat array, object,
 * Map), or null for an empty hash. The object node-redis (RESP3) and ioredis give is used as it
 * is when every value is already a string: the hot path copies nothing.
 */
function fieldsOf(reply: unknown): Fields | null {
  let out: Fields;
  if (Array.isArray(reply)) {
    if (reply.length === 0) return null;
    out = {};
    for (let i = 0; i + 1 < reply.length; i += 2) out[str(reply[i])] = str(reply[i + 1]);
    return out;
  }
  if (reply instanceof Map) {
    if (reply.size === 0) return null;
    out = {};
    for (const [k, v] of reply) out[str(k)] = str(v);
    return out;
  }
  if (typeof reply === "object" && reply !== null) {
    const o = reply as Record<string, unknown>;
    let empty = true;
    for (const k in o) {
      empty = false;
      if (typeof o[k] !== "string") {
        out = {};
        for (const f of Object.keys(o)) out[f] = str(o[f]);
        return out;
      }
    }
    return empty ? null : (o as Fields);
  }
  if (reply !== null && reply !== undefined) throw unexpected(`${typeof reply} for HGETALL`);
  return null;
}

function finite(name: string, v: unknown): string {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new TypeError(`redis store: ${name} must be a finite number, not ${String(v)}`);
  }
  return String(v);
}

function json(value: unknown): string | undefined {
  // undefined (and functions, symbols) have no JSON: as in the memory store, they unset.
  return value === undefined ? undefined : (JSON.stringify(value) as string | undefined);
}

function encodeRecord(record: SessionRecord): string[] {
  if (typeof record.id !== "string") throw new TypeError("redis store: record.id must be a string");
  const out = [
    F.id,
    record.id,
    F.created,
    finite("createdAt", record.createdAt),
    F.seen,
    finite("lastSeenAt", record.lastSeenAt),
    F.idle,
    finite("idleExpiresAt", record.idleExpiresAt),
    F.absolute,
    finite("absoluteExpiresAt", record.absoluteExpiresAt),
  ];
  if (record.userId !== null) out.push(F.user, record.userId);
  if (record.elevatedAt !== null) out.push(F.elevated, finite("elevatedAt", record.elevatedAt));
  if (record.userAgent !== null) out.push(F.userAgent, record.userAgent);
  for (const [k, v] of Object.entries(record.data)) {
    const text = json(v);
    if (text !== undefined) out.push(DATA + k, text);
  }
  return out;
}

/** A patch as script arguments: how many fields to delete, those fields, field/value pairs. */
function encodePatch(patch: SessionPatch = {}): string[] {
  const del: string[] = [];
  const set: string[] = [];
  const unset = new Set(patch.unset ?? []);
  for (const [k, v] of Object.entries(patch.set ?? {})) {
    if (unset.has(k)) continue; // unset wins, as in the memory store
    const text = json(v);
    if (text === undefined) del.push(DATA + k);
    else set.push(DATA + k, text);
  }
  for (const k of unset) del.push(DATA + k);
  if (patch.lastSeenAt !== undefined) set.push(F.seen, finite("lastSeenAt", patch.lastSeenAt));
  if (patch.idleExpiresAt !== undefined) {
    set.push(F.idle, finite("idleExpiresAt", patch.idleExpiresAt));
  }
  if (patch.elevatedAt === null) del.push(F.elevated);
  else if (patch.elevatedAt !== undefined) {
    set.push(F.elevated, finite("elevatedAt", patch.elevatedAt));
  }
  return [String(del.length), ...del, ...set];
}

function expiry(r: SessionRecord): number {
  return Math.min(r.idleExpiresAt, r.absoluteExpiresAt);
}

// ---------------------------------------------------------------------------------------------

/**
 * A {@link SessionStore} on Redis or Redis Cluster, through your own client: node-redis
 * (`createClient`, `createCluster`) or ioredis (`Redis`, `Cluster`). Sessions expire by Redis
 * TTLs (PEXPIREAT at the earlier of the idle and absolute expiry); every change is one Lua
 * script, so it is atomic, including the per-user index and the `maxPerUser` cap. `get` is one
 * HGETALL. Needs Redis 5.0 or later (tested on 7.0). With a node-redis client that has its
 * client-side cache (`RESP: 3, clientSideCache: { maxEntries }`), `get` reads through it: a
 * session read again costs no command until Redis pushes that it changed (docs/sessions.md says
 * what that means for revocation).
 *
 * Configure the client to fail fast when Redis is down, so that requests get a 503 at once
 * instead of waiting in the client's offline queue:
 *
 * ```ts
 * // node-redis
 * import { createClient } from "redis";
 * const client = createClient({
 *   url: process.env.REDIS_URL,
 *   disableOfflineQueue: true,
 *   commandOptions: { timeout: 2_000 },
 * });
 * client.on("error", (err) => log.warn(err)); // an unhandled "error" event would crash
 * await client.connect();
 * const store = redisStore({ client });
 *
 * // ioredis (Cluster: new Cluster(nodes, { enableOfflineQueue: false, redisOptions: { … } }))
 * import { Redis } from "ioredis";
 * const client = new Redis(process.env.REDIS_URL, {
 *   enableOfflineQueue: false,
 *   maxRetriesPerRequest: 1,
 *   commandTimeout: 2_000,
 * });
 * const store = redisStore({ client, prefix: "myapp:sj:" });
 * ```
 *
 * Keys: a session lives at `<prefix>s:{<shard>}:<hash>`, its user's index (a sorted set of
 * store keys by createdAt, expiring with the user's last session) at
 * `<prefix>u:{<shardFor(userId)>}:<userId>`. The {@link SessionStore} rules put them in one
 * Redis Cluster slot: a user's keys have the user's shard, and `rename` keeps the shard. The
 * store refuses keys that break them with a `TypeError` (`create` of a user's session under a
 * key of another shard, `rename` to a key of another shard), on a single Redis too, so that a
 * mistake shows before it meets a cluster.
 *
 * Failures of the client become {@link StoreError} `ERR_STORE_UNAVAILABLE`, data under the
 * store's keys that is not a session `ERR_STORE_CORRUPT`, an out-of-memory Redis
 * `ERR_STORE_FULL`. Times are the application's clock; Redis's clock only drives the TTLs, so
 * keep both in sync (NTP). Read from masters only: a revoked session must not live on in a
 * replica. `close()` does nothing: the client is yours to close.
 */
export function redisStore(options: RedisStoreOptions): SessionStore {
  const prefix = options.prefix ?? "sj:";
  if (/[{}]/.test(prefix)) {
    throw new TypeError(
      `redisStore: prefix ${JSON.stringify(prefix)} contains { or }, which would change the Redis Cluster hash slot of every key`,
    );
  }
  const now = options.now ?? Date.now;
  const conn = connectRedis(
    options.client,
    () =>
      new TypeError(
        "redisStore: `client` must be a node-redis client or cluster (createClient, createCluster) or an ioredis Redis or Cluster",
      ),
  );

  const checkKey = (key: string): number => {
    if (typeof key !== "string" || !KEY.test(key)) {
      throw new TypeError(
        `redis store: ${JSON.stringify(key)} is not a store key (<shard>.<hash>, base64url)`,
      );
    }
    return key.indexOf(".");
  };
  const shardOf = (key: string): string => key.slice(0, checkKey(key));
  const sessionKey = (key: string): string => {
    const dot = checkKey(key);
    return `${prefix}s:{${key.slice(0, dot)}}:${key.slice(dot + 1)}`;
  };
  const indexKey = (userId: string): string => `${prefix}u:{${shardFor(userId)}}:${userId}`;

  // The client's failures become StoreErrors; ours (TypeError on a bad record) stay as they are.
  const guard = async <T>(op: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw err instanceof ClientFailure ? toStoreError(op, err) : err;
    }
  };
  const script = async (s: RedisScript, keys: string[], args: string[]): Promise<unknown> => {
    const tail = Buffer.byteLength(keys[0] as string) - Buffer.byteLength(prefix);
    return await conn.script(s, keys, [String(now()), String(tail), ...args]);
  };

  const corrupt = (where: string, why: string): StoreError =>
    new StoreError("ERR_STORE_CORRUPT", `redis store: the session at ${where} is corrupt: ${why}`);

  const need = (fields: Fields, f: string, where: string): string => {
    const v = fields[f];
    if (v === undefined) throw corrupt(where, `it has no ${f} field`);
    return v;
  };
  const number = (fields: Fields, f: string, where: string): number => {
    const n = Number(need(fields, f, where));
    if (!Number.isFinite(n)) throw corrupt(where, `${f} is not a number`);
    return n;
  };

  const decode = (fields: Fields, where: string): SessionRecord => {
    const data: Record<string, unknown> = {};
    for (const f in fields) {
      if (!f.startsWith(DATA)) continue;
      const k = f.slice(DATA.length);
      let value: unknown;
      try {
        value = JSON.parse(fields[f] as string);
      } catch {
        throw corrupt(where, `data key ${JSON.stringify(k)} is not JSON`);
      }
      // "__proto__" as a data key must stay data.
      if (k === "__proto__")
        Object.defineProperty(data, k, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else data[k] = value;
    }
    return {
      id: need(fields, F.id, where),
      userId: fields[F.user] ?? null,
      data,
      createdAt: number(fields, F.created, where),
      lastSeenAt: number(fields, F.seen, where),
      idleExpiresAt: number(fields, F.idle, where),
      absoluteExpiresAt: number(fields, F.absolute, where),
      elevatedAt: fields[F.elevated] === undefined ? null : number(fields, F.elevated, where),
      userAgent: fields[F.userAgent] ?? null,
    };
  };

  const list = (reply: unknown, op: string): unknown[] => {
    if (!Array.isArray(reply)) throw unexpected(`${typeof reply} for ${op}`);
    return reply;
  };

  /** Script replies of {member, fields}, one per session. */
  const entries = (reply: unknown, op: string): StoredSession[] =>
    list(reply, op).map((item) => {
      const [m, fields] = list(item, op);
      const key = str(m);
      const where = sessionKey(key);
      const decoded = fieldsOf(fields);
      if (decoded === null) throw corrupt(where, "it has no fields");
      return { key, record: decode(decoded, where) };
    });

  const create = async (
    key: string,
    record: SessionRecord,
    cap: number | undefined,
  ): Promise<SessionRecord[]> => {
    const sk = sessionKey(key);
    const fields = encodeRecord(record);
    const user = record.userId;
    const reply = await script(SCRIPTS.create, user === null ? [sk] : [sk, indexKey(user)], [
      key,
      String(expiry(record)),
      user ?? "",
      String(record.createdAt),
      String(record.absoluteExpiresAt),
      cap === undefined ? "-1" : String(cap),
      ...fields,
    ]);
    return entries(reply, "create").map((e) => e.record);
  };

  return {
    async get(key) {
      const sk = sessionKey(key);
      // The hot path: one command, and no wrapper promises around it.
      let reply: unknown;
      try {
        reply = await conn.hgetall(sk);
      } catch (err) {
        throw toStoreError("get", new ClientFailure(err));
      }
      const fields = fieldsOf(reply);
      if (fields === null) return null;
      const record = decode(fields, sk);
      // Redis's TTL may lag our clock by a little (clock skew, the millisecond of expiry).
      return expiry(record) > now() ? record : null;
    },

    async create(key, record, createOptions?: CreateOptions) {
      const cap = createOptions?.maxPerUser;
      if (cap !== undefined && (!Number.isInteger(cap) || cap < 1)) {
        throw new TypeError(`redis store: maxPerUser must be a whole number ≥ 1, not ${cap}`);
      }
      const shard = shardOf(key);
      if (record.userId !== null && shard !== shardFor(record.userId)) {
        throw new TypeError(
          `redis store: create: the key of a session with a user must have the shard shardFor(userId) (${JSON.stringify(shardFor(record.userId))}), not ${JSON.stringify(shard)}`,
        );
      }
      return guard("create", () => create(key, record, cap));
    },

    async update(key, patch) {
      const sk = sessionKey(key);
      return guard(
        "update",
        async () => (await script(SCRIPTS.update, [sk], encodePatch(patch))) === 1,
      );
    },

    async rename(oldKey, newKey, patch) {
      const from = shardOf(oldKey);
      const to = shardOf(newKey);
      if (from !== to) {
        throw new TypeError(
          `redis store: rename must keep the shard: ${JSON.stringify(newKey)} has shard ${JSON.stringify(to)}, ${JSON.stringify(oldKey)} has ${JSON.stringify(from)}`,
        );
      }
      const keys = [sessionKey(oldKey), sessionKey(newKey)];
      const args = [oldKey, newKey, ...encodePatch(patch)];
      return guard("rename", async () => (await script(SCRIPTS.rename, keys, args)) === 1);
    },

    async delete(key) {
      const sk = sessionKey(key);
      return guard("delete", async () => {
        const fields = fieldsOf(await script(SCRIPTS.delete, [sk], [key]));
        if (fields === null) return null;
        const record = decode(fields, sk);
        // Deleted either way; one past our clock's expiry is reported as absent, as get would.
        return expiry(record) > now() ? record : null;
      });
    },

    async listByUser(userId) {
      return guard("listByUser", async () =>
        entries(await script(SCRIPTS.list, [indexKey(userId)], [userId]), "listByUser"),
      );
    },

    async deleteByUser(userId, deleteOptions) {
      return guard("deleteByUser", async () => {
        const ik = indexKey(userId);
        const reply = await script(
          SCRIPTS.deleteByUser,
          [ik],
          [userId, deleteOptions?.exceptKey ?? ""],
        );
        return entries(reply, "deleteByUser").map((e) => e.record);
      });
    },

    async close() {
      // Nothing of ours is open; the client is the caller's.
    },
  };
}
