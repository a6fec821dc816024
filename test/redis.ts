// Redis helpers shared by the tests of the Redis stores (src/stores/redis.test.ts,
// src/transports/revocation.test.ts, src/transports/refresh-tokens.test.ts): clients of the Redis
// on 127.0.0.1:6379 and of a test cluster (test/redis-cluster.ts), key clean-up, and clients of a
// Redis that is down.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { Cluster, Redis } from "ioredis";
import { createClient, createCluster, type RedisClientType, type RedisClusterType } from "redis";
import type { RedisStoreClient } from "../src/stores/redis.js";
import { StoreError } from "../src/stores/types.js";
import type { RedisCluster } from "./redis-cluster.js";

export const REDIS_URL = "redis://127.0.0.1:6379";
export const noop = (): void => {};

export type NodeRedis = RedisClientType;
export type NodeRedisCluster = RedisClusterType;

// --- clients ---------------------------------------------------------------------------------

export async function nodeRedis(url = REDIS_URL): Promise<NodeRedis> {
  const client = createClient({ url, disableOfflineQueue: true });
  client.on("error", noop);
  await client.connect();
  return client;
}

/** node-redis with its client-side cache (RESP3, CLIENT TRACKING), failing fast when down. */
export async function cachingNodeRedis(url: string) {
  const client = createClient({
    url,
    RESP: 3,
    clientSideCache: { ttl: 0, maxEntries: 10_000 },
    disableOfflineQueue: true,
    socket: { reconnectStrategy: false },
  });
  client.on("error", noop);
  await client.connect();
  return client;
}

export async function ioredis(options: { keyPrefix?: string; port?: number } = {}): Promise<Redis> {
  const client = new Redis({
    host: "127.0.0.1",
    port: 6379,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    ...options,
  });
  client.on("error", noop);
  await client.connect();
  return client;
}

export async function nodeRedisCluster(c: RedisCluster): Promise<NodeRedisCluster> {
  const client = createCluster({
    rootNodes: c.ports.map((p) => ({ url: `redis://127.0.0.1:${p}` })),
    defaults: { disableOfflineQueue: true },
  });
  client.on("error", noop);
  await client.connect();
  return client;
}

export async function ioredisCluster(c: RedisCluster): Promise<Cluster> {
  const client = new Cluster(
    c.ports.map((port) => ({ host: "127.0.0.1", port })),
    { enableOfflineQueue: false, lazyConnect: true, redisOptions: { maxRetriesPerRequest: 1 } },
  );
  client.on("error", noop);
  await client.connect();
  return client;
}

// --- clean-up --------------------------------------------------------------------------------

/** Deletes every key under `pattern` on one node, through raw commands. */
export async function dropOn(
  send: (args: string[]) => Promise<unknown>,
  pattern: string,
): Promise<void> {
  let cursor = "0";
  do {
    const reply = (await send(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"])) as [
      string,
      string[],
    ];
    cursor = String(reply[0]);
    for (const k of reply[1]) await send(["DEL", String(k)]);
  } while (cursor !== "0");
}

export async function dropNodeRedis(client: NodeRedis, pattern: string): Promise<void> {
  await dropOn((args) => client.sendCommand(args), pattern);
}

export async function dropNodeRedisCluster(
  client: NodeRedisCluster,
  pattern: string,
): Promise<void> {
  for (const master of client.masters) {
    const node = await client.nodeClient(master);
    await dropOn((args) => node.sendCommand(args), pattern);
  }
}

/** Drops through the client's own connection: the pattern is taken under its keyPrefix. */
export async function dropOnIoredis(client: Redis, pattern: string): Promise<void> {
  await dropOn(([cmd, ...rest]) => client.call(cmd as string, ...rest), pattern);
}

/** Drops on every master through a raw connection without the client's keyPrefix. */
export async function dropIoredis(client: Redis | Cluster, pattern: string): Promise<void> {
  const nodes = client instanceof Cluster ? client.nodes("master") : [client];
  for (const node of nodes) {
    // A raw connection without the client's keyPrefix: the pattern names the full keys.
    const raw = node.duplicate({ keyPrefix: "", enableOfflineQueue: true, lazyConnect: true });
    raw.on("error", noop);
    try {
      await raw.connect();
      await dropOn(([cmd, ...rest]) => raw.call(cmd as string, ...rest), pattern);
    } finally {
      raw.disconnect();
    }
  }
}

// --- Redis down ------------------------------------------------------------------------------

/** A loopback port that nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface DownClient {
  client: RedisStoreClient;
  close: () => void;
}

/** node-redis on a closed port, connecting (and reconnecting) with disableOfflineQueue. */
export async function downNodeRedis(): Promise<DownClient> {
  const client = createClient({
    socket: { host: "127.0.0.1", port: await closedPort(), reconnectStrategy: 100 },
    disableOfflineQueue: true,
  });
  client.on("error", noop);
  client.connect().catch(noop);
  return { client, close: () => client.destroy() };
}

/** ioredis on a closed port with enableOfflineQueue false. */
export async function downIoredis(): Promise<DownClient> {
  const client = new Redis(await closedPort(), "127.0.0.1", {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  client.on("error", noop);
  return { client, close: () => client.disconnect() };
}

/**
 * Asserts that each op rejects within a second with a StoreError ERR_STORE_UNAVAILABLE whose
 * message matches `message(op)`.
 */
export async function assertUnavailable(
  ops: readonly [string, () => Promise<unknown>][],
  message: (op: string) => RegExp,
): Promise<void> {
  for (const [op, call] of ops) {
    const t = performance.now();
    await assert.rejects(call(), (e: unknown) => {
      assert.ok(e instanceof StoreError, `${op}: ${String(e)}`);
      assert.equal(e.code, "ERR_STORE_UNAVAILABLE");
      assert.match(e.message, message(op));
      return true;
    });
    assert.ok(performance.now() - t < 1_000, `${op} took ${performance.now() - t} ms`);
  }
}
