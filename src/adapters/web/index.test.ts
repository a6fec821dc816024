import { createServer } from "node:http";
import { bridge, listen, running } from "../../../test/servers.js";
import { handle } from "../../../test/sessions/app.js";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { withSessions } from "./index.js";

testAdapter("web (Request/Response)", async (sessions) => {
  const server = createServer(
    bridge(
      withSessions(
        sessions,
        async (request, session) => {
          const url = new URL(request.url);
          const out = await handle(
            { method: request.method, path: url.pathname, query: url.searchParams },
            session,
          );
          return new Response(out.body === null ? null : JSON.stringify(out.body), {
            status: out.status,
            headers: { "content-type": "application/json", ...(out.headers ?? {}) },
          });
        },
        { csrf: false },
      ),
    ),
  );
  await listen(server);
  return running(server);
});
