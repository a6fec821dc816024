import type { KnownKeys } from "../lib/options.js";
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

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The most sessions held at once (default 100,000). Creating one more throws a
   * {@link StoreError} `ERR_STORE_FULL` rather than growing without bound. A full store sweeps
   * expired sessions before refusing, at most once a second: anyone can ask for a session, and
   * a sweep per refused create would let them hold the event loop (about 9 ms at 100,000). A
   * sign-in into a store that is still full ends the oldest anonymous session (a cart before
   * sign-in) to make room, so that a flood of anonymous sessions cannot lock users out; only
   * anonymous creates, and a store full of signed-in sessions, are refused.
   */
  maxSessions?: number;
  /** How often expired sessions are swept, in ms (default 60,000). Reads never see them anyway. */
  sweepIntervalMs?: number;
  /** The clock, for tests. */
  now?: () => number;
}

/**
 * One session as held here. A class with every field set in one order, so that all entries, and
 * the records made from them, share one shape: reads stay on V8's fast, monomorphic paths.
 */
class Entry {
  id: string;
  userId: string | null;
  createdAt: number;
  lastSeenAt: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
  elevatedAt: number | null;
  userAgent: string | null;
  // The data is kept as JSON text, as every other store keeps it: what comes back is a copy, and
  // only JSON survives, whichever store the application runs on. One text for the whole object
  // makes a read one JSON.parse.
  data: string;

  constructor(r: SessionRecord) {
    this.id = r.id;
    this.userId = r.userId;
    this.createdAt = r.createdAt;
    this.lastSeenAt = r.lastSeenAt;
    this.idleExpiresAt = r.idleExpiresAt;
    this.absoluteExpiresAt = r.absoluteExpiresAt;
    this.elevatedAt = r.elevatedAt;
    this.userAgent = r.userAgent;
    this.data = JSON.stringify(r.data);
  }

  /** A copy for the caller. JSON.parse defines own properties, so even a "__proto__" key stays data. */
  toRecord(): SessionRecord {
    return {
      id: this.id,
      userId: this.userId,
      data: JSON.parse(this.data) as Record<string, unknown>,
      createdAt: this.createdAt,
      lastSeenAt: this.lastSeenAt,
      idleExpiresAt: this.idleExpiresAt,
      absoluteExpiresAt: this.absoluteExpiresAt,
      elevatedAt: this.elevatedAt,
      userAgent: this.userAgent,
    };
  }

  get expiresAt(): number {
    return Math.min(this.idleExpiresAt, this.absoluteExpiresAt);
  }
}

