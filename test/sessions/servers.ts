// The behavioural suite's app (app.ts) served through each adapter, over real HTTP on a port of
// its own. The adapters' tests, the races and the hostile-input suites all start servers here.
import { createServer } from "node:http";
import { getRequestListener } from "@hono/node-server";
import express from "express";
import fastify from "fastify";
import { Hono } from "hono";
import * as expressAdapter from "../../src/adapters/express/index.js";
import * as fastifyAdapter from "../../src/adapters/fastify/index.js";
import * as honoAdapter from "../../src/adapters/hono/index.js";
import * as nodeAdapter from "../../src/adapters/node/index.js";
import * as webAdapter from "../../src/adapters/web/index.js";
import type { Sessions } from "../../src/session/index.js";
import { listen, originOf, running } from "../servers.js";
import { type AppResponse, handle } from "./app.js";
import type { StartServer } from "./behaviour.js";

type AnySessions = Sessions<Record<string, unknown>>;

// These suites test sessions (test/csrf tests the guard): a cookie transport is told so with
// csrf: false, as it requires; a bearer transport takes no CSRF option at all.
const noGuard = (sessions: AnySessions): { csrf?: false } =>
  sessions.capabilities.ambient ? { csrf: false } : {};

const body = (out: AppResponse): string => (out.body === null ? "" : JSON.stringify(out.body));
const headers = (out: AppResponse): Record<string, string> => ({
  "content-type": "application/json",
  ...(out.headers ?? {}),
});

export const startNode: StartServer = async (sessions) => {
  const server = createServer(
    nodeAdapter.withSessions(
      sessions,
      async (req, res, session) => {
        const url = new URL(req.url ?? "/", "http://x");
        const out = await handle(
          { method: req.method ?? "GET", path: url.pathname, query: url.searchParams },
          session,
        );
        res.writeHead(out.status, headers(out));
        res.end(body(out));
      },
      noGuard(sessions),
    ),
  );
  server.on("clientError", nodeAdapter.answerClientError);
  await listen(server);
  return running(server);
};

/** The suite's app as one Express app: the session middleware, the routes, the error handler. */
function expressApp(sessions: AnySessions): express.Express {
  const app = express();
  app.use(expressAdapter.sessionMiddleware(sessions, noGuard(sessions)));
  app.use(async (req, res) => {
    const out = await handle(
      { method: req.method, path: req.path, query: new URL(req.url, "http://x").searchParams },
      expressAdapter.getSession(req),
    );
    res.status(out.status).set(headers(out));
    res.send(body(out));
  });
  app.use(expressAdapter.sessionErrorHandler());
  return app;
}

function listenExpress(app: express.Express): ReturnType<StartServer> {
  const server = app.listen(0, "127.0.0.1");
  server.on("clientError", nodeAdapter.answerClientError);
  return running(server);
}

export const startExpress: StartServer = async (sessions) => listenExpress(expressApp(sessions));

/**
 * The same app mounted as a sub-app of an app that has no sessions: Express gives its responses
 * the sub-app's prototype, so the session is held through a prototype chain one level deeper.
 */
export const startExpressMounted: StartServer = async (sessions) => {
  const outer = express();
  outer.use(expressApp(sessions));
  return listenExpress(outer);
};

export const startFastify: StartServer = async (sessions) => {
  const app = fastify({ clientErrorHandler: nodeAdapter.answerClientError });
  await app.register(fastifyAdapter.fastifySessions, { sessions, ...noGuard(sessions) });
  app.all("*", async (request, reply) => {
    const url = new URL(request.url, "http://x");
    const out = await handle(
      { method: request.method, path: url.pathname, query: url.searchParams },
      fastifyAdapter.getSession(request),
    );
    return reply.code(out.status).headers(headers(out)).send(body(out));
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  return { origin: originOf(app.server), close: () => app.close() };
};

export const startHono: StartServer = async (manager) => {
  const app = new Hono<honoAdapter.SessionEnv>();
  app.use(honoAdapter.sessions(manager, noGuard(manager)));
  app.all("*", async (c) => {
    const url = new URL(c.req.url);
    const out = await handle(
      { method: c.req.method, path: url.pathname, query: url.searchParams },
      c.get("session"),
    );
    return new Response(out.body === null ? null : body(out), {
      status: out.status,
      headers: headers(out),
    });
  });
  app.onError(
    (err, c) => honoAdapter.sessionErrorResponse(err) ?? c.text("Internal Server Error", 500),
  );
  const server = createServer(
    getRequestListener(app.fetch, { errorHandler: honoAdapter.requestErrorResponse }),
  );
  server.on("clientError", nodeAdapter.answerClientError);
  await listen(server);
  return running(server);
};

export const startWeb: StartServer = async (sessions) => {
  // The glue the adapter documents; its error handler sees what never becomes a Request.
  const server = createServer(
    getRequestListener(
      webAdapter.withSessions(
        sessions,
        async (request, session) => {
          const url = new URL(request.url);
          const out = await handle(
            { method: request.method, path: url.pathname, query: url.searchParams },
            session,
          );
          return new Response(out.body === null ? null : body(out), {
            status: out.status,
            headers: headers(out),
          });
        },
        noGuard(sessions),
      ),
      { errorHandler: webAdapter.requestErrorResponse },
    ),
  );
  server.on("clientError", nodeAdapter.answerClientError);
  await listen(server);
  return running(server);
};

/** Every adapter, by the name its suites print. */
export const ADAPTERS: Readonly<Record<string, StartServer>> = {
  "node http": startNode,
  express: startExpress,
  fastify: startFastify,
  hono: startHono,
  "web (Request/Response)": startWeb,
};
