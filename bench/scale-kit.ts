// The workload of bench/scale.bench.ts, shared with its smoke test (test/scale/scale.test.ts): a
// population of users with several devices each and realistic session records, the request kinds
// whose store work is counted, and a store wrapper that counts calls per method.
import { randomUUID } from "node:crypto";
import type { Pool } from "pg";
import { createSessions, type Sessions } from "../src/session/index.js";
import type { RequestSession } from "../src/session/request-session.js";
import { newPublicId, newToken, shardFor, storeKey } from "../src/session/tokens.js";
import type { RedisStoreClient } from "../src/stores/redis.js";
import type { SessionRecord, SessionStore } from "../src/stores/types.js";
import { generator } from "./corpus.js";

// ---------------------------------------------------------------------------------------------
// The population

/** User-Agent strings as browsers and apps send them today (90 to 150 bytes). */
export const USER_AGENTS: readonly string[] = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
  "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
];

const LOCALES = ["en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "ja-JP", "pt-BR"] as const;

/** Devices (live sessions) per user, with weights: a mean of 2.66. */
export const DEVICE_WEIGHTS: readonly (readonly [devices: number, weight: number])[] = [
  [1, 25],
  [2, 30],
  [3, 20],
  [4, 13],
  [5, 7],
  [6, 3],
  [8, 2],
];

export const MEAN_DEVICES =
  DEVICE_WEIGHTS.reduce((s, [d, w]) => s + d * w, 0) /
  DEVICE_WEIGHTS.reduce((s, [, w]) => s + w, 0);

/** A small cart as a shop keeps it: 0 to 4 lines. */
export function cart(rand: () => number): { sku: string; qty: number }[] {
  const lines = Math.floor(rand() * 5);
  return Array.from({ length: lines }, () => ({
    sku: `SKU-${String(Math.floor(rand() * 1_000_000)).padStart(6, "0")}`,
    qty: 1 + Math.floor(rand() * 3),
  }));
}

/** One session of the fill: its store key (as the session layer derives it) and record. */
export interface FillSession {
  readonly key: string;
  readonly record: SessionRecord;
}

/** Options of {@link Population}. */
export interface PopulationOptions {
  /** Seed of the shapes (devices, carts, user agents, times); every run draws the same ones. */
  readonly seed: number;
  /** The clock of the records (default Date.now). */
  readonly now?: () => number;
  /**
   * How long from now each session's idle expiry lies, in ms (default 2 h, so that a long run
   * loses none). Records are created up to 4 h ago with an 8 h absolute timeout.
   */
  readonly ttlMs?: number;
}

/**
 * An endless stream of users, each with 1 to 8 devices ({@link DEVICE_WEIGHTS}); one user's
 * sessions come one after the other. Keys and users are kept for sampling.
 */
export class Population {
  readonly keys: string[] = [];
  readonly users: { readonly id: string; readonly devices: number }[] = [];
  readonly #rand: () => number;
  readonly #now: () => number;
  readonly #ttl: number;
  readonly #totalWeight = DEVICE_WEIGHTS.reduce((s, [, w]) => s + w, 0);
  #left = 0;

  constructor(options: PopulationOptions) {
    this.#rand = generator(options.seed);
    this.#now = options.now ?? Date.now;
    this.#ttl = options.ttlMs ?? 2 * 3_600_000;
  }

  get count(): number {
    return this.keys.length;
  }

  next(): FillSession {
    if (this.#left === 0) {
      const devices = this.#devices();
      this.users.push({ id: randomUUID(), devices });
      this.#left = devices;
    }
    this.#left--;
    const userId = (this.users[this.users.length - 1] as { id: string }).id;
    const key = storeKey(newToken(shardFor(userId)));
    this.keys.push(key);
    const r = this.#rand;
    const now = this.#now();
    const createdAt = now - Math.floor(r() * 4 * 3_600_000);
    const lastSeenAt = Math.max(createdAt, now - Math.floor(r() * 60_000));
    const absoluteExpiresAt = createdAt + 8 * 3_600_000;
    const record: SessionRecord = {
      id: newPublicId(),
      userId,
      data: { cart: cart(r), locale: LOCALES[Math.floor(r() * LOCALES.length)] },
      createdAt,
      lastSeenAt,
      idleExpiresAt: Math.min(now + this.#ttl, absoluteExpiresAt),
      absoluteExpiresAt,
      elevatedAt: r() < 0.1 ? lastSeenAt : null,
      userAgent: USER_AGENTS[Math.floor(r() * USER_AGENTS.length)] as string,
    };
    return { key, record };
  }

  #devices(): number {
    let x = this.#rand() * this.#totalWeight;
    for (const [d, w] of DEVICE_WEIGHTS) {
      x -= w;
      if (x < 0) return d;
    }
    return 1;
  }
}

/** Creates sessions of `population` through `store.create`, `concurrency` at a time, up to `target`. */
export async function fill(
  store: SessionStore,
  population: Population,
  target: number,
  options: { concurrency: number; onProgress?: (count: number) => void },
): Promise<void> {
  let reported = population.count;
  const worker = async (): Promise<void> => {
    while (population.count < target) {
      const s = population.next();
      await store.create(s.key, s.record);
      if (population.count - reported >= 50_000) {
        reported = population.count;
        options.onProgress?.(reported);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
}

// ---------------------------------------------------------------------------------------------
// Counting store calls

/** A store that counts calls per method in `calls`, and otherwise is `store`. */
export function countingStore<S extends SessionStore>(
  store: S,
): { store: S; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== "function" || typeof prop !== "string") return v;
      return (...args: unknown[]) => {
        calls.set(prop, (calls.get(prop) ?? 0) + 1);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: wrapped, calls };
}

/** A node-redis client for redisStore whose commands are counted: one per round trip. */
export function countingRedisClient(client: { sendCommand(args: string[]): Promise<unknown> }): {
  client: RedisStoreClient;
  roundTrips: () => number;
} {
  let n = 0;
  const counted = {
    sendCommand: (args: string[]): Promise<unknown> => {
      n++;
      return client.sendCommand(args);
    },
  };
  return { client: counted as unknown as RedisStoreClient, roundTrips: () => n };
}

/**
 * Counts every statement sent on the pool's connections (pool.query goes through them too), by
 * its first word; `SELECT lock` for the user's advisory lock that `deleteByUser` takes first (a
 * user's `create` takes it inside its insert, a `WITH` statement). Call before the first query.
 */
export function countStatements(pool: Pool): {
  statements: Map<string, number>;
  total: () => number;
} {
  const statements = new Map<string, number>();
  let n = 0;
  pool.on("connect", (c) => {
    const query = c.query.bind(c) as (...a: unknown[]) => unknown;
    (c as unknown as { query: (...a: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const text = typeof args[0] === "string" ? args[0] : (args[0] as { text: string }).text;
      const word = /^\s*SELECT pg_advisory_xact_lock/.test(text)
        ? "SELECT lock"
        : (text.trimStart().split(/\s/)[0] ?? "").toUpperCase();
      statements.set(word, (statements.get(word) ?? 0) + 1);
      n++;
      return query(...args);
    };
  });
  return { statements, total: () => n };
}

/** `after - before` per name, divided by `per`, without zeros. */
export function perRequest(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  per: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) {
    const d = (v - (before.get(k) ?? 0)) / per;
    if (d !== 0) out.set(k, d);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Requests through the session manager

type Data = { cart: { sku: string; qty: number }[]; locale: string };

/** The session managers a request kind runs on, over one store, with a clock of their own. */
export interface Harness {
  readonly sessions: Sessions<Data>;
  /** The same store with `maxSessionsPerUser: 3`. */
  readonly capped: Sessions<Data>;
  readonly clock: { t: number };
}

export function harness(store: SessionStore): Harness {
  const clock = { t: Date.now() };
  const now = (): number => clock.t;
  return {
    sessions: createSessions<Data>({ store, now }),
    capped: createSessions<Data>({ store, now, maxSessionsPerUser: 3 }),
    clock,
  };
}

/**
 * One request: loads the session for `token` (none if undefined) as an adapter would, runs
 * `handle`, commits, and returns what `handle` returned with the token the response leaves the
 * client (the same, a new one, or undefined when the cookie was cleared).
 */
export async function request<T>(
  sessions: Sessions<Data>,
  token: string | undefined,
  handle: (s: RequestSession<Data>) => T | Promise<T>,
): Promise<{ value: T; token: string | undefined }> {
  const cookie = token === undefined ? undefined : `${sessions.cookieName}=${token}`;
  const session = await sessions.load({
    header: (name) =>
      name === "cookie" ? cookie : name === "user-agent" ? USER_AGENTS[0] : undefined,
    encrypted: true,
  });
  const value = await handle(session);
  const headers = await session.commit();
  let next = token;
  for (const line of headers.setCookie) {
    const v = line.slice(line.indexOf("=") + 1, line.indexOf(";"));
    next = v === "" ? undefined : v;
  }
  return { value, token: next };
}

/** A signed-in user with `devices` sessions; `token` is the newest. */
export interface Account {
  readonly userId: string;
  readonly token: string;
}

export async function account(h: Harness, devices: number): Promise<Account> {
  const userId = randomUUID();
  let token: string | undefined;
  for (let i = 0; i < devices; i++) {
    token = (await request(h.sessions, undefined, (s) => s.signIn(userId))).token;
  }
  if (token === undefined) throw new Error("sign-in set no cookie");
  return { userId, token };
}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(`request kind misbehaved: ${what}`);
}

/** One kind of request: what is prepared outside the count, then the counted request. */
export interface RequestKind {
  readonly name: string;
  prepare(h: Harness): Promise<unknown>;
  /** Runs once before the counted requests, after every prepare (moves the clock). */
  beforeRun?(h: Harness): void;
  run(h: Harness, prepared: unknown): Promise<void>;
}

const kind = <P>(
  name: string,
  prepare: (h: Harness) => Promise<P>,
  run: (h: Harness, p: P) => Promise<void>,
  beforeRun?: (h: Harness) => void,
): RequestKind => ({
  name,
  prepare,
  run: run as (h: Harness, p: unknown) => Promise<void>,
  ...(beforeRun === undefined ? {} : { beforeRun }),
});

const readsUser = async (h: Harness, a: Account): Promise<void> => {
  const r = await request(h.sessions, a.token, (s) => s.userId);
  expect(r.value === a.userId, "the session did not load");
};

/**
 * The request kinds whose store work bench/scale.bench.ts counts. Users have 3 sessions (this
 * one and 2 other devices) unless the name says otherwise.
 */
export const REQUEST_KINDS: readonly RequestKind[] = [
  kind(
    "no session cookie",
    async () => undefined,
    async (h) => {
      const r = await request(h.sessions, undefined, (s) => s.userId);
      expect(r.value === null, "a session appeared");
    },
  ),
  kind(
    "unknown token (expired or forged)",
    async () => newToken(shardFor(randomUUID())),
    async (h, token) => {
      const r = await request(h.sessions, token, (s) => s.userId);
      // No session, and no cookie change: an unknown token's cookie is not cleared.
      expect(r.value === null && r.token === token, "an unknown token was accepted");
    },
  ),
  kind("read, within the touch interval", (h) => account(h, 3), readsUser),
  kind(
    "read that extends the idle expiry (touch)",
    (h) => account(h, 3),
    readsUser,
    (h) => {
      h.clock.t += 61_000;
    },
  ),
  kind(
    "read + change one data key",
    (h) => account(h, 3),
    async (h, a) => {
      await request(h.sessions, a.token, (s) => s.set("cart", [{ sku: "SKU-000001", qty: 1 }]));
    },
  ),
  kind(
    "anonymous cart, first write",
    async () => undefined,
    async (h) => {
      const r = await request(h.sessions, undefined, (s) => s.set("cart", []));
      expect(r.token !== undefined, "no anonymous session was created");
    },
  ),
  kind(
    "sign-in (no cookie; 2 other devices)",
    async (h) => (await account(h, 2)).userId,
    async (h, userId) => {
      const r = await request(h.sessions, undefined, (s) => s.signIn(userId));
      expect(r.token !== undefined, "sign-in set no cookie");
    },
  ),
  kind(
    "sign-in with maxSessionsPerUser 3 (3 devices: evicts one)",
    async (h) => (await account(h, 3)).userId,
    async (h, userId) => {
      let evicted = 0;
      const off = h.capped.on("revoked", (e) => {
        if (e.reason === "max-sessions" && e.userId === userId) evicted++;
      });
      await request(h.capped, undefined, (s) => s.signIn(userId));
      off();
      expect(evicted === 1, `the cap evicted ${evicted} sessions, not 1`);
    },
  ),
  kind(
    "sign-in from an anonymous cart",
    async (h) => {
      const anon = await request(h.sessions, undefined, (s) => s.set("cart", []));
      return { anon: anon.token, userId: (await account(h, 2)).userId };
    },
    async (h, p) => {
      const r = await request(h.sessions, p.anon, (s) => s.signIn(p.userId));
      expect(r.token !== p.anon, "sign-in kept the anonymous token");
    },
  ),
  kind(
    "rotate",
    (h) => account(h, 3),
    async (h, a) => {
      const r = await request(h.sessions, a.token, (s) => s.rotate());
      expect(r.token !== a.token, "rotate kept the token");
    },
  ),
  kind(
    "sign-out",
    (h) => account(h, 3),
    async (h, a) => {
      const r = await request(h.sessions, a.token, (s) => s.signOut());
      expect(r.token === undefined, "sign-out kept the cookie");
    },
  ),
  kind(
    "list devices",
    (h) => account(h, 3),
    async (h, a) => {
      const r = await request(h.sessions, a.token, (s) => s.list());
      expect(r.value.length === 3, `listed ${r.value.length} sessions, not 3`);
    },
  ),
  kind(
    "revoke one other device",
    async (h) => {
      const a = await account(h, 3);
      const other = (await h.sessions.list(a.userId))[0];
      if (other === undefined) throw new Error("the account has no sessions");
      return { ...a, other: other.id };
    },
    async (h, p) => {
      const r = await request(h.sessions, p.token, (s) => s.revoke(p.other));
      expect(r.value, "revoke found no session");
    },
  ),
  kind(
    "revoke all (log out all devices)",
    (h) => account(h, 3),
    async (h, a) => {
      const r = await request(h.sessions, a.token, (s) => s.revokeAll());
      expect(r.value === 3, `revoked ${r.value} sessions, not 3`);
    },
  ),
];

/**
 * Prepares `n` + 1 requests of `k` (outside any count) and runs the first, so that Redis has the
 * scripts cached and the clock has moved; returns the function that runs the other `n`.
 */
export async function prepared(
  h: Harness,
  k: RequestKind,
  n: number,
): Promise<() => Promise<void>> {
  const states: unknown[] = [];
  for (let i = 0; i <= n; i++) states.push(await k.prepare(h));
  k.beforeRun?.(h);
  await k.run(h, states.pop());
  return async () => {
    for (const p of states) await k.run(h, p);
  };
}
