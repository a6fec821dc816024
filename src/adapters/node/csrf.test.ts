import { testCsrfAdapter } from "../../../test/csrf/behaviour.js";
import { earlyNodeServer } from "../../../test/servers.js";
import { csrfToken, type RequestWithForm, withSessions } from "./index.js";

testCsrfAdapter("node http", async (setup) => {
  const server = await earlyNodeServer();
  const { sessions, csrf, app } = setup(server.origin);
  server.use(
    withSessions(
      sessions,
      async (req, res, session) => {
        const url = new URL(req.url ?? "/", "http://x");
        const out = await app.handle(
          {
            method: req.method ?? "GET",
            path: url.pathname,
            query: url.searchParams,
            form: async () => (req as RequestWithForm).body,
            token: () => csrfToken(req),
          },
          session,
        );
        res.writeHead(out.status, { "content-type": "application/json", ...out.headers });
        res.end(JSON.stringify(out.body));
      },
      { csrf },
    ),
  );
  return server.running;
});
