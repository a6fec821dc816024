import { randomBytes } from "node:crypto";
import { Emitter, type Listener } from "../lib/emitter.js";
import { luaPrelude, redisCommands, redisScript, replyString } from "../lib/redis-client.js";
import { isWellFormedToken, newToken, shardFor, storeKey } from "../session/tokens.js";
import { StoreError } from "../stores/types.js";
import { TransportError } from "./errors.js";
import type { JwtCodec } from "./jwt.js";
import type { RedisTokenStoreOptions, RevocationStore } from "./revocation.js";

// ---------------------------------------------------------------------------------------------
// The store.
// ---------------------------------------------------------------------------------------------

/**
 * A family: every refresh token that descends, rotation after rotation, from one sign-in. When
 * one of its tokens is used twice, the whole family is revoked (RFC 9700 4.14.2: the legitimate
 * client and the thief hold tokens of the same family, and the server cannot tell which is
 * which).
 */
export interface RefreshFamily {
  /** `<shard>.<128 random bits>`: the user's shard, so a Redis Cluster keeps it with its tokens. */
  readonly id: string;
  readonly userId: string;
  /** The sign-in, in milliseconds since the epoch. */
  readonly createdAt: number;
  /** The hard cap: no token of the family lives past it, however often it is rotated. */
  readonly expiresAt: number;
  /** When the family was revoked, or null while it lives. */
  readonly revokedAt: number | null;
  /** Extra claims of the access tokens issued for this family (JSON). */
  readonly claims: Readonly<Record<string, unknown>>;
}

/** Why a refresh token did not rotate. */
export type RefreshFailure =
  /** Not a refresh token at all (its shape); no store was asked. */
  | "malformed"
  /** No such token: never issued, or gone after its expiry. */
  | "unknown"
  /** The token or its family is past its expiry. */
  | "expired"
  /** Its family was revoked: sign-out, log-out-everywhere, or an earlier reuse. */
  | "revoked"
  /** The token was used before: its family is revoked now. */
  | "reused";

/** What {@link RefreshStore.rotate} reports. */
export type RefreshRotateOutcome =
  | {
      readonly ok: true;
      readonly family: RefreshFamily;
      /** When the new token expires. */
      readonly expiresAt: number;
    }
  | {
      readonly ok: false;
      readonly reason: "reused";
      /** The family, when the token named one that still exists. */
      readonly family: RefreshFamily | null;
      /**
       * Whether this call revoked the family (false: an earlier reuse, a sign-out or a
       * concurrent call did), so that a burst of replays reports one revocation, not one each.
       */
      readonly changed: boolean;
    }
  | {
      readonly ok: false;
      readonly reason: Exclude<RefreshFailure, "malformed" | "reused">;
      /** The family, when the token named one that still exists. */
      readonly family: RefreshFamily | null;
    };

/**
 * Where refresh tokens live: only their SHA-256 (the store key `<shard>.<hash>` of
 * `sessionjar/session`'s tokens), never the tokens, grouped in families. Every method is one
 * atomic step. Times are milliseconds since the epoch, from the caller's clock.
 *
 * A family's id and all its token keys have the same shard (`shardFor(userId)`), so a
 * partitioned store can keep a family in one place; a store may refuse keys that break this with
 * a `TypeError`. A store that is down throws {@link StoreError} `ERR_STORE_UNAVAILABLE`.
 */
export interface RefreshStore {
  /** Stores a new family with its first token (expiring at `tokenExpiresAt`). */
  create(family: RefreshFamily, tokenKey: string, tokenExpiresAt: number): Promise<void>;
  /**
   * Uses `tokenKey` once, atomically: if it is a live, unused token of a live family, marks it
   * used (keeping it until its expiry, to recognise a reuse) and stores `nextKey` in the same
   * family, expiring at `min(now + ttlMs, family.expiresAt)`. If it was used before, revokes the
   * family (if it is not revoked yet) and reports `reused`, every time. Checks run in this order:
   * `unknown`, `expired` (token or family), `reused`, `revoked`. Of any number of concurrent
   * calls with one token, exactly one succeeds and the others are `reused`.
   */
  rotate(
    tokenKey: string,
    nextKey: string,
    options: { readonly now: number; readonly ttlMs: number },
  ): Promise<RefreshRotateOutcome>;
  /**
   * The family of `tokenKey` when `rotate` would use it now (a live, unused token of a live
   * family), changing nothing; else null. Read before `rotate`, so that a refresh that cannot
   * issue an access token from the family's claims fails without spending the token.
   */
  peek(tokenKey: string, now: number): Promise<RefreshFamily | null>;
  /**
   * Slides the idle expiry of a live family: its latest token (the one `create` or the last
   * `rotate` stored), if unused and unexpired, then expires no sooner than `idleExpiresAt`
   * (capped by the family's expiry). A session kept alive by its access tokens alone thus keeps
   * its refresh token alive too. True when the family is live (extended or not), false, writing
   * nothing, when it is gone, expired or revoked.
   */
  touch(familyId: string, idleExpiresAt: number, now: number): Promise<boolean>;
  /** Revokes the family of `tokenKey`. Null when there is no such token or family. */
  revoke(tokenKey: string, now: number): Promise<RevokeOutcome | null>;
  /** Revokes a family by id. Null when there is no such family. */
  revokeFamily(familyId: string, now: number): Promise<RevokeOutcome | null>;
  /**
   * Replaces the claims of a live family (a session whose data changed), so that the access
   * tokens of its next rotations carry them. False, writing nothing, when the family is gone,
   * expired or revoked.
   */
  setClaims(
    familyId: string,
    claims: Readonly<Record<string, unknown>>,
    now: number,
  ): Promise<boolean>;
}

