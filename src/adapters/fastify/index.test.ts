// The behavioural suite over real HTTP, through this adapter (the server is in test/sessions/servers.ts).
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import fastify from "fastify";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { startFastify } from "../../../test/sessions/servers.js";
import { createSessions, SessionError } from "../../session/index.js";
import { memoryStore, type SessionStore, StoreError } from "../../stores/index.js";
import { fastifySessions, getSession, sessionErrorHandler } from "./index.js";

testAdapter("fastify", startFastify);

test("the plugin takes a manager of typed session data, as createSessions<Data> makes it", async () => {
  type Data = { cart: string[] };
  const sessions = createSessions<Data>({ store: memoryStore(), insecureLocalhost: true });
  const app = fastify();
  // Compiles only while fastifySessions is generic over the session data.
  await app.register(fastifySessions, { sessions, csrf: false });
  app.get("/add", async (request) => {
    const session = getSession<Data>(request);
    session.set("cart", [...(session.get("cart") ?? []), "tea"]);
    return { ok: true };
  });
  app.get("/cart", async (request) => ({ cart: getSession<Data>(request).get("cart") ?? [] }));
  await app.listen({ host: "127.0.0.1", port: 0 });
  try {
    const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const added = await fetch(`${origin}/add`);
    const cookie = (added.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
    assert.match(cookie, /^__Host-session=/);
    const cart = await fetch(`${origin}/cart`, { headers: { cookie } });
    assert.deepEqual(await cart.json(), { cart: ["tea"] });
  } finally {
    await app.close();
  }
});

test("with errorHandler: false, the application's error handler gets the store outage of a load", async () => {
  const inner = memoryStore();
  let down = false;
  const store: SessionStore = {
    ...inner,
    get: async (key) => {
      if (down) throw new StoreError("ERR_STORE_UNAVAILABLE", "the store is down");
      return inner.get(key);
    },
  };
  const sessions = createSessions({ store, insecureLocalhost: true });
  const app = fastify();
  const seen: unknown[] = [];
  app.setErrorHandler((error, request, reply) => {
    seen.push(error);
    return sessionErrorHandler(error, request, reply);
  });
  await app.register(fastifySessions, { sessions, csrf: false, errorHandler: false });
  app.get("/add", async (request) => {
    getSession(request).set("n", 1);
    return { ok: true };
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  try {
    const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const cookie = ((await fetch(`${origin}/add`)).headers.getSetCookie()[0] ?? "").split(";")[0];
    down = true;
    const r = await fetch(`${origin}/add`, { headers: { cookie: cookie ?? "" } });
    assert.equal(r.status, 503);
    assert.equal(r.headers.getSetCookie().length, 0, "the cookie is kept");
    assert.equal(seen.length, 1);
    assert.ok(seen[0] instanceof SessionError);
    assert.equal((seen[0] as SessionError).code, "ERR_SESSION_STORE_UNAVAILABLE");
  } finally {
    await app.close();
  }
});
