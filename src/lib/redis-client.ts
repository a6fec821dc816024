import { createHash } from "node:crypto";
import { StoreError } from "../stores/types.js";

// ---------------------------------------------------------------------------------------------
// @internal Redis plumbing of the session store (sessionjar/stores/redis) and of the token stores
// (revocation, refresh tokens): one call that sends one command through the user's client
// (node-redis or ioredis, standalone or cluster), routed by its first key on a cluster, and
// scripts by EVALSHA.
// ---------------------------------------------------------------------------------------------

/** Sends one command; on a cluster, to the node of `key`. */
export type RedisSend = (key: string, args: readonly string[]) => Promise<unknown>;

type Fn = (...args: unknown[]) => unknown;

/** A Lua script, by name, body and SHA-1. */
export interface RedisScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

/** Makes a {@link RedisScript}: `lua` headed by a comment that names it. */
export function redisScript(name: string, lua: string): RedisScript {
  const body = `-- sessionjar ${name}\n${lua}`;
  return { name, lua: body, sha: createHash("sha1").update(body).digest("hex") };
}

/**
 * The head of a script whose KEYS[1] is a key of the store, ARGV[1] now and ARGV[2] the byte
 * length of KEYS[1] after the store's prefix: NOW, BASE (what precedes it: the client's own key
 * prefix plus the store's), `bad` (a SJCORRUPT error) and `num` (a number, or `bad` naming
 * `entry`).
 */
export function luaPrelude(entry: string): string {
  return `
local NOW = tonumber(ARGV[1])
local BASE = string.sub(KEYS[1], 1, #KEYS[1] - tonumber(ARGV[2]))
local function bad(why) error({err = 'SJCORRUPT ' .. why}) end
local function num(v, what)
  local n = tonumber(v)
  if n == nil then bad('${entry} has no valid ' .. what) end
  return n
end
`;
}

/** What the client threw, tagged so that only the client's failures become StoreErrors. */
export class ClientFailure extends Error {
  constructor(readonly error: unknown) {
    super(messageOf(error));
  }
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message === "" ? err.name : err.message;
  return String(err);
}

/** A reply error from the server (node-redis ErrorReply, ioredis ReplyError). */
export function isReplyError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === "ReplyError") return true;
  for (let p = Object.getPrototypeOf(err); p !== null; p = Object.getPrototypeOf(p)) {
    if ((p as { constructor?: { name?: string } }).constructor?.name === "ErrorReply") return true;
  }
  return false;
}

/** A connected client, as the stores use it. */
export interface RedisConnection {
  /** True for a cluster client: keys of one command must share a slot. */
  readonly cluster: boolean;
  /** Sends one command; the client's failures are thrown as they are. */
  readonly raw: RedisSend;
  /**
   * GET of one key, failures thrown as they are: through node-redis's client-side cache when the
   * client has one (`clientSideCache`, RESP3), so that a repeated read costs no round trip until
   * Redis says the key changed; else one command, as {@link raw}.
   */
  readonly get: (key: string) => Promise<unknown>;
  /** Sends one command; the client's failures are thrown as {@link ClientFailure}. */
  send(key: string, args: readonly string[]): Promise<unknown>;
  /**
   * Runs a script by EVALSHA (EVAL when Redis lost its script cache: it restarted or flushed
   * it; EVAL caches it again), routed by `keys[0]`. Failures are thrown as {@link ClientFailure}.
   */
  script(s: RedisScript, keys: readonly string[], args: readonly string[]): Promise<unknown>;
}

/**
 * Wraps the user's client: node-redis `createClient()` / `createCluster()` (v4+) or ioredis
 * `new Redis()` / `new Cluster()` (v5+). Anything else, and an ioredis Cluster that reads from
 * replicas, is refused with `optionsError`.
 */
export function connectRedis(
  label: string,
  client: unknown,
  optionsError: (message: string) => Error,
): RedisConnection {
  const c = client as Record<string, unknown>;
  let raw: RedisSend;
  let get: ((key: string) => Promise<unknown>) | undefined;
  let cluster = false;
  if (
    typeof c === "object" &&
    c !== null &&
    typeof c.evalsha === "function" &&
    "status" in c &&
    typeof c.call === "function"
  ) {
    // ioredis, standalone or Cluster: `call` routes by the command's keys and applies the
    // client's keyPrefix to them.
    const ioCall = c.call as Fn;
    cluster = c.isCluster === true;
    const scaleReads = (c.options as { scaleReads?: unknown } | undefined)?.scaleReads;
    if (cluster && scaleReads !== undefined && scaleReads !== "master") {
      // ioredis sends read commands where scaleReads says; a replica lags its master, so a
      // session or token revoked a moment ago would still be found there.
      throw optionsError(
        `${label}: this ioredis Cluster reads from replicas (scaleReads: ${typeof scaleReads === "function" ? "a function" : JSON.stringify(scaleReads)}), where a session or token revoked on the master can still be found for a while; give the store a Cluster with scaleReads "master" (the default)`,
      );
    }
    raw = (_key, [cmd, ...rest]) =>
      ioCall.call(client, (cmd as string).toLowerCase(), ...rest) as Promise<unknown>;
  } else if (typeof c === "object" && c !== null && typeof c.sendCommand === "function") {
    const sendCommand = c.sendCommand as Fn;
    if ("masters" in c) {
      // node-redis createCluster: sendCommand(firstKey, isReadonly, args). Reads go to masters
      // too (isReadonly false): a revocation must not be missed by reading a lagging replica.
      cluster = true;
      raw = (key, args) => sendCommand.call(client, key, false, [...args]) as Promise<unknown>;
    } else {
      // The arguments are a fresh array per call: handed over as they are.
      raw = (_key, args) => sendCommand.call(client, args) as Promise<unknown>;
    }
    // Only the typed command methods go through node-redis's cache; sendCommand bypasses it.
    if (c.clientSideCache != null && typeof c.get === "function") {
      const typedGet = c.get as Fn;
      get = (key) => typedGet.call(client, key) as Promise<unknown>;
    }
  } else {
    throw optionsError(
      `${label}: client must be a node-redis client or cluster (createClient, createCluster) or an ioredis Redis or Cluster`,
    );
  }

  const send = async (key: string, args: readonly string[]): Promise<unknown> => {
    try {
      return await raw(key, args);
    } catch (err) {
      throw new ClientFailure(err);
    }
  };

  return {
    cluster,
    raw,
    get: get ?? ((key) => raw(key, ["GET", key])),
    send,
    async script(s, keys, args) {
      const first = keys[0] as string;
      const argv = [String(keys.length), ...keys, ...args];
      try {
        return await send(first, ["EVALSHA", s.sha, ...argv]);
      } catch (err) {
        const e = (err as ClientFailure).error;
        if (!(isReplyError(e) && messageOf(e).startsWith("NOSCRIPT"))) throw err;
        return await send(first, ["EVAL", s.lua, ...argv]);
      }
    },
  };
}

