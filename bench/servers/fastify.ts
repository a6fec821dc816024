// The Fastify 5 servers:
//   fastify-bare               no session at all
//   fastify-limit              one raw Redis GET of the SHA-256 of the cookie's token, nothing else
//   fastify-sj                 sessionjar (fastifySessions plugin) + redisStore on node-redis
//   fastify-session            @fastify/cookie + @fastify/session on connect-redis, its defaults
//                              (rolling: true, which saves the session on every request) except
//                              cookie.secure: false, which plain HTTP needs
//   fastify-session-norolling  the same with rolling: false
// Every one answers POST /login (sign in, Set-Cookie) and GET /me ({"user":…} or 401).
import { createRequire } from "node:module";
import fastifyCookie from "@fastify/cookie";
import { RedisStore } from "connect-redis";
import fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { fastifySessions, getSession } from "../../src/adapters/fastify/index.js";
import { createSessions } from "../../src/session/index.js";
import {
  benchSessionOptions,
  connectNodeRedis,
  dummySetCookie,
  type Running,
  rawGetSessions,
  runServer,
  type ServerConfig,
  tokenOf,
  USER_ID,
} from "./common.js";

// Loaded only by the servers that use it, so that the others start whatever state it is in.
const redis = () => import("../../src/stores/redis.js");

const SECRET = "sessionjar benchmark secret, not a real one";

// @fastify/session is loaded untyped on purpose: its type declarations give FastifyRequest a
// `session` property of their own type, and once they are part of the program, sessionjar's
// Fastify adapter (which decorates `session` with null) no longer type-checks.
const fastifySession = createRequire(import.meta.url)("@fastify/session") as (
  instance: FastifyInstance,
  options: Record<string, unknown>,
) => Promise<void>;

async function serve(app: FastifyInstance, release: () => Promise<void>): Promise<Running> {
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return {
    port: address.port,
    close: async () => {
      await app.close();
      await release();
    },
  };
}

async function bare(): Promise<Running> {
  const app = fastify();
  app.get("/me", async () => ({ user: USER_ID }));
  app.post("/login", async (_request, reply) =>
    reply.header("set-cookie", dummySetCookie()).code(204).send(),
  );
  return serve(app, async () => {});
}

async function limit(config: ServerConfig): Promise<Running> {
  const raw = await rawGetSessions(config);
  const app = fastify();
  app.get("/me", async (request, reply) => {
    const token = tokenOf(request.headers.cookie);
    const user = token === undefined ? null : await raw.read(token);
    if (typeof user !== "string") return reply.code(401).send({ error: "sign in" });
    return { user };
  });
  app.post("/login", async (_request, reply) =>
    reply
      .header("set-cookie", await raw.signIn())
      .code(204)
      .send(),
  );
  return serve(app, () => raw.close());
}

async function sessionjar(config: ServerConfig): Promise<Running> {
  const { redisStore } = await redis();
  const client = await connectNodeRedis(config.redisUrl, { cache: config.kind.endsWith("-csc") });
  const sessions = createSessions({
    store: redisStore({ client, prefix: config.prefix }),
    ...benchSessionOptions(config),
  });
  const app = fastify();
  await app.register(fastifySessions, { sessions, csrf: false });
  app.get("/me", async (request, reply) => {
    const user = getSession(request).userId;
    if (user === null) return reply.code(401).send({ error: "sign in" });
    return { user };
  });
  app.post("/login", async (request, reply) => {
    await getSession(request).signIn(USER_ID);
    return reply.code(204).send();
  });
  return serve(app, () => client.close());
}

/** The part of @fastify/session's session object used here. */
interface LooseSession {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  regenerate(): Promise<void>;
}

const sessionOf = (request: FastifyRequest): LooseSession =>
  (request as unknown as { session: LooseSession }).session;

async function fastifySessionServer(config: ServerConfig, rolling: boolean): Promise<Running> {
  const client = await connectNodeRedis(config.redisUrl);
  const app = fastify();
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: SECRET,
    cookie: { secure: false },
    rolling,
    store: new RedisStore({ client, prefix: config.prefix }),
  });
  app.get("/me", async (request, reply) => {
    const user = sessionOf(request).get("userId");
    if (typeof user !== "string") return reply.code(401).send({ error: "sign in" });
    return { user };
  });
  app.post("/login", async (request, reply) => {
    await sessionOf(request).regenerate();
    sessionOf(request).set("userId", USER_ID);
    return reply.code(204).send();
  });
  return serve(app, () => client.close());
}

runServer({
  "fastify-bare": bare,
  "fastify-limit": limit,
  "fastify-sj": sessionjar,
  "fastify-sj-csc": sessionjar,
  "fastify-session": (config) => fastifySessionServer(config, true),
  "fastify-session-norolling": (config) => fastifySessionServer(config, false),
});