/** Sets a data key as an own property, so that even "__proto__" stays data. */
function put(data: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(data, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else data[key] = value;
}

// How often a full store may sweep on create (see maxSessions).
const FULL_SWEEP_MS = 1000;

/**
 * The embedded store: sessions in this process's memory, gone when it exits. For development,
 * tests and single-process apps. Expired sessions are invisible at once and swept periodically
 * (no scan per request); a size bound keeps memory in check.
 */
export function memoryStore(options: MemoryStoreOptions = {}): SessionStore {
  checkStoreOptions(
    "memoryStore",
    options,
    Object.keys({
      maxSessions: true,
      sweepIntervalMs: true,
      now: true,
    } satisfies KnownKeys<MemoryStoreOptions>),
    "memoryStore({ maxSessions: 100_000 })",
  );
  const max = options.maxSessions ?? 100_000;
  const sweepMs = options.sweepIntervalMs ?? 60_000;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new StoreError(
      "ERR_STORE_OPTIONS_INVALID",
      `memoryStore: maxSessions must be a whole number of at least 1, not ${JSON.stringify(max) ?? String(max)}`,
    );
  }
  if (typeof sweepMs !== "number" || !(sweepMs > 0) || sweepMs > 2 ** 31 - 1) {
    // setInterval takes at most 2^31 − 1 ms; past it, Node runs the sweep every millisecond.
    throw new StoreError(
      "ERR_STORE_OPTIONS_INVALID",
      `memoryStore: sweepIntervalMs must be a number of ms from 1 to 2147483647, not ${JSON.stringify(sweepMs) ?? String(sweepMs)}`,
    );
  }
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const byUser = new Map<string, Set<string>>();
  // The anonymous sessions' keys, oldest first (a Set keeps insertion order).
  const anonymous = new Set<string>();
  // Keys renamed with a grace window: what get() follows them to, and until when.
  const aliases = new Map<string, { to: string; until: number }>();

  const live = (key: string): Entry | undefined => {
    const e = entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= now()) {
      remove(key, e);
      return undefined;
    }
    return e;
  };
  const followed = (key: string): Entry | undefined => {
    const a = aliases.get(key);
    if (a === undefined) return undefined;
    if (a.until <= now()) {
      aliases.delete(key);
      return undefined;
    }
    return live(a.to);
  };
  const remove = (key: string, e: Entry): void => {
    entries.delete(key);
    unindex(key, e.userId);
  };
  const unindex = (key: string, userId: string | null): void => {
    if (userId === null) {
      anonymous.delete(key);
      return;
    }
    const keys = byUser.get(userId);
    keys?.delete(key);
    if (keys?.size === 0) byUser.delete(userId);
  };
  const index = (key: string, userId: string | null): void => {
    if (userId === null) {
      anonymous.add(key);
      return;
    }
    let keys = byUser.get(userId);
    if (keys === undefined) {
      keys = new Set();
      byUser.set(userId, keys);
    }
    keys.add(key);
  };
  const apply = (e: Entry, patch: SessionPatch): void => {
    if (patch.set !== undefined || patch.unset !== undefined) {
      const data = JSON.parse(e.data) as Record<string, unknown>;
      // A value without JSON (undefined) is left out by stringify: it unsets, as in every store.
      for (const [k, v] of Object.entries(patch.set ?? {})) put(data, k, v);
      for (const k of patch.unset ?? []) delete data[k];
      e.data = JSON.stringify(data);
    }
    // The named fields only, as the other stores do: the user (and the rest) never change.
    if (patch.lastSeenAt !== undefined) e.lastSeenAt = patch.lastSeenAt;
    if (patch.idleExpiresAt !== undefined) e.idleExpiresAt = patch.idleExpiresAt;
    if (patch.elevatedAt !== undefined) e.elevatedAt = patch.elevatedAt;
  };
  const listLive = (userId: string): StoredSession[] => {
    const out: StoredSession[] = [];
    for (const key of [...(byUser.get(userId) ?? [])]) {
      const e = live(key);
      if (e !== undefined) out.push({ key, record: e.toRecord() });
    }
    return out.sort((a, b) => a.record.createdAt - b.record.createdAt);
  };

  let sweptAt = Number.NEGATIVE_INFINITY;
  const sweep = (): void => {
    const t = now();
    sweptAt = t;
    for (const [key, e] of entries) if (e.expiresAt <= t) remove(key, e);
    for (const [key, a] of aliases) if (a.until <= t) aliases.delete(key);
  };
  const timer = setInterval(sweep, sweepMs);
  timer.unref?.();

  return {
    renameGrace: true,

    async get(key) {
      const e = live(key);
      if (e !== undefined) return e.toRecord();
      // Only a miss looks among the renamed keys, which are few and short-lived.
      return aliases.size === 0 ? null : (followed(key)?.toRecord() ?? null);
    },

    async create(key, record, createOptions?: CreateOptions) {
      // A sign-in's session replaces one that is deleted right after: that one makes the room.
      const replaces = createOptions?.replaces;
      // Looked up only at the bound: below it there is room anyway.
      const full = entries.size >= max && !entries.has(key);
      if (full && !(replaces !== undefined && replaces !== key && live(replaces) !== undefined)) {
        if (now() - sweptAt >= FULL_SWEEP_MS) sweep();
        const oldest = anonymous.values().next();
        if (entries.size >= max && record.userId !== null && oldest.done !== true) {
          remove(oldest.value, entries.get(oldest.value) as Entry);
        }
        if (entries.size >= max) {
          throw new StoreError(
            "ERR_STORE_FULL",
            `the memory store holds its maximum of ${max} sessions: raise maxSessions, shorten the timeouts, or use a Redis or PostgreSQL store`,
          );
        }
      }
      const e = new Entry(record);
      const old = entries.get(key);
      if (old !== undefined) remove(key, old);
      aliases.delete(key);
      entries.set(key, e);
      index(key, record.userId);
      const evicted: SessionRecord[] = [];
      const cap = createOptions?.maxPerUser;
      if (cap !== undefined && record.userId !== null) {
        const all = listLive(record.userId);
        for (const s of all.slice(0, Math.max(0, all.length - cap))) {
          const victim = entries.get(s.key);
          if (victim !== undefined) remove(s.key, victim);
          evicted.push(s.record);
        }
      }
      return evicted;
    },

    async update(key, patch) {
      const e = live(key);
      if (e === undefined) return false;
      apply(e, patch);
      return true;
    },

    async rename(oldKey, newKey, patch, renameOptions) {
      const graceMs = checkGrace("memory store", renameOptions);
      const e = live(oldKey);
      if (e === undefined) return false;
      remove(oldKey, e);
      if (graceMs > 0) aliases.set(oldKey, { to: newKey, until: now() + graceMs });
      if (patch !== undefined) apply(e, patch);
      entries.set(newKey, e);
      index(newKey, e.userId);
      return true;
    },

    async delete(key) {
      const e = live(key);
      if (e === undefined) return null;
      remove(key, e);
      return e.toRecord();
    },

    async listByUser(userId) {
      return listLive(userId);
    },

    async deleteByUser(userId, deleteOptions) {
      const removed: SessionRecord[] = [];
      for (const s of listLive(userId)) {
        if (s.key === deleteOptions?.exceptKey) continue;
        const e = entries.get(s.key);
        if (e !== undefined) remove(s.key, e);
        removed.push(s.record);
      }
      return removed;
    },

    async close() {
      clearInterval(timer);
    },
  };
}
