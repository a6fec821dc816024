// The Express 5 servers:
//   express-bare             no session at all
//   express-limit            one raw Redis GET of the SHA-256 of the cookie's token, nothing else
//   express-sj               sessionjar (sessionMiddleware) + redisStore on node-redis
//   express-session          express-session + connect-redis, their defaults (resave false,
//                            saveUninitialized false, touch on every request)
//   express-session-notouch  the same with connect-redis's disableTouch: true
// Every one answers POST /login (sign in, Set-Cookie) and GET /me ({"user":…} or 401).
import { createServer } from "node:http";
import { RedisStore } from "connect-redis";
import express, { type Express } from "express";
import session from "express-session";
import {
  getSession,
  sessionErrorHandler,
  sessionMiddleware,
} from "../../src/adapters/express/index.js";
import { createSessions } from "../../src/session/index.js";
import {
  benchSessionOptions,
  closeServer,
  connectNodeRedis,
  dummySetCookie,
  listen,
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

async function serve(app: Express, release: () => Promise<void>): Promise<Running> {
  const server = createServer(app);
  const port = await listen(server);
  return {
    port,
    close: async () => {
      await closeServer(server);
      await release();
    },
  };
}

async function bare(): Promise<Running> {
  const app = express();
  app.get("/me", (_req, res) => {
    res.json({ user: USER_ID });
  });
  app.post("/login", (_req, res) => {
    res.setHeader("set-cookie", dummySetCookie());
    res.status(204).end();
  });
  return serve(app, async () => {});
}

async function limit(config: ServerConfig): Promise<Running> {
  const raw = await rawGetSessions(config);
  const app = express();
  app.get("/me", async (req, res) => {
    const token = tokenOf(req.headers.cookie);
    const user = token === undefined ? null : await raw.read(token);
    if (typeof user !== "string") res.status(401).json({ error: "sign in" });
    else res.json({ user });
  });
  app.post("/login", async (_req, res) => {
    res.setHeader("set-cookie", await raw.signIn());
    res.status(204).end();
  });
  return serve(app, () => raw.close());
}

async function sessionjar(config: ServerConfig): Promise<Running> {
  const { redisStore } = await redis();
  const client = await connectNodeRedis(config.redisUrl, { cache: config.kind.endsWith("-csc") });
  const sessions = createSessions({
    store: redisStore({ client, prefix: config.prefix }),
    ...benchSessionOptions(config),
  });
  const app = express();
  app.use(sessionMiddleware(sessions, { csrf: false }));
  app.get("/me", (req, res) => {
    const user = getSession(req).userId;
    if (user === null) res.status(401).json({ error: "sign in" });
    else res.json({ user });
  });
  app.post("/login", async (req, res) => {
    await getSession(req).signIn(USER_ID);
    res.status(204).end();
  });
  app.use(sessionErrorHandler());
  return serve(app, () => client.close());
}

type WithUser = { userId?: string };

async function expressSession(config: ServerConfig, disableTouch: boolean): Promise<Running> {
  const client = await connectNodeRedis(config.redisUrl);
  const app = express();
  app.use(
    session({
      store: new RedisStore({ client, prefix: config.prefix, disableTouch }),
      secret: SECRET,
      resave: false,
      saveUninitialized: false,
    }),
  );
  app.get("/me", (req, res) => {
    const user = (req.session as unknown as WithUser).userId;
    if (user === undefined) res.status(401).json({ error: "sign in" });
    else res.json({ user });
  });
  app.post("/login", (req, res, next) => {
    req.session.regenerate((error: unknown) => {
      if (error !== undefined && error !== null) {
        next(error);
        return;
      }
      (req.session as unknown as WithUser).userId = USER_ID;
      res.status(204).end();
    });
  });
  return serve(app, () => client.close());
}

runServer({
  "express-bare": bare,
  "express-limit": limit,
  "express-sj": sessionjar,
  "express-sj-csc": sessionjar,
  "express-session": (config) => expressSession(config, false),
  "express-session-notouch": (config) => expressSession(config, true),
});
