// docs/adapters.md shows a Fastify app, a Hono app and a Web handler, each served from Node. This
// test runs the blocks as the page writes them (imports pointed at src/, the port the page's 3000 would
// collide with replaced by a free one) and signs in and out through each over real HTTP.
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { after, describe, test } from "node:test";
import { blockOf, client, closeApps, freePort, loadApp, readPage, typeCheck } from "./page-app.js";

const page = readPage("adapters.md");

describe("docs/adapters.md, run as written", () => {
  const servers: Server[] = [];
  process.env.CSRF_SECRET = "docs-test-secret-of-more-than-32-bytes";
  after(() => closeApps(servers));

  const headings = ["Fastify", "Hono", "Web `Request`/`Response`"];

  test("each app compiles under the repository's strict options", () => {
    assert.equal(typeCheck(headings.map((h) => ({ name: h, code: blockOf(page, h) }))), "");
  });

  for (const heading of headings) {
    test(`${heading}: CSRF token, sign-in, /me, the JSON errors of the Node glue`, async () => {
      const port = await freePort();
      servers.push(await loadApp(blockOf(page, heading), heading, port));
      const send = client(port);
      assert.equal((await send("GET", "/me")).status, 401);
      const refused = await send("POST", "/login");
      assert.equal(refused.status, 403);
      assert.equal((refused.body.error as { code: string }).code, "csrf_token_missing");
      const { token } = (await send("GET", "/csrf")).body as { token: string };
      const signedIn = await send("POST", "/login", { "x-csrf-token": token });
      assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
      assert.equal(signedIn.res.headers.get("cache-control"), "no-store");
      assert.match(signedIn.res.headers.getSetCookie().join("\n"), /__Host-session=/);
      const me = await send("GET", "/me");
      assert.equal(me.body.user, "alice");
      assert.equal(me.res.headers.get("cache-control"), "private");
      // A request Node's parser refuses gets the same JSON as every other refusal.
      const big = await send("GET", "/me", { "x-big": "y".repeat(20_000) });
      assert.equal(big.status, 431);
      assert.equal((big.body.error as { code: string }).code, "header_too_large");
      if (heading === "Hono") {
        const out = await send("POST", "/logout", {
          "x-csrf-token": signedIn.body.token as string,
        });
        assert.equal(out.status, 200, JSON.stringify(out.body));
        assert.equal((await send("GET", "/me")).status, 401);
      }
    });
  }
});
