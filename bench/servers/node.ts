// The servers on Node's own http module:
//   limit            one raw Redis GET of the SHA-256 of the cookie's token, nothing else
//   node-bare        no session at all
//   node-sj-redis    sessionjar (withSessions) + redisStore on node-redis
//   node-sj-ioredis  the same on ioredis
//   memory-limit     the least a memory-store session must do (token check, SHA-256, read,
//                    expiries, Cache-Control and Vary), nothing else
//   node-sj-memory   sessionjar (withSessions) + memoryStore
// Every one answers POST /login (sign in, Set-Cookie) and GET /me ({"user":…} or 401).
import { hash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { withSessions } from "../../src/adapters/node/index.js";
import { createSessions } from "../../src/session/index.js";
import { memoryStore, type SessionStore } from "../../src/stores/index.js";
import {
  benchSessionOptions,
  COOKIE_NAME,
  closeServer,
  connectNodeRedis,
  dummySetCookie,
  listen,
  ME_BODY,
  type Running,
  rawGetSessions,
  runServer,
  type ServerConfig,
  tokenOf,
  UNAUTHORIZED_BODY,
  USER_ID,
} from "./common.js";

// Loaded only by the servers that use it, so that the others start whatever state it is in.
const redis = () => import("../../src/stores/redis.js");

const JSON_TYPE = { "content-type": "application/json" };

function notFound(res: ServerResponse): void {
  res.writeHead(404, JSON_TYPE).end('{"error":"not found"}');
}

async function limit(config: ServerConfig): Promise<Running> {
  const raw = await rawGetSessions(config);
  const unavailable = (res: ServerResponse) => (): void => {
    res.writeHead(503, JSON_TYPE).end('{"error":"store unavailable"}');
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET" && req.url === "/me") {
      const token = tokenOf(req.headers.cookie);
      if (token === undefined) {
        res.writeHead(401, JSON_TYPE).end(UNAUTHORIZED_BODY);
        return;
      }
      raw.read(token).then((user) => {
        if (typeof user !== "string") res.writeHead(401, JSON_TYPE).end(UNAUTHORIZED_BODY);
        else res.writeHead(200, JSON_TYPE).end(JSON.stringify({ user }));
      }, unavailable(res));
    } else if (req.method === "POST" && req.url === "/login") {
      raw.signIn().then((line) => {
        res.writeHead(204, { "set-cookie": line }).end();
      }, unavailable(res));
    } else notFound(res);
  });
  const port = await listen(server);
  return {
    port,
    close: async () => {
      await closeServer(server);
      await raw.close();
    },
  };
}

async function bare(): Promise<Running> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET" && req.url === "/me") res.writeHead(200, JSON_TYPE).end(ME_BODY);
    else if (req.method === "POST" && req.url === "/login")
      res.writeHead(204, { "set-cookie": dummySetCookie() }).end();
    else notFound(res);
  });
  return { port: await listen(server), close: () => closeServer(server) };
}

// The least any memory-store session must do for GET /me under the rules, and nothing
// more: check the token's form, key on its SHA-256, read the record, enforce both expiries from
// server time, and answer with Cache-Control: private and Vary: Cookie. What sessionjar adds
// over bare node is compared with what this adds.
const TOKEN = /^[A-Za-z0-9_-]{4}\.[A-Za-z0-9_-]{43}$/;
interface FloorRecord {
  userId: string;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
}

async function memoryLimit(): Promise<Running> {
  const records = new Map<string, FloorRecord>();
  const keyOf = (token: string): string => hash("sha256", token, "base64url");
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET" && req.url === "/me") {
      const token = tokenOf(req.headers.cookie);
      const r = token !== undefined && TOKEN.test(token) ? records.get(keyOf(token)) : undefined;
      const now = Date.now();
      res.setHeader("cache-control", "private");
      res.setHeader("vary", "Cookie");
      if (r === undefined || now >= r.idleExpiresAt || now >= r.absoluteExpiresAt)
        res.writeHead(401, JSON_TYPE).end(UNAUTHORIZED_BODY);
      else res.writeHead(200, JSON_TYPE).end(JSON.stringify({ user: r.userId }));
    } else if (req.method === "POST" && req.url === "/login") {
      const token = `${randomBytes(3).toString("base64url")}.${randomBytes(32).toString("base64url")}`;
      const now = Date.now();
      records.set(keyOf(token), {
        userId: USER_ID,
        idleExpiresAt: now + 3_600_000,
        absoluteExpiresAt: now + 28_800_000,
      });
      res.writeHead(204, { "set-cookie": `${COOKIE_NAME}=${token}; Path=/; HttpOnly` }).end();
    } else notFound(res);
  });
  return { port: await listen(server), close: () => closeServer(server) };
}

async function withSessionjar(
  config: ServerConfig,
  store: SessionStore,
  release: () => Promise<void>,
): Promise<Running> {
  const sessions = createSessions({ store, ...benchSessionOptions(config) });
  const server = createServer(
    withSessions(
      sessions,
      async (req, res, session) => {
        if (req.method === "GET" && req.url === "/me") {
          const user = session.userId;
          if (user === null) res.writeHead(401, JSON_TYPE).end(UNAUTHORIZED_BODY);
          else res.writeHead(200, JSON_TYPE).end(JSON.stringify({ user }));
        } else if (req.method === "POST" && req.url === "/login") {
          await session.signIn(USER_ID);
          res.writeHead(204).end();
        } else notFound(res);
      },
      { csrf: false },
    ),
  );
  const port = await listen(server);
  return {
    port,
    close: async () => {
      await closeServer(server);
      await store.close?.();
      await release();
    },
  };
}

runServer({
  limit,
  "node-bare": bare,
  "node-sj-redis": async (config) => {
    const { redisStore } = await redis();
    const client = await connectNodeRedis(config.redisUrl);
    const store = redisStore({ client, prefix: config.prefix });
    return withSessionjar(config, store, () => client.close());
  },
  "node-sj-redis-csc": async (config) => {
    const { redisStore } = await redis();
    const client = await connectNodeRedis(config.redisUrl, { cache: true });
    const store = redisStore({ client, prefix: config.prefix });
    return withSessionjar(config, store, () => client.close());
  },
  "node-sj-ioredis": async (config) => {
    const { redisStore } = await redis();
    const { Redis } = await import("ioredis");
    const client = new Redis(config.redisUrl);
    client.on("error", (error: unknown) => process.stderr.write(`ioredis: ${String(error)}\n`));
    await new Promise<void>((resolve, reject) => {
      client.once("ready", () => resolve());
      client.once("error", reject);
    });
    const store = redisStore({ client, prefix: config.prefix });
    return withSessionjar(config, store, async () => {
      await client.quit();
    });
  },
  "memory-limit": memoryLimit,
  "node-sj-memory": (config) => withSessionjar(config, memoryStore(), async () => {}),
});