/** How {@link storeErrorOf} words the errors of one store. */
export interface RedisErrorWording {
  /** What the store's data is, in "Redis holds data under the store's keys that is not …". */
  readonly notOurs: string;
  /** Appended to the out-of-memory message (default none). */
  readonly fullHint?: string;
}

/**
 * The {@link StoreError} for what the client threw during `op`: `ERR_STORE_CORRUPT` for data
 * that is not the store's, `ERR_STORE_FULL` for an out-of-memory Redis, else
 * `ERR_STORE_UNAVAILABLE`.
 */
export function storeErrorOf(
  label: string,
  op: string,
  err: unknown,
  wording: RedisErrorWording,
): StoreError {
  const msg = messageOf(err);
  if (isReplyError(err)) {
    if (/SJCORRUPT|WRONGTYPE/.test(msg)) {
      return new StoreError(
        "ERR_STORE_CORRUPT",
        `${label}: ${op}: Redis holds data under the store's keys that is not ${wording.notOurs} (${msg}); another program may be writing under the same prefix`,
        { cause: err },
      );
    }
    if (msg.startsWith("OOM")) {
      return new StoreError(
        "ERR_STORE_FULL",
        `${label}: ${op}: Redis is out of memory (${msg})${wording.fullHint ?? ""}`,
        { cause: err },
      );
    }
    return new StoreError("ERR_STORE_UNAVAILABLE", `${label}: ${op}: Redis answered ${msg}`, {
      cause: err,
    });
  }
  // node-redis's ClientClosedError: never connected, or closed since; it does not reconnect.
  const closed =
    err instanceof Error && err.constructor.name === "ClientClosedError"
      ? " (a node-redis client must be connected, await client.connect(), and not closed or destroyed)"
      : "";
  return new StoreError(
    "ERR_STORE_UNAVAILABLE",
    `${label}: ${op} failed, Redis is unreachable: ${msg}${closed}`,
    { cause: err },
  );
}

/** A string reply (bulk string, Buffer or integer) as a string; undefined for anything else. */
export function replyText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (Buffer.isBuffer(v)) return v.toString("utf8");
  if (typeof v === "number") return String(v);
  return undefined;
}

/** A reply as a string, or null for nil. */
export function replyString(label: string, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = replyText(v);
  if (s === undefined) {
    throw new StoreError("ERR_STORE_CORRUPT", `${label}: unexpected reply from Redis: ${typeof v}`);
  }
  return s;
}

/** @internal What the Redis-backed token stores use to talk to Redis. */
export interface RedisCommands {
  readonly prefix: string;
  /** True for a cluster client: keys of one command must share a slot. */
  readonly cluster: boolean;
  /** Sends one command, routed by `key`; client failures become StoreErrors named by `op`. */
  send(op: string, key: string, args: readonly string[]): Promise<unknown>;
  /** Runs a script by EVALSHA (EVAL when Redis lost its script cache). */
  script(
    op: string,
    s: RedisScript,
    keys: readonly string[],
    args: readonly string[],
  ): Promise<unknown>;
}

/** The client abstraction of the Redis-backed token stores (revocation, refresh tokens). */
export function redisCommands(
  label: string,
  options: { readonly client: unknown; readonly prefix?: string },
  optionsError: (message: string) => Error,
): RedisCommands {
  if (typeof options !== "object" || options === null) throw optionsError("options are required");
  const prefix = options.prefix ?? "sj:";
  if (typeof prefix !== "string" || /[{}]/.test(prefix)) {
    throw optionsError(
      `${label}: prefix ${JSON.stringify(prefix)} must be a string without { or }, which would change the Redis Cluster hash slot of every key`,
    );
  }
  const conn = connectRedis(label, options.client, optionsError);
  const failure = (op: string, err: unknown): StoreError =>
    storeErrorOf(label, op, (err as ClientFailure).error, { notOurs: "the store's" });

  return {
    prefix,
    cluster: conn.cluster,
    async send(op, key, args) {
      try {
        return await conn.send(key, args);
      } catch (err) {
        throw failure(op, err);
      }
    },
    async script(op, s, keys, args) {
      try {
        return await conn.script(s, keys, args);
      } catch (err) {
        throw failure(op, err);
      }
    },
  };
}
