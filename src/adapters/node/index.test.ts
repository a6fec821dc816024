import assert from "node:assert/strict";
import { createServer, ServerResponse } from "node:http";
import { describe, it } from "node:test";
import { closeServer, listen } from "../../../test/servers.js";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { startNode } from "../../../test/sessions/servers.js";
import { createSessions } from "../../session/index.js";
import { memoryStore } from "../../stores/index.js";
import { commitBeforeResponse, nodeSessionRequest, withSessions } from "./index.js";

testAdapter("node http", startNode);

describe("the response hold", () => {
  const sessions = createSessions({ store: memoryStore(), insecureLocalhost: true });

  it("keeps writeHead's reason phrase and raw header list, and adds the session's headers", async () => {
    const server = createServer(
      withSessions(
        sessions,
        async (_req, res, session) => {
          session.set("seen", true);
          res.writeHead(201, "Made", ["x-one", "1", "x-two", "2"]);
          res.end("ok");
        },
        { csrf: false },
      ),
    );
    const url = await listen(server);
    try {
      const r = await fetch(url);
      assert.equal(r.status, 201);
      assert.equal(r.statusText, "Made");
      assert.equal(r.headers.get("x-one"), "1");
      assert.equal(r.headers.get("x-two"), "2");
      assert.match(r.headers.get("set-cookie") ?? "", /^__Host-session=/);
      assert.equal(r.headers.get("cache-control"), "no-store");
      assert.equal(await r.text(), "ok");
    } finally {
      await closeServer(server);
    }
  });

  it("refuses a second session on one response", async () => {
    const server = createServer(async (req, res) => {
      const first = await sessions.load(nodeSessionRequest(req));
      commitBeforeResponse(res, first);
      let error: unknown;
      try {
        commitBeforeResponse(res, await sessions.load(nodeSessionRequest(req)));
      } catch (e) {
        error = e;
      }
      res.end(error instanceof TypeError ? error.message : "no error");
    });
    const url = await listen(server);
    try {
      assert.match(await (await fetch(url)).text(), /already holds a session/);
    } finally {
      await closeServer(server);
    }
  });
});

describe("the response hold, under a framework that swaps the response's prototype", () => {
  const sessions = createSessions({ store: memoryStore(), insecureLocalhost: true });

  // As Express does: every response gets a prototype of the framework's, above Node's; and, as
  // compression-style middleware does, a wrapper of `end` on the response before the session
  // loads, which keeps the `end` it found.
  function frameworkServer(): ReturnType<typeof createServer> {
    const base = Object.create(ServerResponse.prototype) as ServerResponse;
    const app = Object.create(base) as ServerResponse;
    return createServer(async (req, res) => {
      Object.setPrototypeOf(res, app);
      const wrapped = res.end;
      res.end = function (this: ServerResponse, ...args: unknown[]) {
        this.setHeader("x-wrapped", "yes");
        return (wrapped as (...a: unknown[]) => ServerResponse).apply(this, args);
      } as typeof res.end;
      const session = await sessions.load(nodeSessionRequest(req));
      commitBeforeResponse(res, session);
      await session.signIn("u");
      res.end(JSON.stringify(["writeHead", "write", "end"].filter((m) => Object.hasOwn(res, m))));
    });
  }

  it("holds the first response and every later one, through the wrapper", async () => {
    const server = frameworkServer();
    const url = await listen(server);
    try {
      const owns: string[][] = [];
      for (let i = 0; i < 3; i++) {
        const r = await fetch(url);
        assert.equal(r.status, 200);
        assert.match(r.headers.get("set-cookie") ?? "", /^__Host-session=/);
        assert.equal(r.headers.get("cache-control"), "no-store");
        assert.equal(r.headers.get("x-wrapped"), "yes");
        owns.push((await r.json()) as string[]);
      }
      // Only the wrapped `end` is the response's own once the framework's base holds sessions;
      // before that (the first request) the hold's three methods were its own too.
      assert.deepEqual(owns, [["writeHead", "write", "end"], ["end"], ["end"]]);
    } finally {
      await closeServer(server);
    }
  });
});
