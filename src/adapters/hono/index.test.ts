import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { running } from "../../../test/servers.js";
import { handle } from "../../../test/sessions/app.js";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { type SessionEnv, sessionErrorResponse, sessions } from "./index.js";

testAdapter("hono", async (manager) => {
  const app = new Hono<SessionEnv>();
  app.use(sessions(manager, { csrf: false }));
  app.all("*", async (c) => {
    const url = new URL(c.req.url);
    const out = await handle(
      { method: c.req.method, path: url.pathname, query: url.searchParams },
      c.get("session"),
    );
    return new Response(out.body === null ? null : JSON.stringify(out.body), {
      status: out.status,
      headers: { "content-type": "application/json", ...(out.headers ?? {}) },
    });
  });
  app.onError((err, c) => sessionErrorResponse(err) ?? c.text("Internal Server Error", 500));
  return running(serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }));
});
