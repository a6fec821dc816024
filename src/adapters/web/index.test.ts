// The behavioural suite over real HTTP, through this adapter (the server is in test/sessions/servers.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { testAdapter } from "../../../test/sessions/behaviour.js";
import { startWeb } from "../../../test/sessions/servers.js";
import { createSessions } from "../../session/index.js";
import { memoryStore } from "../../stores/index.js";
import { withSessions } from "./index.js";

testAdapter("web (Request/Response)", startWeb);

test("a Request made in code for http://localhost (no Host header): the localhost opt-in applies", async () => {
  const handler = withSessions(
    createSessions({ store: memoryStore(), insecureLocalhost: true }),
    async (_request, session) => {
      await session.signIn("alice");
      return Response.json({ ok: true });
    },
    { csrf: false },
  );
  const r = await handler(new Request("http://localhost:3000/login", { method: "POST" }));
  assert.equal(r.status, 200, await r.clone().text());
  assert.match(r.headers.get("set-cookie") ?? "", /^__Host-session=/);
});
