// The behavioural suite over real HTTP, through this adapter (the server is in test/sessions/servers.ts).
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import fastify from "fastify";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { startFastify } from "../../../test/sessions/servers.js";
import { createSessions } from "../../session/index.js";
import { memoryStore } from "../../stores/index.js";
import { fastifySessions, getSession } from "./index.js";

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
