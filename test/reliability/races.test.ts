// The races of test/reliability/races.ts on every store: memory, SQLite, Redis (node-redis and
// ioredis) and PostgreSQL, each in keys or tables of its own, removed afterwards.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { memoryStore } from "../../src/stores/index.js";
import { migrate, postgresStore } from "../../src/stores/postgres.js";
import { redisStore } from "../../src/stores/redis.js";
import { sqliteStore } from "../../src/stores/sqlite.js";
import { dropIoredis, dropNodeRedis, ioredis, nodeRedis } from "../redis.js";
import { testRaces } from "./races.js";

const RUN = `sjraces-${process.pid}-${randomBytes(4).toString("hex")}`;
const PG_URL = process.env.SESSIONJAR_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

testRaces("memory", async () => {
  const store = memoryStore();
  return { store, cleanup: async () => store.close?.() };
});

testRaces("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sessionjar-races-"));
  const store = sqliteStore({ database: join(dir, "races.db") });
  return {
    store,
    cleanup: async () => {
      await store.close?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

testRaces("redis (node-redis)", async () => {
  const client = await nodeRedis();
  const prefix = `${RUN}:nr:`;
  return {
    store: redisStore({ client, prefix }),
    cleanup: async () => {
      await dropNodeRedis(client, `${prefix}*`);
      await client.quit();
    },
  };
});

testRaces("redis (ioredis)", async () => {
  const client = await ioredis();
  const prefix = `${RUN}:io:`;
  return {
    store: redisStore({ client, prefix }),
    cleanup: async () => {
      await dropIoredis(client, `${prefix}*`);
      await client.quit();
    },
  };
});

testRaces("postgres", async () => {
  const pool = new pg.Pool({ connectionString: PG_URL, max: 20, connectionTimeoutMillis: 5_000 });
  pool.on("error", () => {});
  const table = `sj_races_${randomBytes(4).toString("hex")}`;
  await migrate(pool, { table });
  const store = postgresStore({ pool, table });
  return {
    store,
    cleanup: async () => {
      await store.close?.();
      await pool.query(`DROP TABLE IF EXISTS "${table}", "${table}_renamed"`);
      await pool.end();
    },
  };
});
