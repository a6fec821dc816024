import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { testCsrfAdapter } from "../../../test/csrf/behaviour.js";
import { csrfToken, withSessions } from "./index.js";

/**
 * A minimal node:http → fetch bridge. When the handler answers without reading the whole
 * request body (a form over the limit), the connection is closed, as a runtime would.
 */
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
    if (!req.complete) out.push(["connection", "close"]);
    res.writeHead(response.status, out.flat());
    res.end(Buffer.from(await response.arrayBuffer()));
  };
}

testCsrfAdapter("web (Request/Response)", async (setup) => {
  let serve: (request: Request) => Promise<Response> = async () =>
    new Response(null, { status: 503 });
  const server = createServer(bridge((request) => serve(request)));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const { sessions, csrf, app } = setup(origin);
  serve = withSessions(
    sessions,
    async (request, session) => {
      const url = new URL(request.url);
      const out = await app.handle(
        {
          method: request.method,
          path: url.pathname,
          query: url.searchParams,
          form: async () => Object.fromEntries(await request.formData()),
          token: () => csrfToken(request),
        },
        session,
      );
      return Response.json(out.body, { status: out.status });
    },
    { csrf },
  );
  return { origin, close: () => new Promise<void>((r) => server.close(() => r())) };
});
