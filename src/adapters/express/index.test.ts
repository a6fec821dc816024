import type { AddressInfo } from "node:net";
import express from "express";
import { handle } from "../../../test/sessions/app.js";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { getSession, sessionErrorHandler, sessionMiddleware } from "./index.js";

testAdapter("express", async (sessions) => {
  const app = express();
  app.use(sessionMiddleware(sessions));
  app.use(async (req, res) => {
    const out = await handle(
      { method: req.method, path: req.path, query: new URL(req.url, "http://x").searchParams },
      getSession(req),
    );
    res.status(out.status).set({ "content-type": "application/json", ...(out.headers ?? {}) });
    res.send(out.body === null ? "" : JSON.stringify(out.body));
  });
  app.use(sessionErrorHandler());
  const server = app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve).once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
});
