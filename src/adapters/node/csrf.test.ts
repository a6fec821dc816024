import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { testCsrfAdapter } from "../../../test/csrf/behaviour.js";
import { csrfToken, type RequestWithForm, withSessions } from "./index.js";

testCsrfAdapter("node http", async (setup) => {
  let serve = (_req: IncomingMessage, res: ServerResponse): unknown => res.writeHead(503).end();
  const server = createServer((req, res) => serve(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const { sessions, csrf, app } = setup(origin);
  serve = withSessions(
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
      res.writeHead(out.status, { "content-type": "application/json" });
      res.end(JSON.stringify(out.body));
    },
    { csrf },
  );
  return { origin, close: () => new Promise<void>((r) => server.close(() => r())) };
});
