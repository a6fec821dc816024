import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { testCorsAdapter } from "../../../test/cors/behaviour.js";
import { bridge, closeServer, earlyWebServer, listen } from "../../../test/servers.js";
import { createCorsPolicy } from "../../cors/index.js";
import { csrfToken, withCors, withSessions } from "./index.js";

testCorsAdapter("web (Request/Response)", async (setup) => {
  const server = await earlyWebServer();
  const { sessions, csrf, cors, app } = setup(server.origin);
  server.use(
    withSessions(
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
    ),
  );
  return server.running;
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
      { closeUnread: true },
    ),
  );
  before(async () => {
    origin = await listen(server);
  });
  after(() => closeServer(server));

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
