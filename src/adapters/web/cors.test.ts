import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { testCorsAdapter } from "../../../test/cors/behaviour.js";
import { createCorsPolicy } from "../../cors/index.js";
import { csrfToken, withCors, withSessions } from "./index.js";

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

testCorsAdapter("web (Request/Response)", async (setup) => {
  let serve: (request: Request) => Promise<Response> = async () =>
    new Response(null, { status: 503 });
  const server = createServer(bridge((request) => serve(request)));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const { sessions, csrf, cors, app } = setup(origin);
  serve = withSessions(
    sessions,
    async (request, session) => {
      const url = new URL(request.url);
      const out = await app.handle(
        {
          method: request.method,
          path: url.pathname,
          query: url.searchParams,
          token: () => csrfToken(request),
        },
        session,
      );
      return Response.json(out.body, { status: out.status, headers: out.headers });
    },
    { csrf, cors },
  );
  return { origin, close: () => new Promise<void>((r) => server.close(() => r())) };
});

describe("web withCors, without sessions", () => {
  const PAGE = "https://www.shop.test";
  let hits = 0;
  let origin = "";
  const server = createServer(
    bridge(
      withCors(
        createCorsPolicy({ origins: [PAGE], credentials: true, exposedHeaders: ["x-id"] }),
        async (request) => {
          hits++;
          // An immutable response (its headers cannot be changed): the glue answers a copy.
          if (new URL(request.url).pathname === "/redirect")
            return Response.redirect("https://www.shop.test/next", 303);
          return new Response("ok", { headers: { vary: "Accept-Encoding", "x-id": "1" } });
        },
      ),
    ),
  );
  before(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test("the handler's Vary is merged; an immutable response gets its grant on a copy", async () => {
    const res = await fetch(`${origin}/`, { headers: { origin: PAGE } });
    assert.equal(await res.text(), "ok");
    assert.equal(res.headers.get("vary"), "Accept-Encoding, Origin");
    assert.equal(res.headers.get("access-control-allow-origin"), PAGE);
    assert.equal(res.headers.get("access-control-expose-headers"), "x-id");
    const redirect = await fetch(`${origin}/redirect`, {
      headers: { origin: PAGE },
      redirect: "manual",
    });
    assert.equal(redirect.status, 303);
    assert.equal(redirect.headers.get("location"), "https://www.shop.test/next");
    assert.equal(redirect.headers.get("access-control-allow-origin"), PAGE);
    assert.equal(redirect.headers.get("vary"), "Origin");
  });

  test("a preflight is answered without the handler; a refused origin reaches it ungranted", async () => {
    const was = hits;
    const pre = await fetch(`${origin}/`, {
      method: "OPTIONS",
      headers: { origin: PAGE, "access-control-request-method": "POST" },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-methods"), "GET, HEAD, POST");
    assert.equal(hits, was);
    const evil = await fetch(`${origin}/`, { headers: { origin: "https://evil.example" } });
    assert.equal(await evil.text(), "ok");
    assert.equal(evil.headers.get("access-control-allow-origin"), null);
    assert.equal(evil.headers.get("vary"), "Accept-Encoding, Origin");
    assert.equal(hits, was + 1);
  });
});
