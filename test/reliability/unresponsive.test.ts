// A Redis that is up but stops answering (here: its process stopped with SIGSTOP, so its
// connections stay open and nothing is refused): with the client options that docs/sessions.md
// gives, a signed-in request gets its 503 with a code instead of waiting as long as Redis does,
// its cookie is neither cleared nor replaced, and once Redis answers again the same cookie works
// with its data. node-redis needs `rejectInFlight` (6.4) for a command already sent; ioredis's
// `commandTimeout` covers it.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { createSessions } from "../../src/session/index.js";
import { type RedisStoreClient, redisStore } from "../../src/stores/redis.js";
import { Browser } from "../sessions/behaviour.js";
import { startNode } from "../sessions/servers.js";
import { type OwnedRedis, ownRedis } from "./servers.js";

/** The timeout the clients get here; the docs give 2 s. */
const TIMEOUT_MS = 500;
/** How long a request may take before the test calls it a hang: far above TIMEOUT_MS. */
const HANG_MS = 20_000;

interface Client {
  client: RedisStoreClient;
  close(): Promise<void>;
}

const clients: Record<string, (port: number) => Promise<Client>> = {
  "node-redis (timeout + rejectInFlight)": async (port) => {
    const client = createClient({
      url: `redis://127.0.0.1:${port}`,
      disableOfflineQueue: true,
      commandOptions: { timeout: TIMEOUT_MS, rejectInFlight: true },
    });
    client.on("error", () => {});
    await client.connect();
    return { client, close: async () => client.destroy() };
  },
  "ioredis (commandTimeout)": async (port) => {
    const client = new Redis(port, "127.0.0.1", {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: TIMEOUT_MS,
    });
    client.on("error", () => {});
    await new Promise<void>((resolve, reject) => {
      client.once("ready", resolve);
      client.once("error", reject);
    });
    return { client, close: async () => client.disconnect() };
  },
};

describe("a Redis that stops answering", () => {
  let redis: OwnedRedis | undefined;
  after(async () => {
    await redis?.thaw().catch(() => {});
    await redis?.remove();
  });

  for (const [name, connect] of Object.entries(clients)) {
    test(`${name}: 503 with a code, cookie kept, back with its data when Redis answers`, async () => {
      redis ??= await ownRedis();
      const { client, close } = await connect(redis.port);
      const prefix = `sjfrozen_${randomBytes(4).toString("hex")}`;
      const sessions = createSessions({
        store: redisStore({ client, prefix }),
        insecureLocalhost: true,
      });
      const server = await startNode(sessions);
      try {
        const b = new Browser(server.origin);
        await b.json("POST", "/login?user=frozen");
        assert.equal((await b.json("POST", "/cart?item=tea")).status, 200);
        const cookie = b.cookie;
        assert.ok(cookie !== undefined);

        await redis.freeze();
        try {
          for (const [method, path] of [
            ["GET", "/me"],
            ["POST", "/cart?item=jam"],
            ["POST", "/logout"],
          ] as const) {
            const res = await fetch(`${server.origin}${path}`, {
              method,
              headers: { cookie: `__Host-session=${cookie}` },
              signal: AbortSignal.timeout(HANG_MS),
            });
            const body = (await res.json()) as { error?: { code?: string } };
            assert.equal(res.status, 503, `${method} ${path}`);
            assert.equal(body.error?.code, "session_store_unavailable", `${method} ${path}`);
            assert.deepEqual(res.headers.getSetCookie(), [], `${method} ${path}: no Set-Cookie`);
          }
        } finally {
          await redis.thaw();
        }

        const back = await b.json("GET", "/me");
        assert.equal(back.status, 200);
        assert.equal(back.body.userId, "frozen");
        assert.deepEqual(back.body.data, { cart: ["tea"] });
        assert.equal(b.cookie, cookie);
      } finally {
        await server.close();
        await close();
      }
    });
  }
});
