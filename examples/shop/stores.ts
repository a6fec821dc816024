// `--store memory|sqlite:PATH|redis://…|postgres://…`: www's and the API's session stores, as
// two tables or key prefixes of one database, opened with the user's own client library.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { SessionStore } from "sessionjar/stores";
import { memoryStore } from "sessionjar/stores";

export interface ShopStores {
  readonly www: SessionStore;
  readonly api: SessionStore;
  /** What the stores are, for the start-up banner (no password). */
  readonly description: string;
  /** Stops housekeeping and closes the connections the shop opened. */
  close(): Promise<void>;
}

export interface OpenStoresOptions {
  /** Names the tables (`<prefix>_www_sessions`) or key prefixes (`<prefix>:www:`). Default `shop`. */
  prefix?: string;
}

/** A store spec that cannot be opened: the message says which forms exist. */
export class StoreSpecError extends Error {
  readonly code = "ERR_SHOP_STORE_SPEC";
}

const PREFIX = /^[a-z][a-z0-9_]{0,40}$/;
const SWEEP_MS = 5 * 60_000;

function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

/** SQL stores, with expired rows deleted every few minutes (a timer that never holds the process). */
function swept(
  www: SessionStore & { sweep(): Promise<number> },
  api: SessionStore & { sweep(): Promise<number> },
  description: string,
  release: () => Promise<void>,
): ShopStores {
  const timer = setInterval(() => {
    Promise.all([www.sweep(), api.sweep()]).catch((e: unknown) =>
      console.error("shop: sweep failed", e),
    );
  }, SWEEP_MS).unref();
  return {
    www,
    api,
    description,
    async close() {
      clearInterval(timer);
      await release();
    },
  };
}

export async function openStores(
  spec: string,
  options: OpenStoresOptions = {},
): Promise<ShopStores> {
  const prefix = options.prefix ?? "shop";
  if (!PREFIX.test(prefix))
    throw new StoreSpecError(
      `the store prefix ${JSON.stringify(prefix)} must be lower-case letters, digits and _, starting with a letter`,
    );
  if (spec === "memory") {
    return {
      www: memoryStore(),
      api: memoryStore(),
      description: "memory (sessions end with the process)",
      close: async () => {},
    };
  }
  if (spec.startsWith("sqlite:")) {
    const path = spec.slice("sqlite:".length);
    if (path === "")
      throw new StoreSpecError("sqlite: needs a file path, e.g. sqlite:.shop/sessions.db");
    const [{ default: Database }, { sqliteStore }] = await Promise.all([
      import("better-sqlite3"),
      import("sessionjar/stores/sqlite"),
    ]);
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { timeout: 2_000 });
    db.pragma("journal_mode = WAL");
    const www = sqliteStore({ database: db, table: `${prefix}_www_sessions` });
    const api = sqliteStore({ database: db, table: `${prefix}_api_sessions` });
    return swept(www, api, `SQLite ${path}`, async () => {
      db.close();
    });
  }
  if (spec.startsWith("redis://") || spec.startsWith("rediss://")) {
    const [{ createClient }, { redisStore }] = await Promise.all([
      import("redis"),
      import("sessionjar/stores/redis"),
    ]);
    // Reconnect after an outage, but give up on the first connection: a shop that cannot reach
    // Redis at start says so and exits, instead of retrying without end before it listens.
    let connected = false;
    const client = createClient({
      url: spec,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 5_000,
        reconnectStrategy: (retries: number, cause: Error) =>
          connected
            ? Math.min(retries * 50, 500)
            : new Error(`cannot reach Redis at ${withoutPassword(spec)}: ${cause.message}`),
      },
    });
    client.on("error", (e: unknown) => {
      if (connected) console.error("shop: redis:", (e as Error).message);
    });
    await client.connect();
    connected = true;
    return {
      www: redisStore({ client, prefix: `${prefix}:www:` }),
      api: redisStore({ client, prefix: `${prefix}:api:` }),
      description: `Redis ${withoutPassword(spec)}`,
      async close() {
        await client.close();
      },
    };
  }
  if (spec.startsWith("postgres://") || spec.startsWith("postgresql://")) {
    const [{ default: pg }, { migrate, postgresStore }] = await Promise.all([
      import("pg"),
      import("sessionjar/stores/postgres"),
    ]);
    const pool = new pg.Pool({ connectionString: spec, connectionTimeoutMillis: 5_000, max: 10 });
    pool.on("error", (e: unknown) => console.error("shop: postgres:", (e as Error).message));
    const tables = { www: `${prefix}_www_sessions`, api: `${prefix}_api_sessions` };
    try {
      await migrate(pool, { table: tables.www });
      await migrate(pool, { table: tables.api });
    } catch (error) {
      await pool.end();
      throw error;
    }
    const www = postgresStore({ pool, table: tables.www });
    const api = postgresStore({ pool, table: tables.api });
    return swept(
      www,
      api,
      `PostgreSQL ${withoutPassword(spec)} (tables ${tables.www}, ${tables.api})`,
      () => pool.end(),
    );
  }
  throw new StoreSpecError(
    `unknown store ${JSON.stringify(spec)}: use memory, sqlite:PATH, redis://HOST:PORT or postgres://USER@HOST/DB`,
  );
}
