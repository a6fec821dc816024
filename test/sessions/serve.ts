// The test app (app.ts) served through the node and the Web adapters, for the behavioural suite
// and the transport suites. A cookie transport gets `csrf: false`: these suites test sessions,
// and test/csrf tests the guard.
import { createServer } from "node:http";
import { withSessions as nodeSessions } from "../../src/adapters/node/index.js";
import { withSessions as webSessions } from "../../src/adapters/web/index.js";
import type { Sessions } from "../../src/session/index.js";
import { bridge, listen, running } from "../servers.js";
import { handle } from "./app.js";
import type { RunningServer } from "./behaviour.js";

type AnySessions = Sessions<Record<string, unknown>>;

const noGuard = (sessions: AnySessions): { csrf?: false } =>
  sessions.capabilities.ambient ? { csrf: false } : {};

/** Serves app.ts through `withSessions` of sessionjar/adapters/node. */
export async function nodeApp(sessions: AnySessions): Promise<RunningServer> {
  const server = createServer(
    nodeSessions(
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
      noGuard(sessions),
    ),
  );
  await listen(server);
  return running(server);
}

/** Serves app.ts through `withSessions` of sessionjar/adapters/web, over a node:http bridge. */
export async function webApp(sessions: AnySessions): Promise<RunningServer> {
  const server = createServer(
    bridge(
      webSessions(
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
        noGuard(sessions),
      ),
    ),
  );
  await listen(server);
  return running(server);
}
