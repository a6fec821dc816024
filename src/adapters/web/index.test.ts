import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { handle } from "../../../test/sessions/app.js";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { withSessions } from "./index.js";

/** A minimal node:http → fetch bridge: enough to serve a `(Request) => Response` handler. */
function bridge(fetch: (request: Request) => Promise<Response>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method ?? "GET",
      headers,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: "half" } : {}),
    });
    let response: Response;
    try {
      response = await fetch(request);
    } catch (error) {
      console.error(error);
      res.writeHead(500).end();
      return;
    }
    const out: [string, string][] = [];
    response.headers.forEach((v, k) => {
      if (k !== "set-cookie") out.push([k, v]);
    });
    for (const c of response.headers.getSetCookie()) out.push(["set-cookie", c]);
    res.writeHead(response.status, out.flat());
    res.end(Buffer.from(await response.arrayBuffer()));
  };
}

testAdapter("web (Request/Response)", async (sessions) => {
  const server = createServer(
    bridge(
      withSessions(sessions, async (request, session) => {
        const url = new URL(request.url);
        const out = await handle(
          { method: request.method, path: url.pathname, query: url.searchParams },
          session,
        );
        return new Response(out.body === null ? null : JSON.stringify(out.body), {
          status: out.status,
          headers: { "content-type": "application/json", ...(out.headers ?? {}) },
        });
      }),
    ),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
});
