// The behavioural suite over real HTTP, through this adapter (the server is in test/sessions/servers.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Hono } from "hono";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { startHono } from "../../../test/sessions/servers.js";
import { createSessions } from "../../session/index.js";
import { memoryStore } from "../../stores/index.js";
import { getSession, type SessionEnv, sessions } from "./index.js";

testAdapter("hono", startHono);

// Hono's own testing call makes a Request in code, with no Host header: the URL names the host.
test("app.request on http://localhost: the localhost opt-in applies, sign-in works", async () => {
  const app = new Hono<SessionEnv>();
  app.use(
    sessions(createSessions({ store: memoryStore(), insecureLocalhost: true }), { csrf: false }),
  );
  app.post("/login", async (c) => {
    await c.get("session").signIn("alice");
    return c.json({ ok: true });
  });
  const r = await app.request("/login", { method: "POST" });
  assert.equal(r.status, 200, await r.clone().text());
  assert.match(r.headers.get("set-cookie") ?? "", /^__Host-session=/);
});

test("getSession(c) gives the typed session, and names the mistake of a route before the middleware", async () => {
  const app = new Hono();
  let thrown: unknown;
  app.onError((err, c) => {
    thrown = err;
    return c.json({ error: { code: "internal_error" } }, 500);
  });
  app.get("/early", (c) => c.json({ user: getSession(c).userId }));
  app.use(
    sessions(
      createSessions<{ cart: string[] }>({ store: memoryStore(), insecureLocalhost: true }),
      {
        csrf: false,
      },
    ),
  );
  app.get("/late", (c) => c.json({ cart: getSession<{ cart: string[] }>(c).get("cart") ?? [] }));
  assert.equal((await app.request("/late")).status, 200);
  assert.equal((await app.request("/early")).status, 500);
  assert.ok(thrown instanceof TypeError);
  assert.match(thrown.message, /register this route after app\.use\(sessions\(manager\)\)/);
});
