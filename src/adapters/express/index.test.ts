// The behavioural suite over real HTTP, through this adapter (the server is in test/sessions/servers.ts),
// as a top-level app and mounted as a sub-app; and Express apps without sessions in the same
// process, whose responses share the base object that holds sessions.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import express from "express";
import { running } from "../../../test/servers.js";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { startExpress, startExpressMounted } from "../../../test/sessions/servers.js";
import { createSessions } from "../../session/index.js";
import { memoryStore } from "../../stores/index.js";
import { getSession, sessionMiddleware } from "./index.js";

testAdapter("express", startExpress);
testAdapter("express, mounted in an app without sessions", startExpressMounted);

describe("express: responses of apps without sessions, and the response's shape", () => {
  let origin: string;
  let close: () => Promise<void>;
  const sessions = createSessions({ store: memoryStore(), insecureLocalhost: true });

  before(async () => {
    // One app with sessions first, so that the base response object holds sessions before the
    // app without them answers anything.
    const withSessions = express();
    withSessions.use(sessionMiddleware(sessions, { csrf: false }));
    withSessions.get("/shape", (req, res) => {
      getSession(req);
      res.json({ own: ["writeHead", "write", "end"].filter((m) => Object.hasOwn(res, m)) });
    });
    const plain = express();
    plain.get("/json", (_req, res) => {
      res.json({ ok: true });
    });
    plain.get("/redirect", (_req, res) => {
      res.redirect(303, "/plain/json");
    });
    plain.get("/stream", (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("one,");
      res.write("two,");
      res.end("three");
    });
    const app = express();
    app.use("/with", withSessions);
    app.use("/plain", plain);
    const server = await running(app.listen(0, "127.0.0.1"));
    origin = server.origin;
    close = server.close;
  });
  after(async () => close());

  test("a held response keeps its own shape: no writeHead, write or end of its own", async () => {
    const res = await fetch(`${origin}/with/shape`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { own: [] });
  });

  test("an app without sessions answers as before: json, redirect, a streamed body", async () => {
    const json = await fetch(`${origin}/plain/json`);
    assert.equal(json.status, 200);
    assert.deepEqual(await json.json(), { ok: true });
    assert.equal(json.headers.get("set-cookie"), null);
    assert.equal(json.headers.get("vary"), null);
    const redirect = await fetch(`${origin}/plain/redirect`, { redirect: "manual" });
    assert.equal(redirect.status, 303);
    assert.equal(redirect.headers.get("location"), "/plain/json");
    const stream = await fetch(`${origin}/plain/stream`);
    assert.equal(stream.status, 200);
    assert.equal(stream.headers.get("content-type"), "text/plain");
    assert.equal(await stream.text(), "one,two,three");
  });
});
