import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { testCorsAdapter } from "../../../test/cors/behaviour.js";
import { lateFetch, listening, running } from "../../../test/servers.js";
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
  const late = lateFetch();
  const server = serve({ fetch: late.fetch, port: 0, hostname: "127.0.0.1" });
  const origin = await listening(server);
  const { sessions: manager, csrf: defence, cors: policy, app: corsApp } = setup(origin);
  const app = new Hono<SessionEnv & CsrfEnv>();
  app.use(cors(policy));
  app.use(sessions(manager, { csrf: false }));
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
  late.use(app.fetch);
  return running(server);
});
