import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { testCsrfAdapter } from "../../../test/csrf/behaviour.js";
import { type CsrfEnv, csrf, type SessionEnv, sessionErrorResponse, sessions } from "./index.js";

testCsrfAdapter("hono", async (setup) => {
  // Listen first (the CSRF defence needs the origin), then build the app.
  let fetch: (request: Request) => Response | Promise<Response> = () =>
    new Response(null, { status: 503 });
  const server = serve({ fetch: (request) => fetch(request), port: 0, hostname: "127.0.0.1" });
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const { sessions: manager, csrf: defence, app: csrfApp } = setup(origin);
  const app = new Hono<SessionEnv & CsrfEnv>();
  app.use(sessions(manager));
  app.use(csrf(defence));
  app.all("*", async (c) => {
    const url = new URL(c.req.url);
    const out = await csrfApp.handle(
      {
        method: c.req.method,
        path: url.pathname,
        query: url.searchParams,
        form: async () => (await c.req.parseBody()) as Record<string, unknown>,
        token: () => c.get("csrfToken")(),
      },
      c.get("session"),
    );
    return c.json(out.body as object, out.status as 200);
  });
  app.onError((err, c) => sessionErrorResponse(err) ?? c.text("Internal Server Error", 500));
  fetch = app.fetch;
  return {
    origin,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
});