/** A revoked family, and whether this call revoked it (false: it was revoked already). */
export interface RevokeOutcome {
  readonly family: RefreshFamily;
  readonly changed: boolean;
}

const TOKEN_KEY = /^([A-Za-z0-9_-]{4})\.([A-Za-z0-9_-]{43})$/;
const FAMILY_ID = /^([A-Za-z0-9_-]{4})\.([A-Za-z0-9_-]{22})$/;

function parse(re: RegExp, what: string, v: unknown): { shard: string; rest: string } {
  const m = typeof v === "string" ? re.exec(v) : null;
  if (m === null) throw new TypeError(`refresh store: ${JSON.stringify(v)} is not a ${what}`);
  return { shard: m[1] as string, rest: m[2] as string };
}

function sameShard(a: string, b: string, what: string): void {
  if (a !== b) {
    throw new TypeError(
      `refresh store: ${what} must have the shard of its family (${a}), not ${b}`,
    );
  }
}

function checkFamily(family: RefreshFamily): void {
  const { shard } = parse(FAMILY_ID, "family id", family.id);
  if (typeof family.userId !== "string" || family.userId === "") {
    throw new TypeError("refresh store: family.userId must be a non-empty string");
  }
  sameShard(shardFor(family.userId), shard, "a family id");
  for (const t of ["createdAt", "expiresAt"] as const) {
    if (!Number.isSafeInteger(family[t])) {
      throw new TypeError(`refresh store: family.${t} must be whole milliseconds`);
    }
  }
}

function checkTime(what: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) {
    throw new TypeError(`refresh store: ${what} must be whole milliseconds`);
  }
  return v;
}

