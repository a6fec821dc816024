import express from "express";
import { running } from "../../../test/servers.js";
import { handle } from "../../../test/sessions/app.js";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { getSession, sessionErrorHandler, sessionMiddleware } from "./index.js";

testAdapter("express", async (sessions) => {
  const app = express();
  app.use(sessionMiddleware(sessions, { csrf: false }));
  app.use(async (req, res) => {
    const out = await handle(
      { method: req.method, path: req.path, query: new URL(req.url, "http://x").searchParams },
      getSession(req),
    );
    res.status(out.status).set({ "content-type": "application/json", ...(out.headers ?? {}) });
    res.send(out.body === null ? "" : JSON.stringify(out.body));
  });
  app.use(sessionErrorHandler());
  return running(app.listen(0, "127.0.0.1"));
});
