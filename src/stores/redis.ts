import type { KnownKeys } from "../lib/options.js";
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
import { checkStoreOptions } from "./options.js";
import {
  type CreateOptions,
  checkGrace,
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
// Layout. A session is a string at `<prefix>r:{<shard>}:<hash>`: one JSON object whose members
// are the meta fields (names starting with "$") and one member per data key (the key behind a
// "."), written one member per line: `{m1\n,m2\n,…\n}`. JSON.stringify never writes a raw line
// break, so a script can edit the record member by member (an update writes only what it names,
// atomically) without decoding JSON, and a read is one GET and one JSON.parse. A user's index is
// a sorted set at `<prefix>u:{<shardFor(userId)>}:<userId>`, members the store keys
// (`<shard>.<hash>`), scored by createdAt. A user's keys have the user's shard and a rename keeps
// the shard (the SessionStore rules, checked here), so a session, the key it is renamed to and
// its user's index share one Redis Cluster slot: every change is one script, which finds a
// user's index from the shard of any of the user's keys.
// ---------------------------------------------------------------------------------------------

/** The meta members' names. */
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
const DATA_CODE = 46; // "."

const KEY = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;
const ALIAS = 64; // "@": a key renamed with a grace window (see the rename script)

// ARGV[1] = now, ARGV[2] = the byte length of KEYS[1] after the store's prefix: what precedes it
// is the client's own key prefix (ioredis and node-redis `keyPrefix`) plus ours, so that keys the
// script derives from index members get the same prefix as the keys the client sent.
const PRELUDE = `${luaPrelude("a session")}local function shard(m) return string.match(m, '^([^.]+)%.') end
local function skey(m)
  local s, h = string.match(m, '^([^.]+)%.(.+)$')
  return BASE .. 'r:{' .. s .. '}:' .. h
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
-- A record is '{"$id":…\\n,<name>:<value>\\n,…\\n}', names as JSON strings. No JSON value holds a
-- raw line break, so '\\n,' .. name .. ':' can only be the start of that name's member: the
-- scripts read and change members by plain search, without decoding JSON. '$id', the first
-- member, is never searched for or changed.
local function record(t)
  if string.sub(t, 1, 7) ~= '{"$id":' or string.sub(t, -2) ~= '\\n}' then
    bad('a session is not a record')
  end
  return t
end
-- The JSON value of the member named n, or nil.
local function field(t, n)
  local p = '\\n,' .. n .. ':'
  local i = string.find(t, p, 1, true)
  if i == nil then return nil end
  local from = i + #p
  return string.sub(t, from, string.find(t, '\\n', from, true) - 1)
end
-- The user of a record, or nil.
local function owner(t)
  local u = field(t, '"$user"')
  if u == nil then return nil end
  -- Most user ids need no unescaping.
  if string.find(u, '^"[^"\\\\]*"$') then return string.sub(u, 2, -2) end
  local ok, s = pcall(cjson.decode, u)
  if not ok or type(s) ~= 'string' then bad('a session has no valid user') end
  return s
end
-- A key renamed with a grace window holds '@<until>:<new key>' (see rename): only get() in
-- JavaScript follows it; for the scripts it is no session.
local function alias(t) return string.byte(t, 1) == 64 end
local function get(k)
  local t = redis.call('GET', k)
  if not t or alias(t) then return nil end
  return record(t)
end
local function take(k)
  local t = redis.pcall('GET', k)
  -- A renamed key stays until its window ends: deleting through it deletes nothing.
  if type(t) == 'string' and alias(t) then return false end
  redis.call('DEL', k)
  -- A value of another type is gone too, and reported as what it is.
  if type(t) == 'table' then bad('a session is not a string') end
  return t
end
local function expires(t)
  return math.min(num(field(t, '"$idle"'), 'idle expiry'), num(field(t, '"$abs"'), 'absolute expiry'))
end
-- The record and absolute expiry of the live session at sk; nil when there is none.
local function live(sk)
  local t = get(sk)
  if t == nil then return nil end
  local abs = num(field(t, '"$abs"'), 'absolute expiry')
  if math.min(num(field(t, '"$idle"'), 'idle expiry'), abs) <= NOW then return nil end
  return t, abs
end
-- Applies the patch at ARGV[i] to the record t and stores it at sk: n, then n names to remove,
-- then name/value pairs to set (names as JSON strings, values as JSON); and moves the session's
-- expiry to its (possibly new) idle expiry, capped by the absolute one. The members it names are
-- cut out and those it sets added at the end in one pass: every long string Lua makes costs
-- about as much as a small Redis command.
local function apply(sk, t, i, abs)
  local n = tonumber(ARGV[i])
  local starts, ends = {}, {}
  for j = i + 1, #ARGV do
    if j <= i + n or (j - i - n) % 2 == 1 then
      local p = '\\n,' .. ARGV[j] .. ':'
      local s = string.find(t, p, 1, true)
      while s ~= nil do
        local e = string.find(t, '\\n', s + #p, true)
        starts[#starts + 1] = s
        ends[s] = e
        s = string.find(t, p, e, true)
      end
    end
  end
  table.sort(starts)
  local out, from = {}, 1
  for _, s in ipairs(starts) do
    -- A name given twice is cut once.
    if s >= from then
      out[#out + 1] = string.sub(t, from, s - 1)
      from = ends[s]
    end
  end
  out[#out + 1] = string.sub(t, from, -3)
  local idle = nil
  for j = i + n + 1, #ARGV, 2 do
    out[#out + 1] = '\\n,' .. ARGV[j] .. ':' .. ARGV[j + 1]
    if ARGV[j] == '"$idle"' then idle = ARGV[j + 1] end
  end
  out[#out + 1] = '\\n}'
  redis.call('SET', sk, table.concat(out))
  at(sk, math.min(num(idle or field(t, '"$idle"'), 'idle expiry'), abs))
end
-- What the index member at k is for the user: 'live', 'expired', or 'stale' (gone by TTL, or
-- another user's). Raises for a value that is not a record.
local function judge(k, user)
  local t = get(k)
  if t == nil or owner(t) ~= user then return 'stale' end
  if expires(t) <= NOW then return 'expired' end
  return 'live'
end
-- The index's live members, oldest first, after pruning the others. A value that is no record
-- (written by something else, or of another type) can never load: it goes with the expired,
-- rather than failing every sign-in, listing and "log out all devices" of its user.
local function scan(ik, user)
  local out = {}
  for _, m in ipairs(redis.call('ZRANGE', ik, 0, -1)) do
    if shard(m) == nil then
      redis.call('ZREM', ik, m)
    else
      local k = skey(m)
      local readable, state = pcall(judge, k, user)
      if readable and state == 'live' then
        out[#out + 1] = m
      else
        if not readable or state == 'expired' then redis.call('DEL', k) end
        redis.call('ZREM', ik, m)
      end
    end
  end
  return out
end
`;

// A script that adds data writes with SET first: Redis checks maxmemory at a script's first
// write only (a DEL passes it), and lets every later write of that script through, so a DEL
// first would let a full Redis grow.
const LUA = {
  // KEYS: session[, its user's index]. ARGV: 3 member, 4 expiry, 5 user, 6 createdAt,
  // 7 absolute expiry, 8 cap (-1: none), 9 the record. Returns {member, record} for each
  // session the cap removed, oldest first.
  create: `
local sk, ik = KEYS[1], KEYS[2]
local exp = tonumber(ARGV[4])
if exp <= NOW then
  redis.call('DEL', sk)
  return {}
end
redis.call('SET', sk, ARGV[9])
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
local t, abs = live(KEYS[1])
if not t then return 0 end
apply(KEYS[1], t, 3, abs)
return 1
`,
  // KEYS: old session, new session (same shard). ARGV: 3 old member, 4 new member, 5 until
  // when get() may follow the old key to the new one (0: not at all), 6.. the patch. Returns 1,
  // or 0 when there is no live session.
  rename: `
local from, to, om, nm = KEYS[1], KEYS[2], ARGV[3], ARGV[4]
local t, abs = live(from)
if not t then return 0 end
apply(to, t, 6, abs)
if from ~= to then
  local keep = tonumber(ARGV[5])
  if keep > NOW then
    redis.call('SET', from, '@' .. ARGV[5] .. ':' .. nm)
    at(from, keep)
  else
    redis.call('DEL', from)
  end
end
local user = owner(t)
if user then
  local ik = ikey(user, om)
  redis.call('ZREM', ik, om)
  redis.call('ZADD', ik, num(field(t, '"$created"'), 'createdAt'), nm)
  extend(ik, abs)
end
return 1
`,
  // KEYS: session. ARGV: 3 member. Returns the record it removed, or false when absent.
  delete: `
local sk, m = KEYS[1], ARGV[3]
local t = take(sk)
if not t then return false end
local user = owner(record(t))
if user then redis.call('ZREM', ikey(user, m), m) end
return t
`,
  // KEYS: index. ARGV: 3 user. Returns {member, record} per live session, oldest first.
  list: `
local out = {}
for _, m in ipairs(scan(KEYS[1], ARGV[3])) do out[#out + 1] = {m, redis.call('GET', skey(m))} end
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

/** A JSON member `"name":value`, one line of a record. */
function member(name: string, valueJson: string): string {
  return `${JSON.stringify(name)}:${valueJson}`;
}

/** A record's text: its members one per line, so that the scripts can edit it by line. */
function encodeRecord(record: SessionRecord): string {
  if (typeof record.id !== "string") throw new TypeError("redis store: record.id must be a string");
  const out = [
    member(F.id, JSON.stringify(record.id)),
    member(F.created, finite("createdAt", record.createdAt)),
    member(F.seen, finite("lastSeenAt", record.lastSeenAt)),
    member(F.idle, finite("idleExpiresAt", record.idleExpiresAt)),
    member(F.absolute, finite("absoluteExpiresAt", record.absoluteExpiresAt)),
  ];
  if (record.userId !== null) out.push(member(F.user, JSON.stringify(record.userId)));
  if (record.elevatedAt !== null) {
    out.push(member(F.elevated, finite("elevatedAt", record.elevatedAt)));
  }
  if (record.userAgent !== null) out.push(member(F.userAgent, JSON.stringify(record.userAgent)));
  for (const [k, v] of Object.entries(record.data)) {
    const text = json(v);
    if (text !== undefined) out.push(member(DATA + k, text));
  }
  return `{${out.join("\n,")}\n}`;
}

/**
 * A patch as script arguments: how many members to remove, their names, then name/value pairs
 * (names as JSON strings, values as JSON).
 */
function encodePatch(patch: SessionPatch = {}): string[] {
  const del: string[] = [];
  const set: string[] = [];
  const unset = new Set(patch.unset ?? []);
  const name = (n: string): string => JSON.stringify(n);
  for (const [k, v] of Object.entries(patch.set ?? {})) {
    if (unset.has(k)) continue; // unset wins, as in the memory store
    const text = json(v);
    if (text === undefined) del.push(name(DATA + k));
    else set.push(name(DATA + k), text);
  }
  for (const k of unset) del.push(name(DATA + k));
  if (patch.lastSeenAt !== undefined) {
    set.push(name(F.seen), finite("lastSeenAt", patch.lastSeenAt));
  }
  if (patch.idleExpiresAt !== undefined) {
    set.push(name(F.idle), finite("idleExpiresAt", patch.idleExpiresAt));
  }
  if (patch.elevatedAt === null) del.push(name(F.elevated));
  else if (patch.elevatedAt !== undefined) {
    set.push(name(F.elevated), finite("elevatedAt", patch.elevatedAt));
  }
  return [String(del.length), ...del, ...set];
}

function expiry(r: SessionRecord): number {
  return Math.min(r.idleExpiresAt, r.absoluteExpiresAt);
}

// ---------------------------------------------------------------------------------------------

/**
 * The Redis key of a session: the shard in a hash tag, so that all of one user's keys share a
 * Redis Cluster slot, then the token's hash. `dot` is where the store key's shard ends.
 */
export function redisSessionKey(prefix: string, key: string, dot = key.indexOf(".")): string {
  return `${prefix}r:{${key.slice(0, dot)}}:${key.slice(dot + 1)}`;
}

/** The Redis key of a user's index of session keys, in the same slot as the user's sessions. */
export function redisIndexKey(prefix: string, userId: string): string {
  return `${prefix}u:{${shardFor(userId)}}:${userId}`;
}

/**
 * A {@link SessionStore} on Redis or Redis Cluster, through your own client: node-redis
 * (`createClient`, `createCluster`) or ioredis (`Redis`, `Cluster`). Sessions expire by Redis
 * TTLs (PEXPIREAT at the earlier of the idle and absolute expiry); every change is one Lua
 * script, so it is atomic, including the per-user index and the `maxPerUser` cap. `get` is one
 * GET of one JSON string, decoded by one `JSON.parse`; updates still write only the data keys
 * they name, member by member, inside the script. Needs Redis 5.0 or later (tested on 7.0). With a node-redis client that has its
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
 *   // From node-redis 6.4, `rejectInFlight: true` here also times out a command already sent.
 *   commandOptions: { timeout: 2_000 },
 * });
 * client.on("error", (err) => log.warn(err)); // an unhandled "error" event would crash
 * // Not awaited: the server starts while Redis is down, and its session requests get 503 until
 * // Redis is up; awaited, a Redis that is down holds the whole start-up.
 * client.connect().catch(() => {});
 * const store = redisStore({ client });
 *
 * // ioredis (Cluster: new Cluster(nodes, { enableOfflineQueue: false, redisOptions: { … } }))
 * import { Redis } from "ioredis";
 * const client = new Redis(process.env.REDIS_URL as string, {
 *   enableOfflineQueue: false,
 *   maxRetriesPerRequest: 1,
 *   commandTimeout: 2_000, // covers commands already sent, too
 * });
 * client.on("error", (err) => log.warn(err));
 * // Requests before "ready" get 503 ("Stream isn't writeable"): wait for it before listening.
 * await new Promise((resolve) => client.once("ready", resolve));
 * const store = redisStore({ client, prefix: "myapp:sj:" });
 * ```
 *
 * Keys: a session lives at `<prefix>r:{<shard>}:<hash>` (the hashes that earlier builds kept at
 * `<prefix>s:…` are not read, and end by their TTL), its user's index (a sorted set of
 * store keys by createdAt, expiring at the latest absolute expiry among the user's sessions, so
 * it may outlive sessions that idled out; the next sign-in, list or revocation prunes it) at
 * `<prefix>u:{<shardFor(userId)>}:<userId>`. The {@link SessionStore} rules put them in one
 * Redis Cluster slot: a user's keys have the user's shard, and `rename` keeps the shard. The
 * store refuses keys that break them with a `TypeError` (`create` of a user's session under a
 * key of another shard, `rename` to a key of another shard), on a single Redis too, so that a
 * mistake shows before it meets a cluster.
 *
 * Failures of the client become {@link StoreError} `ERR_STORE_UNAVAILABLE`, data under the
 * store's keys that is not a session `ERR_STORE_CORRUPT`, an out-of-memory Redis
 * `ERR_STORE_FULL`. Times are the application's clock; Redis's clock only drives the TTLs, so
 * keep both in sync (NTP). Reads go to masters only (an ioredis Cluster with `scaleReads` other
 * than "master" is refused): a revoked session must not live on in a replica. `close()` does nothing: the client is yours to close.
 */
export function redisStore(options: RedisStoreOptions): SessionStore {
  checkStoreOptions(
    "redisStore",
    options,
    Object.keys({ client: true, prefix: true, now: true } satisfies KnownKeys<RedisStoreOptions>),
    "redisStore({ client })",
  );
  const prefix = options.prefix ?? "sj:";
  const optionsError = (message: string): StoreError =>
    new StoreError("ERR_STORE_OPTIONS_INVALID", message);
  if (/[{}]/.test(prefix)) {
    throw optionsError(
      `redisStore: prefix ${JSON.stringify(prefix)} contains { or }, which would change the Redis Cluster hash slot of every key`,
    );
  }
  const now = options.now ?? Date.now;
  const conn = connectRedis("redisStore", options.client, optionsError);

  const checkKey = (key: string): number => {
    if (typeof key !== "string" || !KEY.test(key)) {
      throw new TypeError(
        `redis store: ${JSON.stringify(key)} is not a store key (<shard>.<hash>, base64url)`,
      );
    }
    return key.indexOf(".");
  };
  const shardOf = (key: string): string => key.slice(0, checkKey(key));
  const sessionKey = (key: string): string => redisSessionKey(prefix, key, checkKey(key));
  const indexKey = (userId: string): string => redisIndexKey(prefix, userId);

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

  type Members = Record<string, unknown>;
  const text = (m: Members, f: string, where: string): string => {
    const v = m[f];
    if (typeof v !== "string") throw corrupt(where, `it has no ${f} string`);
    return v;
  };
  const optionalText = (m: Members, f: string, where: string): string | null =>
    m[f] === undefined ? null : text(m, f, where);
  const number = (m: Members, f: string, where: string): number => {
    const v = m[f];
    if (typeof v !== "number" || !Number.isFinite(v)) throw corrupt(where, `${f} is not a number`);
    return v;
  };

  const decode = (reply: unknown, where: string): SessionRecord => {
    let m: unknown;
    try {
      m = JSON.parse(str(reply));
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw corrupt(where, "it is not JSON");
    }
    if (typeof m !== "object" || m === null || Array.isArray(m)) {
      throw corrupt(where, "it is not a record");
    }
    const members = m as Members;
    const data: Record<string, unknown> = {};
    for (const f in members) {
      if (f.charCodeAt(0) !== DATA_CODE) continue;
      const k = f.slice(1);
      // "__proto__" as a data key must stay data.
      if (k === "__proto__")
        Object.defineProperty(data, k, {
          value: members[f],
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else data[k] = members[f];
    }
    return {
      id: text(members, F.id, where),
      userId: optionalText(members, F.user, where),
      data,
      createdAt: number(members, F.created, where),
      lastSeenAt: number(members, F.seen, where),
      idleExpiresAt: number(members, F.idle, where),
      absoluteExpiresAt: number(members, F.absolute, where),
      elevatedAt: members[F.elevated] === undefined ? null : number(members, F.elevated, where),
      userAgent: optionalText(members, F.userAgent, where),
    };
  };

  const list = (reply: unknown, op: string): unknown[] => {
    if (!Array.isArray(reply)) throw unexpected(`${typeof reply} for ${op}`);
    return reply;
  };

  /** Script replies of {member, record}, one per session. */
  const entries = (reply: unknown, op: string): StoredSession[] =>
    list(reply, op).map((item) => {
      const [m, record] = list(item, op);
      const key = str(m);
      return { key, record: decode(record, sessionKey(key)) };
    });

  /**
   * The live record an old key renamed with a grace window leads to, within the window: one
   * more GET, only in the seconds after a periodic rotation. One step only (an alias to an alias
   * leads nowhere), as the SessionStore contract says.
   */
  const followAlias = async (text: string, sk: string): Promise<SessionRecord | null> => {
    const colon = text.indexOf(":");
    const until = Number(text.slice(1, colon));
    const to = text.slice(colon + 1);
    if (colon < 0 || !Number.isFinite(until) || !KEY.test(to)) {
      throw corrupt(sk, "it is neither a record nor a renamed key");
    }
    if (until <= now()) return null;
    const target = sessionKey(to);
    let reply: unknown;
    try {
      reply = await conn.get(target);
    } catch (err) {
      throw toStoreError("get", new ClientFailure(err));
    }
    if (reply === null || reply === undefined) return null;
    const next = str(reply);
    return next.charCodeAt(0) === ALIAS ? null : liveRecord(next, target);
  };
  /** The record in `text`, or null once our clock has passed its expiry. */
  const liveRecord = (text: string, where: string): SessionRecord | null => {
    const record = decode(text, where);
    // Redis's TTL may lag our clock by a little (clock skew, the millisecond of expiry).
    return expiry(record) > now() ? record : null;
  };

  const create = async (
    key: string,
    record: SessionRecord,
    cap: number | undefined,
  ): Promise<SessionRecord[]> => {
    const sk = sessionKey(key);
    const text = encodeRecord(record);
    const user = record.userId;
    const reply = await script(SCRIPTS.create, user === null ? [sk] : [sk, indexKey(user)], [
      key,
      String(expiry(record)),
      user ?? "",
      String(record.createdAt),
      String(record.absoluteExpiresAt),
      cap === undefined ? "-1" : String(cap),
      text,
    ]);
    return entries(reply, "create").map((e) => e.record);
  };

  return {
    renameGrace: true,

    async get(key) {
      const sk = sessionKey(key);
      // The hot path: one command, and no wrapper promises around it.
      let reply: unknown;
      try {
        reply = await conn.get(sk);
      } catch (err) {
        throw toStoreError("get", new ClientFailure(err));
      }
      if (reply === null || reply === undefined) return null;
      const text = str(reply);
      return text.charCodeAt(0) === ALIAS ? followAlias(text, sk) : liveRecord(text, sk);
    },

    async create(key, record, createOptions?: CreateOptions) {
      const cap = createOptions?.maxPerUser;
      if (cap !== undefined && (!Number.isInteger(cap) || cap < 1)) {
        throw new TypeError(`redis store: maxPerUser must be a whole number ≥ 1, not ${cap}`);
      }
      const shard = shardOf(key);
      if (record.userId !== null && /\p{Cs}/u.test(record.userId)) {
        throw new TypeError(
          "redis store: create: the user id has a lone surrogate, which has no UTF-8 form: Redis would keep another user id",
        );
      }
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

    async rename(oldKey, newKey, patch, renameOptions) {
      const graceMs = checkGrace("redis store", renameOptions);
      const from = shardOf(oldKey);
      const to = shardOf(newKey);
      if (from !== to) {
        throw new TypeError(
          `redis store: rename must keep the shard: ${JSON.stringify(newKey)} has shard ${JSON.stringify(to)}, ${JSON.stringify(oldKey)} has ${JSON.stringify(from)}`,
        );
      }
      const keys = [sessionKey(oldKey), sessionKey(newKey)];
      const until = graceMs > 0 ? String(now() + graceMs) : "0";
      const args = [oldKey, newKey, until, ...encodePatch(patch)];
      return guard("rename", async () => (await script(SCRIPTS.rename, keys, args)) === 1);
    },

    async delete(key) {
      const sk = sessionKey(key);
      return guard("delete", async () => {
        const reply = await script(SCRIPTS.delete, [sk], [key]);
        // A script's false (nothing there) arrives as null.
        if (reply === null || reply === undefined) return null;
        const record = decode(reply, sk);
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
