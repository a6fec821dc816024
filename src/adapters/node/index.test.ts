import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { handle } from "../../../test/sessions/app.js";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { withSessions } from "./index.js";

testAdapter("node http", async (sessions) => {
  const server = createServer(
    withSessions(sessions, async (req, res, session) => {
      const url = new URL(req.url ?? "/", "http://x");
      const out = await handle(
        { method: req.method ?? "GET", path: url.pathname, query: url.searchParams },
        session,
      );
      res.writeHead(out.status, { "content-type": "application/json", ...(out.headers ?? {}) });
      res.end(out.body === null ? "" : JSON.stringify(out.body));
    }),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
});
