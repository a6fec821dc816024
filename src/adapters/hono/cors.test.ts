import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { testCorsAdapter } from "../../../test/cors/behaviour.js";
import {
  type CsrfEnv,
  cors,
  csrf,
  type SessionEnv,
  sessionErrorResponse,
  sessions,
} from "./index.js";

testCorsAdapter("hono", async (setup) => {
  // Listen first (the CSRF defence needs the origin), then build the app.
  let fetch: (request: Request) => Response | Promise<Response> = () =>
    new Response(null, { status: 503 });
  const server = serve({ fetch: (request) => fetch(request), port: 0, hostname: "127.0.0.1" });
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const { sessions: manager, csrf: defence, cors: policy, app: corsApp } = setup(origin);
  const app = new Hono<SessionEnv & CsrfEnv>();
  app.use(cors(policy));
  app.use(sessions(manager));
  app.use(csrf(defence));
  app.all("*", async (c) => {
    const url = new URL(c.req.url);
    const out = await corsApp.handle(
      {
        method: c.req.method,
        path: url.pathname,
        query: url.searchParams,
        token: () => c.get("csrfToken")(),
      },
      c.get("session"),
    );
    return c.json(out.body as object, out.status as 200, out.headers);
  });
  app.onError((err, c) => sessionErrorResponse(err) ?? c.text("Internal Server Error", 500));
  fetch = app.fetch;
  return {
    origin,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
});
