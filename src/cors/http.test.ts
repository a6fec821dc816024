// decide() served over a real socket by node:http, headers applied by hand, and read back with
// Node's fetch: what goes over the wire is what the unit tests assert on.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { explainCors } from "./explain.js";
import { createCorsPolicy } from "./policy.js";

const PAGE = "https://www.shop.test";

const policy = createCorsPolicy({
  origins: [PAGE],
  methods: ["GET", "POST", "PUT"],
  allowedHeaders: ["content-type", "x-csrf-token"],
  exposedHeaders: ["x-request-id"],
  credentials: true,
});

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

let server: Server;
let base: string;
let handled = 0;

before(async () => {
  server = createServer((req, res) => {
    const d = policy.decide({ method: req.method ?? "GET", header: (n) => header(req, n) });
    for (const [name, value] of Object.entries(d.headers)) res.setHeader(name, value);
    if (d.kind === "preflight") {
      res.writeHead(d.status).end();
      return;
    }
    handled++;
    res.setHeader("x-request-id", "r-1");
    res.setHeader("set-cookie", "sid=1; Path=/; Secure; HttpOnly; SameSite=Lax");
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  );
});

describe("the policy over real HTTP", () => {
  test("an allowed preflight is answered 204 with the grant, before any route runs", async () => {
    const before = handled;
    const res = await fetch(`${base}/cart`, {
      method: "OPTIONS",
      headers: {
        origin: PAGE,
        "access-control-request-method": "PUT",
        "access-control-request-headers": "Content-Type, X-CSRF-Token",
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), PAGE);
    assert.equal(res.headers.get("access-control-allow-credentials"), "true");
    assert.equal(res.headers.get("access-control-allow-methods"), "GET, POST, PUT");
    assert.equal(res.headers.get("access-control-allow-headers"), "content-type, x-csrf-token");
    assert.equal(res.headers.get("access-control-max-age"), "600");
    assert.equal(
      res.headers.get("vary"),
      "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    );
    assert.equal(await res.text(), "");
    assert.equal(handled, before);
  });

  test("a refused preflight is answered 204 without any grant", async () => {
    const res = await fetch(`${base}/cart`, {
      method: "OPTIONS",
      headers: { origin: PAGE, "access-control-request-method": "DELETE" },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    assert.equal(res.headers.get("access-control-allow-methods"), null);
    assert.match(res.headers.get("vary") ?? "", /^Origin, /);
  });

  test("an allowed actual request: the grant, exposed headers, Vary, and the route's answer", async () => {
    const res = await fetch(`${base}/cart`, { headers: { origin: PAGE } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), PAGE);
    assert.equal(res.headers.get("access-control-allow-credentials"), "true");
    assert.equal(res.headers.get("access-control-expose-headers"), "x-request-id");
    assert.equal(res.headers.get("vary"), "Origin");
    assert.deepEqual(await res.json(), { ok: true });

    // What the browser would make of that very response, from the page's point of view.
    const explained = explainCors(
      { url: "https://api.shop.test/cart", method: "GET", origin: PAGE, credentials: "include" },
      {
        status: res.status,
        headers: { ...Object.fromEntries(res.headers), "set-cookie": res.headers.getSetCookie() },
      },
    );
    assert.deepEqual(
      [explained.exposed, explained.cookiesSent, explained.cookiesStored],
      [true, true, true],
    );
  });

  test("a disallowed origin reaches the route (CORS is not CSRF) but gets no grant", async () => {
    const before = handled;
    const res = await fetch(`${base}/cart`, {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "text/plain" },
      body: "x",
    });
    assert.equal(res.status, 200);
    assert.equal(handled, before + 1);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
    assert.equal(res.headers.get("access-control-allow-credentials"), null);
    assert.equal(res.headers.get("access-control-expose-headers"), null);
    assert.equal(res.headers.get("vary"), "Origin");
  });
});
