import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { testCorsAdapter } from "../../../test/cors/behaviour.js";
import { closeServer, earlyNodeServer, listen } from "../../../test/servers.js";
import { createCorsPolicy } from "../../cors/index.js";
import { csrfToken, withCors, withSessions } from "./index.js";

testCorsAdapter("node http", async (setup) => {
  const server = await earlyNodeServer();
  const { sessions, csrf, cors, app } = setup(server.origin);
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
            token: () => csrfToken(req),
          },
          session,
        );
        // The handler's own headers, Vary among them, given to writeHead.
        res.writeHead(out.status, { "content-type": "application/json", ...out.headers });
        res.end(JSON.stringify(out.body));
      },
      { csrf, cors },
    ),
  );
  return server.running;
});

describe("node withCors, without sessions", () => {
  const PAGE = "https://www.shop.test";
  let hits = 0;
  let origin = "";
  const server = createServer(
    withCors(
      createCorsPolicy({ origins: [PAGE], credentials: true, exposedHeaders: ["x-id"] }),
      (req, res) => {
        hits++;
        if (req.url === "/raw") {
          // A raw header list given to writeHead.
          res.writeHead(200, ["Vary", "Accept-Encoding", "X-Id", "1"]).end("raw");
        } else if (req.url === "/set") {
          res.setHeader("vary", "Accept-Language");
          res.end("set");
        } else {
          res.writeHead(201, "Made", { vary: "Accept-Encoding, origin" }).end("object");
        }
      },
    ),
  );
  before(async () => {
    origin = await listen(server);
  });
  after(() => closeServer(server));

  test("the handler's headers, however written, are kept, and Vary is merged", async () => {
    const cases: [string, number, string, string][] = [
      ["/raw", 200, "", "Accept-Encoding, Origin"],
      ["/set", 200, "", "Accept-Language, Origin"],
      ["/object", 201, "Made", "Accept-Encoding, origin"],
    ];
    for (const [path, status, statusText, vary] of cases) {
      const res = await fetch(origin + path, { headers: { origin: PAGE } });
      assert.equal(res.status, status, path);
      if (statusText !== "") assert.equal(res.statusText, statusText);
      assert.equal(res.headers.get("vary"), vary, path);
      assert.equal(res.headers.get("access-control-allow-origin"), PAGE, path);
      assert.equal(res.headers.get("access-control-allow-credentials"), "true", path);
      assert.equal(res.headers.get("access-control-expose-headers"), "x-id", path);
      await res.text();
    }
  });

  test("a preflight is answered without the handler; a refused origin reaches it ungranted", async () => {
    const was = hits;
    const pre = await fetch(`${origin}/object`, {
      method: "OPTIONS",
      headers: { origin: PAGE, "access-control-request-method": "POST" },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-methods"), "GET, HEAD, POST");
    assert.equal(hits, was);
    const evil = await fetch(`${origin}/set`, { headers: { origin: "https://evil.example" } });
    assert.equal(evil.status, 200);
    assert.equal(evil.headers.get("access-control-allow-origin"), null);
    assert.equal(evil.headers.get("vary"), "Accept-Language, Origin");
    await evil.text();
    assert.equal(hits, was + 1);
  });
});
