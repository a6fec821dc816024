import express from "express";
import { testCorsAdapter } from "../../../test/cors/behaviour.js";
import { closeServer, listening } from "../../../test/servers.js";
import {
  corsMiddleware,
  csrfMiddleware,
  getCsrfToken,
  getSession,
  sessionErrorHandler,
  sessionMiddleware,
} from "./index.js";

testCorsAdapter("express", async (setup) => {
  const app = express();
  const server = app.listen(0, "127.0.0.1");
  const origin = await listening(server);
  const { sessions, csrf, cors, app: corsApp } = setup(origin);
  app.use(corsMiddleware(cors));
  app.use(sessionMiddleware(sessions, { csrf: false }));
  app.use(csrfMiddleware(csrf));
  app.use(async (req, res) => {
    const out = await corsApp.handle(
      {
        method: req.method,
        path: req.path,
        query: new URL(req.url, "http://x").searchParams,
        token: () => getCsrfToken(req),
      },
      getSession(req),
    );
    // The route's own headers, through Express's res.set (Vary among them).
    res.set(out.headers).status(out.status).json(out.body);
  });
  app.use(sessionErrorHandler());
  return { origin, close: () => closeServer(server) };
});