/** Options of {@link memoryRefreshStore}. */
export interface MemoryRefreshStoreOptions {
  /** The clock used to sweep expired entries (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * A {@link RefreshStore} in this process's memory: for tests and a single process. Each call
 * runs to its end before another starts, so `rotate` is atomic. Expired entries are swept as it
 * goes.
 */
export function memoryRefreshStore(options: MemoryRefreshStoreOptions = {}): RefreshStore {
  const clock = options.now ?? Date.now;
  interface Token {
    readonly familyId: string;
    expiresAt: number;
    usedAt: number | null;
  }
  const tokens = new Map<string, Token>();
  const families = new Map<string, RefreshFamily>();
  /** The key of each family's latest token, which `touch` extends. */
  const latest = new Map<string, string>();
  let writes = 0;
  const sweep = (): void => {
    if (++writes % 1024 !== 0) return;
    const t = clock();
    for (const [k, v] of tokens) if (v.expiresAt <= t) tokens.delete(k);
    for (const [k, v] of families) {
      if (v.expiresAt > t) continue;
      families.delete(k);
      latest.delete(k);
    }
  };
  const revokeIn = (family: RefreshFamily, now: number): RevokeOutcome => {
    if (family.revokedAt !== null) return { family, changed: false };
    const revoked = { ...family, revokedAt: now };
    families.set(family.id, revoked);
    return { family: revoked, changed: true };
  };

  return {
    async create(family, tokenKey, tokenExpiresAt) {
      checkFamily(family);
      sameShard(
        parse(FAMILY_ID, "family id", family.id).shard,
        parse(TOKEN_KEY, "token key", tokenKey).shard,
        "a token key",
      );
      checkTime("tokenExpiresAt", tokenExpiresAt);
      families.set(family.id, { ...family, claims: structuredClone(family.claims) });
      tokens.set(tokenKey, {
        familyId: family.id,
        expiresAt: Math.min(tokenExpiresAt, family.expiresAt),
        usedAt: null,
      });
      latest.set(family.id, tokenKey);
      sweep();
    },

    async rotate(tokenKey, nextKey, { now, ttlMs }) {
      const from = parse(TOKEN_KEY, "token key", tokenKey).shard;
      sameShard(from, parse(TOKEN_KEY, "token key", nextKey).shard, "the next token key");
      checkTime("now", now);
      checkTime("ttlMs", ttlMs);
      const token = tokens.get(tokenKey);
      if (token === undefined) return { ok: false, reason: "unknown", family: null };
      const family = families.get(token.familyId);
      if (family === undefined) return { ok: false, reason: "revoked", family: null };
      if (token.expiresAt <= now || family.expiresAt <= now) {
        return { ok: false, reason: "expired", family };
      }
      if (token.usedAt !== null) {
        const r = revokeIn(family, now);
        return { ok: false, reason: "reused", family: r.family, changed: r.changed };
      }
      if (family.revokedAt !== null) return { ok: false, reason: "revoked", family };
      token.usedAt = now;
      const expiresAt = Math.min(now + ttlMs, family.expiresAt);
      tokens.set(nextKey, { familyId: family.id, expiresAt, usedAt: null });
      latest.set(family.id, nextKey);
      sweep();
      return { ok: true, family, expiresAt };
    },

    async peek(tokenKey, now) {
      parse(TOKEN_KEY, "token key", tokenKey);
      checkTime("now", now);
      const token = tokens.get(tokenKey);
      if (token === undefined || token.usedAt !== null || token.expiresAt <= now) return null;
      const family = families.get(token.familyId);
      if (family === undefined || family.revokedAt !== null || family.expiresAt <= now) {
        return null;
      }
      return { ...family, claims: structuredClone(family.claims) };
    },

    async touch(familyId, idleExpiresAt, now) {
      parse(FAMILY_ID, "family id", familyId);
      checkTime("idleExpiresAt", idleExpiresAt);
      checkTime("now", now);
      const family = families.get(familyId);
      if (family === undefined || family.revokedAt !== null || family.expiresAt <= now) {
        return false;
      }
      const token = tokens.get(latest.get(familyId) ?? "");
      if (token !== undefined && token.usedAt === null && token.expiresAt > now) {
        token.expiresAt = Math.max(token.expiresAt, Math.min(idleExpiresAt, family.expiresAt));
      }
      return true;
    },

    async revoke(tokenKey, now) {
      parse(TOKEN_KEY, "token key", tokenKey);
      checkTime("now", now);
      const token = tokens.get(tokenKey);
      const family = token === undefined ? undefined : families.get(token.familyId);
      return family === undefined ? null : revokeIn(family, now);
    },

    async revokeFamily(familyId, now) {
      parse(FAMILY_ID, "family id", familyId);
      checkTime("now", now);
      const family = families.get(familyId);
      return family === undefined ? null : revokeIn(family, now);
    },

    async setClaims(familyId, claims, now) {
      parse(FAMILY_ID, "family id", familyId);
      checkTime("now", now);
      const family = families.get(familyId);
      if (family === undefined || family.revokedAt !== null || family.expiresAt <= now)
        return false;
      families.set(familyId, { ...family, claims: structuredClone(claims) });
      return true;
    },
  };
}

// --- Redis -----------------------------------------------------------------------------------

const LABEL = "redis refresh store";

// Every script: KEYS[1] is a key of the store; ARGV[1] now, ARGV[2] the byte length of KEYS[1]
// after the store's prefix. What precedes it is the client's own key prefix (ioredis) plus ours,
// so the family key a script derives from a token's `fam` field gets the same prefix.
const PRELUDE = `${luaPrelude("a refresh entry")}local function fkey(fam)
  local s, r = string.match(fam, '^([^.]+)%.(.+)$')
  if not s then bad('a refresh token names no valid family') end
  return BASE .. 'rf:{' .. s .. '}:' .. r
end
-- The family at fk as {id, user, created, exp, revoked or '', claims}, or nil.
local function family(fam, fk)
  local f = redis.call('HMGET', fk, 'user', 'created', 'exp', 'revoked', 'claims')
  if not f[1] then return nil end
  num(f[2], 'createdAt')
  num(f[3], 'expiry')
  return {fam, f[1], f[2], f[3], f[4] or '', f[5] or '{}'}
end
local function revoke(fk, f)
  if f[5] ~= '' then return 0 end
  redis.call('HSET', fk, 'revoked', ARGV[1])
  f[5] = ARGV[1]
  return 1
end
`;

const SCRIPTS = {
  // KEYS: token, family. ARGV: 3 token expiry, 4 family id, 5 user, 6 createdAt, 7 family
  // expiry, 8 claims (JSON), 9 the token's hash (the family's latest token, for touch).
  create: redisScript(
    "refresh: create",
    `${PRELUDE}
-- HSET first, then HDEL of the fields it does not set, rather than DEL then HSET: Redis checks
-- maxmemory at a script's first write only, and a DEL passes that check.
redis.call('HSET', KEYS[2], 'user', ARGV[5], 'created', ARGV[6], 'exp', ARGV[7], 'claims', ARGV[8], 'latest', ARGV[9])
redis.call('HDEL', KEYS[2], 'revoked')
redis.call('PEXPIREAT', KEYS[2], ARGV[7])
redis.call('HSET', KEYS[1], 'fam', ARGV[4], 'exp', ARGV[3])
redis.call('HDEL', KEYS[1], 'used')
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1
`,
  ),
  // KEYS: token, next token. ARGV: 3 TTL of the next token in ms, 4 the next token's hash.
  // Returns {outcome, family or {}, next expiry or '', 1 when a reuse revoked the family}.
  rotate: redisScript(
    "refresh: rotate",
    `${PRELUDE}
local t = redis.call('HMGET', KEYS[1], 'fam', 'exp', 'used')
if not t[1] then return {'unknown', {}, ''} end
local fk = fkey(t[1])
local f = family(t[1], fk)
if not f then return {'revoked', {}, ''} end
if num(t[2], 'expiry') <= NOW or tonumber(f[4]) <= NOW then return {'expired', f, ''} end
if t[3] then
  return {'reused', f, '', revoke(fk, f)}
end
if f[5] ~= '' then return {'revoked', f, ''} end
redis.call('HSET', KEYS[1], 'used', ARGV[1])
local exp = string.format('%.0f', math.min(NOW + tonumber(ARGV[3]), tonumber(f[4])))
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'fam', t[1], 'exp', exp)
redis.call('PEXPIREAT', KEYS[2], exp)
redis.call('HSET', fk, 'latest', ARGV[4])
return {'ok', f, exp}
`,
  ),
  // KEYS: token. Returns the family of a live, unused token of a live family, else {}. Writes
  // nothing.
  peek: redisScript(
    "refresh: peek",
    `${PRELUDE}
local t = redis.call('HMGET', KEYS[1], 'fam', 'exp', 'used')
if not t[1] or t[3] or num(t[2], 'expiry') <= NOW then return {} end
local f = family(t[1], fkey(t[1]))
if not f or f[5] ~= '' or tonumber(f[4]) <= NOW then return {} end
return f
`,
  ),
  // KEYS: token. Returns {changed, family} or {} when there is no such token or family.
  revoke: redisScript(
    "refresh: revoke",
    `${PRELUDE}
local fam = redis.call('HGET', KEYS[1], 'fam')
if not fam then return {} end
local fk = fkey(fam)
local f = family(fam, fk)
if not f then return {} end
return {revoke(fk, f), f}
`,
  ),
  // KEYS: family. ARGV: 3 family id, 4 claims (JSON). Returns 1 when set, 0 for no live family.
  setClaims: redisScript(
    "refresh: setClaims",
    `${PRELUDE}
local f = family(ARGV[3], KEYS[1])
if not f or f[5] ~= '' or tonumber(f[4]) <= NOW then return 0 end
redis.call('HSET', KEYS[1], 'claims', ARGV[4])
return 1
`,
  ),
  // KEYS: family. ARGV: 3 family id, 4 idle expiry. Returns 1 for a live family, else 0. The
  // latest token's key is derived from the family's: one shard, so one Cluster slot.
  touch: redisScript(
    "refresh: touch",
    `${PRELUDE}
local f = family(ARGV[3], KEYS[1])
if not f or f[5] ~= '' or tonumber(f[4]) <= NOW then return 0 end
local latest = redis.call('HGET', KEYS[1], 'latest')
if not latest then return 1 end
local tk = BASE .. 'rt:{' .. string.match(ARGV[3], '^([^.]+)') .. '}:' .. latest
local t = redis.call('HMGET', tk, 'exp', 'used')
if not t[1] or t[2] or num(t[1], 'expiry') <= NOW then return 1 end
local want = math.min(tonumber(ARGV[4]), tonumber(f[4]))
if want > tonumber(t[1]) then
  local e = string.format('%.0f', want)
  redis.call('HSET', tk, 'exp', e)
  redis.call('PEXPIREAT', tk, e)
end
return 1
`,
  ),
  // KEYS: family. ARGV: 3 family id. Returns as revoke.
  revokeFamily: redisScript(
    "refresh: revokeFamily",
    `${PRELUDE}
local f = family(ARGV[3], KEYS[1])
if not f then return {} end
return {revoke(KEYS[1], f), f}
`,
  ),
} as const;

/**
 * A {@link RefreshStore} on Redis or Redis Cluster, through your own client (node-redis or
 * ioredis, as `sessionjar/stores/redis`). A token is a hash at `<prefix>rt:{<shard>}:<sha256>`
 * (family id, expiry, when used), expiring at its expiry; a family a hash at
 * `<prefix>rf:{<shard>}:<id>` (user, created, expiry, revoked, claims), expiring at its expiry.
 * One family's keys share a Redis Cluster slot, and every method is one Lua script: `rotate`
 * checks, marks used and writes the next token in one atomic step, so of two requests racing
 * with one token exactly one wins (and the other is a reuse). Failures of the client throw
 * {@link StoreError} `ERR_STORE_UNAVAILABLE`; data that is not the store's `ERR_STORE_CORRUPT`.
 */
export function redisRefreshStore(options: RedisTokenStoreOptions): RefreshStore {
  const redis = redisCommands(
    LABEL,
    options,
    (m) => new TransportError("ERR_REFRESH_OPTIONS_INVALID", m),
  );
  const { prefix } = redis;
  const tokenKey = (key: string): string => {
    const { shard, rest } = parse(TOKEN_KEY, "token key", key);
    return `${prefix}rt:{${shard}}:${rest}`;
  };
  const familyKey = (id: string): string => {
    const { shard, rest } = parse(FAMILY_ID, "family id", id);
    return `${prefix}rf:{${shard}}:${rest}`;
  };
  const tail = (key: string): string => String(Buffer.byteLength(key) - Buffer.byteLength(prefix));

  const corrupt = (why: string): StoreError =>
    new StoreError("ERR_STORE_CORRUPT", `${LABEL}: unexpected data from Redis: ${why}`);
  const list = (v: unknown): unknown[] => {
    if (!Array.isArray(v)) throw corrupt(`${typeof v} where a list belongs`);
    return v;
  };
  const str = (v: unknown): string => {
    const s = replyString(LABEL, v);
    if (s === null) throw corrupt("nil where a value belongs");
    return s;
  };
  const familyOf = (v: unknown): RefreshFamily | null => {
    const f = list(v);
    if (f.length === 0) return null;
    const [id, userId, created, exp, revoked, claimsText] = f.map(str);
    let claims: unknown;
    try {
      claims = JSON.parse(claimsText ?? "");
    } catch {
      throw corrupt(`the claims of family ${id} are not JSON`);
    }
    if (typeof claims !== "object" || claims === null || Array.isArray(claims)) {
      throw corrupt(`the claims of family ${id} are not an object`);
    }
    return {
      id: id as string,
      userId: userId as string,
      createdAt: Number(created),
      expiresAt: Number(exp),
      revokedAt: revoked === "" || revoked === undefined ? null : Number(revoked),
      claims: claims as Record<string, unknown>,
    };
  };
  const revokeOutcome = (reply: unknown): RevokeOutcome | null => {
    const r = list(reply);
    if (r.length === 0) return null;
    const family = familyOf(r[1]);
    return family === null ? null : { family, changed: Number(r[0]) === 1 };
  };

  return {
    async create(family, key, tokenExpiresAt) {
      checkFamily(family);
      sameShard(
        parse(FAMILY_ID, "family id", family.id).shard,
        parse(TOKEN_KEY, "token key", key).shard,
        "a token key",
      );
      checkTime("tokenExpiresAt", tokenExpiresAt);
      const tk = tokenKey(key);
      await redis.script(
        "create",
        SCRIPTS.create,
        [tk, familyKey(family.id)],
        [
          String(family.createdAt),
          tail(tk),
          String(Math.min(tokenExpiresAt, family.expiresAt)),
          family.id,
          family.userId,
          String(family.createdAt),
          String(family.expiresAt),
          JSON.stringify(family.claims),
          parse(TOKEN_KEY, "token key", key).rest,
        ],
      );
    },

    async rotate(key, nextKey, { now, ttlMs }) {
      const from = parse(TOKEN_KEY, "token key", key).shard;
      sameShard(from, parse(TOKEN_KEY, "token key", nextKey).shard, "the next token key");
      checkTime("now", now);
      checkTime("ttlMs", ttlMs);
      const tk = tokenKey(key);
      const reply = list(
        await redis.script(
          "rotate",
          SCRIPTS.rotate,
          [tk, tokenKey(nextKey)],
          [String(now), tail(tk), String(ttlMs), parse(TOKEN_KEY, "token key", nextKey).rest],
        ),
      );
      const outcome = str(reply[0]);
      const family = familyOf(reply[1]);
      if (outcome === "ok") {
        if (family === null) throw corrupt("a rotation without a family");
        return { ok: true, family, expiresAt: Number(str(reply[2])) };
      }
      if (outcome === "reused") {
        return { ok: false, reason: outcome, family, changed: Number(reply[3]) === 1 };
      }
      if (outcome === "unknown" || outcome === "expired" || outcome === "revoked") {
        return { ok: false, reason: outcome, family };
      }
      throw corrupt(`outcome ${JSON.stringify(outcome)}`);
    },

    async peek(key, now) {
      checkTime("now", now);
      const tk = tokenKey(key);
      return familyOf(await redis.script("peek", SCRIPTS.peek, [tk], [String(now), tail(tk)]));
    },

    async revoke(key, now) {
      checkTime("now", now);
      const tk = tokenKey(key);
      return revokeOutcome(
        await redis.script("revoke", SCRIPTS.revoke, [tk], [String(now), tail(tk)]),
      );
    },

    async setClaims(familyId, claims, now) {
      checkTime("now", now);
      const fk = familyKey(familyId);
      const reply = await redis.script(
        "setClaims",
        SCRIPTS.setClaims,
        [fk],
        [String(now), tail(fk), familyId, JSON.stringify(claims)],
      );
      return Number(reply) === 1;
    },

    async touch(familyId, idleExpiresAt, now) {
      checkTime("idleExpiresAt", idleExpiresAt);
      checkTime("now", now);
      const fk = familyKey(familyId);
      const reply = await redis.script(
        "touch",
        SCRIPTS.touch,
        [fk],
        [String(now), tail(fk), familyId, String(idleExpiresAt)],
      );
      return Number(reply) === 1;
    },

    async revokeFamily(familyId, now) {
      checkTime("now", now);
      const fk = familyKey(familyId);
      return revokeOutcome(
        await redis.script(
          "revokeFamily",
          SCRIPTS.revokeFamily,
          [fk],
          [String(now), tail(fk), familyId],
        ),
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The issuer.
// ---------------------------------------------------------------------------------------------

/** Every event {@link RefreshTokens.on} delivers. Never a token. */
export type RefreshTokenEvent =
  | { readonly type: "issued"; readonly familyId: string; readonly userId: string }
  | { readonly type: "rotated"; readonly familyId: string; readonly userId: string }
  /** A refresh token was used twice: a stolen token, or a client bug. Its family is revoked. */
  | { readonly type: "reused"; readonly familyId: string; readonly userId: string }
  | {
      readonly type: "revoked";
      readonly familyId: string;
      readonly userId: string;
      readonly reason: "sign-out" | "revoke-family" | "not-before";
    }
  | {
      readonly type: "refused";
      readonly reason: Exclude<RefreshFailure, "reused">;
      readonly familyId: string | null;
    };

/** What {@link RefreshTokens.issue} and a successful rotation give the client. */
export interface TokenSet {
  /** A JWT, for `Authorization: Bearer`. */
  readonly accessToken: string;
  readonly tokenType: "Bearer";
  /** Seconds until the access token expires (OAuth's `expires_in`). */
  readonly expiresIn: number;
  /** Opaque: a 4-character shard, a dot, 256 random bits in base64url. Use it once. */
  readonly refreshToken: string;
  /** When the refresh token expires, in milliseconds since the epoch. */
  readonly refreshExpiresAt: number;
  /** The family, to list or revoke (also the access token's `sid` claim). */
  readonly familyId: string;
}

/** What {@link RefreshTokens.rotate} returns. */
export type RotateResult =
  | ({ readonly ok: true } & TokenSet)
  | { readonly ok: false; readonly reason: RefreshFailure };

/** Options of {@link createRefreshTokens}. */
export interface RefreshTokensOptions {
  /** Signs the access tokens: give it `typ: "at+jwt"` (`JWT_TYP_ACCESS_TOKEN`). */
  readonly codec: JwtCodec;
  readonly store: RefreshStore;
  /** Life of an access token, in seconds (default 300: five minutes). */
  readonly accessTtlSeconds?: number;
  /** Life of one refresh token, in seconds (default 14 days); each rotation gives a new one. */
  readonly refreshTtlSeconds?: number;
  /** Life of a family from its sign-in, in seconds (default 90 days): sign in again after it. */
  readonly familyTtlSeconds?: number;
  /**
   * Honour log-out-everywhere: a family created before its user's not-before time is revoked at
   * its next rotation (one more store read per rotation).
   */
  readonly revocation?: RevocationStore;
  /** Called with every event (also available through `on`). */
  readonly onEvent?: (event: RefreshTokenEvent) => void;
  /** Where errors thrown by listeners go (default `console.error`). */
  readonly onListenerError?: (error: unknown) => void;
  /** The clock in milliseconds, for tests (default `Date.now`). */
  readonly now?: () => number;
}

/** Short-lived access tokens with rotating refresh tokens. */
export interface RefreshTokens {
  /** A new family for `userId` (a sign-in): an access token and its first refresh token. */
  issue(
    userId: string,
    options?: { readonly claims?: Readonly<Record<string, unknown>> },
  ): Promise<TokenSet>;
  /**
   * Uses `refreshToken` once: a new access token and a new refresh token, or why not. A token
   * used a second time revokes its whole family (`reused`, plus a `reused` event). Never throws
   * on bad input; a store that is down throws {@link StoreError}.
   */
  rotate(refreshToken: unknown): Promise<RotateResult>;
  /** Sign-out: revokes the family of `refreshToken`. False when there is none. */
  revoke(refreshToken: unknown): Promise<boolean>;
  /** Revokes a family by id (a "your devices" page). False when there is none. */
  revokeFamily(familyId: string): Promise<boolean>;
  /** Calls `listener` for every event of `type` ("*" for all). Returns a function that stops it. */
  on<T extends RefreshTokenEvent["type"] | "*">(
    type: T,
    listener: Listener<T extends "*" ? RefreshTokenEvent : Extract<RefreshTokenEvent, { type: T }>>,
  ): () => void;
}

const RESERVED_CLAIMS = ["sub", "sid", "iss", "aud", "iat", "exp", "jti"];

function ttlOption(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
    throw new TransportError(
      "ERR_REFRESH_OPTIONS_INVALID",
      `createRefreshTokens: ${name} must be a whole number of seconds above 0, not ${String(v)}`,
    );
  }
  return v;
}

/**
 * Bearer access tokens with refresh-token rotation and reuse detection (OAuth 2.0 Security BCP,
 * RFC 9700 4.14): access tokens are JWTs that live five minutes; refresh tokens are opaque
 * (256 random bits), stored only as their SHA-256, used once, and grouped in a family per
 * sign-in. A refresh token presented a second time means two parties hold it: the family is
 * revoked, so neither the thief's nor the client's next token works, and the user signs in
 * again.
 *
 * Access tokens already issued from a revoked family stay valid until they expire (five minutes
 * by default); to cut them too, deny their `jti` or set the user's not-before time in a
 * {@link RevocationStore}, for example on the `reused` event.
 *
 * ```ts
 * const tokens = createRefreshTokens({
 *   codec: createJwtCodec({ keys, issuer, audience, typ: JWT_TYP_ACCESS_TOKEN }),
 *   store: redisRefreshStore({ client }),
 *   onEvent: (e) => e.type === "reused" && log.warn("refresh token reuse", e),
 * });
 * const set = await tokens.issue(user.id);          // at sign-in
 * const next = await tokens.rotate(body.refresh_token); // at POST /token
 * ```
 */
export function createRefreshTokens(options: RefreshTokensOptions): RefreshTokens {
  const bad = (m: string): TransportError =>
    new TransportError("ERR_REFRESH_OPTIONS_INVALID", `createRefreshTokens: ${m}`);
  if (typeof options !== "object" || options === null) throw bad("options are required");
  const { codec, store, revocation } = options;
  if (typeof codec?.sign !== "function") throw bad("codec must be a JWT codec (createJwtCodec)");
  for (const m of ["create", "rotate", "revoke", "revokeFamily"] as const) {
    if (typeof store?.[m] !== "function") throw bad(`store must be a RefreshStore (no ${m})`);
  }
  if (revocation !== undefined && typeof revocation.notBefore !== "function") {
    throw bad("revocation must be a RevocationStore");
  }
  const accessTtl = ttlOption("accessTtlSeconds", options.accessTtlSeconds, 300);
  const refreshTtl = ttlOption("refreshTtlSeconds", options.refreshTtlSeconds, 14 * 86_400);
  const familyTtl = ttlOption("familyTtlSeconds", options.familyTtlSeconds, 90 * 86_400);
  const now = options.now ?? Date.now;
  const events = new Emitter<RefreshTokenEvent>(options.onListenerError);
  if (options.onEvent !== undefined) events.on("*", options.onEvent);

  const accessToken = (family: RefreshFamily): Promise<string> =>
    codec.sign({ ...family.claims, sub: family.userId, sid: family.id }, { ttlSeconds: accessTtl });

  const tokenSet = async (
    family: RefreshFamily,
    refreshToken: string,
    refreshExpiresAt: number,
  ): Promise<TokenSet> => ({
    accessToken: await accessToken(family),
    tokenType: "Bearer",
    expiresIn: accessTtl,
    refreshToken,
    refreshExpiresAt,
    familyId: family.id,
  });

  const wellFormed = (t: unknown): t is string => typeof t === "string" && isWellFormedToken(t);

  return {
    async issue(userId, issueOptions) {
      if (typeof userId !== "string" || userId === "") {
        throw new TypeError("refresh tokens: issue(userId): userId must be a non-empty string");
      }
      const claims = issueOptions?.claims ?? {};
      if (typeof claims !== "object" || claims === null || Array.isArray(claims)) {
        throw new TransportError(
          "ERR_JWT_CLAIMS_INVALID",
          "refresh tokens: issue: claims must be an object",
        );
      }
      for (const r of RESERVED_CLAIMS) {
        if (Object.hasOwn(claims, r)) {
          throw new TransportError(
            "ERR_JWT_CLAIMS_INVALID",
            `refresh tokens: issue: the claim ${r} is set by the issuer, leave it out`,
          );
        }
      }
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(JSON.stringify(claims)) as Record<string, unknown>;
      } catch (err) {
        throw new TransportError(
          "ERR_JWT_CLAIMS_INVALID",
          `refresh tokens: issue: claims must be JSON (${String(err)})`,
          {
            cause: err,
          },
        );
      }
      const t = now();
      const shard = shardFor(userId);
      const family: RefreshFamily = {
        id: `${shard}.${randomBytes(16).toString("base64url")}`,
        userId,
        createdAt: t,
        expiresAt: t + familyTtl * 1000,
        revokedAt: null,
        claims: json,
      };
      const refreshToken = newToken(shard);
      const expiresAt = Math.min(t + refreshTtl * 1000, family.expiresAt);
      // Sign first: a codec that cannot sign fails before anything is stored.
      const set = await tokenSet(family, refreshToken, expiresAt);
      await store.create(family, storeKey(refreshToken), expiresAt);
      events.emit({ type: "issued", familyId: family.id, userId });
      return set;
    },

    async rotate(refreshToken) {
      if (!wellFormed(refreshToken)) {
        events.emit({ type: "refused", reason: "malformed", familyId: null });
        return { ok: false, reason: "malformed" };
      }
      const t = now();
      const next = newToken(refreshToken.slice(0, 4));
      const outcome = await store.rotate(storeKey(refreshToken), storeKey(next), {
        now: t,
        ttlMs: refreshTtl * 1000,
      });
      if (!outcome.ok) {
        const familyId = outcome.family?.id ?? null;
        if (outcome.reason !== "reused") {
          events.emit({ type: "refused", reason: outcome.reason, familyId });
        } else if (outcome.family !== null) {
          events.emit({
            type: "reused",
            familyId: outcome.family.id,
            userId: outcome.family.userId,
          });
        }
        return { ok: false, reason: outcome.reason };
      }
      const { family } = outcome;
      if (revocation !== undefined) {
        const cutoff = await revocation.notBefore(family.userId);
        if (cutoff !== null && family.createdAt < cutoff) {
          const r = await store.revokeFamily(family.id, t);
          if (r?.changed === true) {
            events.emit({
              type: "revoked",
              familyId: family.id,
              userId: family.userId,
              reason: "not-before",
            });
          }
          events.emit({ type: "refused", reason: "revoked", familyId: family.id });
          return { ok: false, reason: "revoked" };
        }
      }
      events.emit({ type: "rotated", familyId: family.id, userId: family.userId });
      return { ok: true, ...(await tokenSet(family, next, outcome.expiresAt)) };
    },

    async revoke(refreshToken) {
      if (!wellFormed(refreshToken)) return false;
      const r = await store.revoke(storeKey(refreshToken), now());
      if (r === null) return false;
      if (r.changed) {
        events.emit({
          type: "revoked",
          familyId: r.family.id,
          userId: r.family.userId,
          reason: "sign-out",
        });
      }
      return true;
    },

    async revokeFamily(familyId) {
      if (typeof familyId !== "string" || !FAMILY_ID.test(familyId)) return false;
      const r = await store.revokeFamily(familyId, now());
      if (r === null) return false;
      if (r.changed) {
        events.emit({
          type: "revoked",
          familyId: r.family.id,
          userId: r.family.userId,
          reason: "revoke-family",
        });
      }
      return true;
    },

    on(type, listener) {
      return events.on(type, listener);
    },
  };
}
