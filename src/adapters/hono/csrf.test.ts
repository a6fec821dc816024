import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { testCsrfAdapter } from "../../../test/csrf/behaviour.js";
import { lateFetch, listening, running } from "../../../test/servers.js";
import { type CsrfEnv, csrf, type SessionEnv, sessionErrorResponse, sessions } from "./index.js";

/** The guard as its own middleware after sessions(), or given to sessions() itself. */
for (const given of [false, true]) {
  testCsrfAdapter(given ? "hono, sessions(manager, { csrf })" : "hono", async (setup) => {
    // Listen first (the CSRF defence needs the origin), then build the app.
    const late = lateFetch();
    const server = serve({ fetch: late.fetch, port: 0, hostname: "127.0.0.1" });
    const origin = await listening(server);
    const { sessions: manager, csrf: defence, app: csrfApp } = setup(origin);
    const app = new Hono<SessionEnv & CsrfEnv>();
    if (given) app.use(sessions(manager, { csrf: defence }));
    else {
      app.use(sessions(manager, { csrf: false }));
      app.use(csrf(defence));
    }
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
      for (const [name, value] of Object.entries(out.headers ?? {})) c.header(name, value);
      return c.json(out.body as object, out.status as 200);
    });
    app.onError((err, c) => sessionErrorResponse(err) ?? c.text("Internal Server Error", 500));
    late.use(app.fetch);
    return running(server);
  });
}
