import assert from "node:assert/strict";
import { createServer } from "node:http";
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
