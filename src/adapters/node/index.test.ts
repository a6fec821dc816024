import { createServer } from "node:http";
import { listen, running } from "../../../test/servers.js";
import { handle } from "../../../test/sessions/app.js";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { withSessions } from "./index.js";

testAdapter("node http", async (sessions) => {
  const server = createServer(
    withSessions(
      sessions,
      async (req, res, session) => {
        const url = new URL(req.url ?? "/", "http://x");
        const out = await handle(
          { method: req.method ?? "GET", path: url.pathname, query: url.searchParams },
          session,
        );
        res.writeHead(out.status, { "content-type": "application/json", ...(out.headers ?? {}) });
        res.end(out.body === null ? "" : JSON.stringify(out.body));
      },
      { csrf: false },
    ),
  );
  await listen(server);
  return running(server);
});
